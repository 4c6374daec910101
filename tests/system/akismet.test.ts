// The Akismet-compatible checker against a real local HTTP server that speaks Akismet's API:
// spam, ham, a wrong key, a failing server and one that never answers.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { akismetChecker, type SpamCheckInput } from '../../src/moderation/akismet.js';

const key = 'test-key-123';
let server: Server;
let url: string;
const received: Record<string, string>[] = [];
const hanging: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      received.push(form);
      if (request.method !== 'POST' || request.url !== '/1.1/comment-check') {
        response.writeHead(404).end();
        return;
      }
      if (form.comment_content?.includes('hang')) {
        hanging.push(request);
        return;
      }
      if (form.comment_content?.includes('crash')) {
        response.writeHead(500).end('oops');
        return;
      }
      if (form.api_key !== key) {
        response.writeHead(200, { 'x-akismet-debug-help': 'We were unable to verify your API key.' }).end('invalid');
        return;
      }
      const spam = /viagra|casino/i.test(form.comment_content ?? '');
      response
        .writeHead(200, spam && /casino/i.test(form.comment_content ?? '') ? { 'x-akismet-pro-tip': 'discard' } : {})
        .end(spam ? 'true' : 'false');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const comment = (body: string): SpamCheckInput => ({
  site: 'https://news.example',
  permalink: 'https://news.example/a#comment-4',
  authorName: 'Dana K',
  authorEmail: 'dana@example.org',
  body,
  userIp: '203.0.113.7',
  userAgent: 'Mozilla/5.0',
});

describe('the Akismet-compatible checker', () => {
  it('sends the comment as Akismet’s form and reads ham, spam and “discard”', async () => {
    const checker = akismetChecker({ url, key });
    expect(await checker.check(comment('A thoughtful reply.'))).toEqual({ verdict: 'HAM' });
    expect(received.at(-1)).toEqual({
      api_key: key,
      blog: 'https://news.example',
      permalink: 'https://news.example/a#comment-4',
      comment_type: 'comment',
      comment_author: 'Dana K',
      comment_author_email: 'dana@example.org',
      comment_content: 'A thoughtful reply.',
      user_ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
    });
    expect(await checker.check(comment('Cheap viagra'))).toEqual({ verdict: 'SPAM', discard: false });
    expect(await checker.check(comment('Best casino'))).toEqual({ verdict: 'SPAM', discard: true });
  });

  it('answers UNKNOWN, never ham, when the key is refused, the server fails or does not answer in time', async () => {
    expect(await akismetChecker({ url, key: 'wrong' }).check(comment('Hello'))).toEqual({
      verdict: 'UNKNOWN',
      reason: 'the checker answered "invalid" (We were unable to verify your API key.)',
    });
    expect(await akismetChecker({ url, key }).check(comment('crash'))).toEqual({ verdict: 'UNKNOWN', reason: 'the checker answered 500' });
    expect(await akismetChecker({ url, key, timeoutMs: 200 }).check(comment('hang'))).toEqual({
      verdict: 'UNKNOWN',
      reason: 'no answer within 200 ms',
    });
    expect(hanging).toHaveLength(1);
    expect(await akismetChecker({ url: 'http://127.0.0.1:1', key }).check(comment('Hello'))).toEqual({
      verdict: 'UNKNOWN',
      reason: 'the checker could not be reached',
    });
  });
});
