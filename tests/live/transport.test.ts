// One origin policy for every transport, streams counted together per address, subscriptions
// that end with their token, and oversized WebSocket messages, all over real sockets.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createClient } from 'graphql-ws';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { defaultLiveLimits, defaultRequestLimits } from '../../src/config.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { db, demoSlug, globalId, testApp, tokenFor, viewer } from '../helpers.js';

let demoId: string;
const opened: { close(): void }[] = [];

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  demoId = globalId('Article', (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id);
});
afterAll(() => {
  for (const connection of opened) connection.close();
});

async function started(options: Parameters<typeof testApp>[0] = {}) {
  const app = testApp({ resyncIntervalMs: 3_600_000, ...options });
  const { port } = (await app.start(0, '127.0.0.1')) as AddressInfo;
  return { app, port, http: `http://127.0.0.1:${port}/graphql`, ws: `ws://127.0.0.1:${port}/graphql` };
}

/** A plain HTTP exchange with chosen headers (fetch would not let a test set Origin). */
function exchange(
  url: string,
  { method = 'POST', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string },
) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
    const request = httpRequest(url, { method, headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const query = JSON.stringify({ query: '{ __typename }' });

/** A Server-Sent Event subscription: every line it receives, and how it ended. */
function eventStream(url: string, headers: Record<string, string> = {}) {
  const lines: string[] = [];
  let status = 0;
  let close: () => void = () => {};
  const ended = new Promise<void>((resolve, reject) => {
    const body = JSON.stringify({ query: `subscription { commentAdded(articleId: "${demoId}") { cursor } }` });
    const request = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers } },
      (response) => {
        status = response.statusCode ?? 0;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => lines.push(...chunk.split('\n')));
        response.on('end', () => resolve());
        response.on('error', () => resolve());
      },
    );
    request.on('error', reject);
    request.end(body);
    close = () => request.destroy();
  });
  const stream = { lines, ended, close: () => close(), status: () => status };
  opened.push(stream);
  return stream;
}

describe('one origin policy', () => {
  it('lets any origin call without credentials by default, and says so in CORS headers', async () => {
    const { http } = await started();
    const preflight = await exchange(http, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://reader.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': expect.stringMatching(/^(\*|https:\/\/reader\.example)$/),
      'access-control-max-age': '7200',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
    });
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('authorization');
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    const answer = await exchange(http, { headers: { origin: 'https://reader.example' }, body: query });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-expose-headers']).toBe('Retry-After');
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('with a list: refuses other origins on HTTP, SSE and WebSocket alike; pages of its own and servers still call', async () => {
    const { http, ws, port } = await started({ allowedOrigins: ['https://news.example'] });
    const listed = await exchange(http, { headers: { origin: 'https://news.example' }, body: query });
    expect(listed.status).toBe(200);
    expect(listed.headers['access-control-allow-origin']).toBe('https://news.example');

    const other = await exchange(http, { headers: { origin: 'https://evil.example' }, body: query });
    expect(other.status).toBe(403);
    expect(JSON.parse(other.text).errors[0].extensions.code).toBe('ORIGIN_NOT_ALLOWED');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await exchange(http, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();

    const stream = eventStream(http, { origin: 'https://evil.example' });
    await stream.ended;
    expect(stream.status()).toBe(403);

    const refused = new WebSocket(ws, 'graphql-transport-ws', { headers: { origin: 'https://evil.example' } });
    await expect(new Promise((resolve, reject) => refused.once('open', resolve).once('error', reject))).rejects.toThrow('403');

    // No Origin: not a browser. This server's own pages (GraphiQL): the same origin.
    expect((await exchange(http, { body: query })).status).toBe(200);
    expect((await exchange(http, { headers: { origin: `http://127.0.0.1:${port}` }, body: query })).status).toBe(200);
  });
});

describe('streams per address', () => {
  it('count WebSockets and Server-Sent Event streams together', async () => {
    const { http, ws } = await started({ liveLimits: { ...defaultLiveLimits, maxConnectionsPerIp: 2 } });
    const socket = new WebSocket(ws, 'graphql-transport-ws');
    opened.push(socket);
    await new Promise((resolve) => socket.once('open', resolve));
    const first = eventStream(http);
    await vi.waitFor(() => expect(first.lines.length).toBeGreaterThan(0));
    expect(first.status()).toBe(200);

    const third = eventStream(http);
    await third.ended;
    expect(third.status()).toBe(429);
    const refused = new WebSocket(ws, 'graphql-transport-ws');
    await expect(new Promise((resolve, reject) => refused.once('open', resolve).once('error', reject))).rejects.toThrow('429');

    // A closed stream gives its slot back.
    first.close();
    await vi.waitFor(async () => {
      const again = new WebSocket(ws, 'graphql-transport-ws');
      opened.push(again);
      await new Promise((resolve, reject) => again.once('open', resolve).once('error', reject));
    });
  });
});

describe('a subscription ends with its token', () => {
  const shortToken = () => tokenFor(viewer('short-lived', 'MODERATOR', 'Short Lived'), Math.floor(Date.now() / 1000) + 2);

  it('over graphql-ws: the socket closes with 4403 when the token expires', async () => {
    const { ws } = await started();
    const token = await shortToken();
    const client = createClient({
      url: ws,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    opened.push({ close: () => void client.dispose() });
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      client.on('closed', (event) => resolve(event as { code: number; reason: string })),
    );
    client.subscribe(
      { query: `subscription { commentAdded(articleId: "${demoId}") { cursor } }` },
      { next: () => {}, error: () => {}, complete: () => {} },
    );
    const { code, reason } = await closed;
    expect(code).toBe(4403);
    expect(reason).toBe('The token has expired');
  });

  it('over Server-Sent Events: an UNAUTHENTICATED error, then the end of the stream', async () => {
    const { http } = await started();
    const stream = eventStream(http, { authorization: `Bearer ${await shortToken()}` });
    await stream.ended;
    expect(stream.status()).toBe(200);
    const events = stream.lines.filter((line) => line.startsWith('data: {')).map((line) => JSON.parse(line.slice('data: '.length)));
    expect(events.at(-1)).toMatchObject({
      errors: [{ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringContaining('expired') }],
    });
    expect(stream.lines).toContain('event: complete');
  });
});

describe('a subscription’s response budget', () => {
  it('is per event: an event over it becomes RESPONSE_TOO_LARGE, and the next one arrives whole', async () => {
    const { app, http } = await started({ requestLimits: { ...defaultRequestLimits, maxResponseBytes: 2048 } });
    const request = httpRequest(http, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' } });
    const events: { data?: unknown; errors?: { extensions?: { code?: string } }[] }[] = [];
    request.on('response', (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.startsWith('data: {')) events.push(JSON.parse(line.slice('data: '.length)));
      });
    });
    request.end(JSON.stringify({ query: `subscription { commentAdded(articleId: "${demoId}") { comment { body } } }` }));
    opened.push({ close: () => request.destroy() });
    await vi.waitFor(() => expect(app.pubsub.listenerCount).toBe(1));
    const token = await tokenFor(viewer('budget-poster', 'MODERATOR', 'Poster'));
    for (const body of ['long '.repeat(800), 'A short one.']) {
      const response = await app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: 'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename } }',
          variables: { input: { articleId: demoId, body } },
        }),
      });
      expect(await response.json()).toEqual({ data: { postComment: { __typename: 'PostCommentSuccess' } } });
    }
    await vi.waitFor(() => expect(events).toHaveLength(2));
    expect(events[0]).toMatchObject({ errors: [{ extensions: { code: 'RESPONSE_TOO_LARGE' } }] });
    expect(events[1]).toMatchObject({ data: { commentAdded: { comment: { body: 'A short one.' } } } });
  });
});

describe('a WebSocket message over the size limit', () => {
  it('closes the socket 1009 and logs one structured line, nothing on stderr', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const stderr = vi.spyOn(console, 'error');
    const { ws } = await started({ logger: pino({ level: 'info' }, sink) });
    const socket = new WebSocket(ws, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(100 * 1024) } }));
    expect(await closed).toBe(1009);
    await vi.waitFor(() => expect(lines.filter((line) => line.closeCode === 1009)).toHaveLength(1));
    expect(lines.find((line) => line.closeCode === 1009)).toMatchObject({
      level: 40,
      limit: 64 * 1024,
      msg: expect.stringContaining('size limit'),
    });
    expect(stderr).not.toHaveBeenCalled();
    stderr.mockRestore();
  });
});
