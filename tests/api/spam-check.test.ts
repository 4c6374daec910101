// Issue 14, item 6: posting asks the spam checkers, outside the write's transaction — the
// built-in one and an Akismet-compatible service, here a real local HTTP server speaking
// Akismet's API. Spam is held (or rejected when Akismet says to discard it); a checker that
// fails or does not answer in time holds the comment: never lost, never published unchecked.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/auth.js';
import { defaultWriteLimits } from '../../src/config.js';
import type { ModerationOptions } from '../../src/context.js';
import { akismetChecker } from '../../src/moderation/akismet.js';
import { builtinChecker } from '../../src/moderation/builtin.js';
import { ModeratedCommentByIdDocument, ModerationQueueDocument, PostCommentDocument } from '../../schema/generated/graphql.js';
import { db, globalId, query, viewer } from '../helpers.js';

const key = 'spam-test-key';
let server: Server;
let moderation: ModerationOptions;
const hanging: IncomingMessage[] = [];
const asked: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      asked.push(form.comment_content ?? '');
      if (request.url !== '/1.1/comment-check' || form.api_key !== key) return void response.writeHead(404).end();
      if (form.comment_content?.includes('slowly')) return void hanging.push(request);
      if (form.comment_content?.includes('broken')) return void response.writeHead(502).end('bad gateway');
      const spam = /cheap pills|casino/i.test(form.comment_content ?? '');
      const discard = /casino/i.test(form.comment_content ?? '');
      response.writeHead(200, discard ? { 'x-akismet-pro-tip': 'discard' } : {}).end(spam ? 'true' : 'false');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  moderation = {
    reportsToHold: 3,
    spamCheckers: [builtinChecker(db), akismetChecker({ url, key, timeoutMs: 5000 })],
    spamTimeoutMs: 300,
  };
});

afterAll(async () => {
  for (const request of hanging) request.socket.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const moderator = viewer('spam-moderator', 'MODERATOR');
const writeLimits = { ...defaultWriteLimits, minIntervalSeconds: 0, windowMax: 1000 };
let people = 0;
const someone = () => viewer(`spam-writer-${++people}`, 'AUTHOR', 'Spam Writer');
let articles = 0;

async function newArticle(): Promise<string> {
  const owner = await db.writer.author.upsert({
    where: { handle: 'spam-owner' },
    create: { handle: 'spam-owner', name: 'Owner' },
    update: {},
  });
  const { id } = await db.writer.article.create({
    data: { slug: `spam-${++articles}`, title: 'Spam', body: 'Body.', publishedAt: new Date(Date.now() - 60_000), authorId: owner.id },
  });
  return globalId('Article', id);
}

async function post(articleId: string, who: Viewer, body: string) {
  const { postComment } = await query(PostCommentDocument, { input: { articleId, body } }, { viewer: who, writeLimits, moderation });
  if (postComment.__typename !== 'PostCommentSuccess') throw new Error(postComment.__typename);
  const { node } = await query(ModeratedCommentByIdDocument, { id: postComment.comment.id }, { viewer: moderator });
  return node as { id: string; status: string };
}

async function heldBy(articleId: string, commentId: string): Promise<string[]> {
  const queue = await query(ModerationQueueDocument, { filter: { articleId } }, { viewer: moderator });
  const rejected = await query(ModerationQueueDocument, { filter: { articleId, status: 'REJECTED' } }, { viewer: moderator });
  const item = [...queue.moderationQueue.edges, ...rejected.moderationQueue.edges].find((edge) => edge.node.comment.id === commentId);
  return item?.node.heldBy ?? [];
}

describe('spam checking when posting', () => {
  it('publishes what every checker finds clean, and asks Akismet with the comment', async () => {
    const article = await newArticle();
    const clean = await post(article, someone(), 'A perfectly ordinary remark about the article.');
    expect(clean.status).toBe('PUBLISHED');
    expect(asked).toContain('A perfectly ordinary remark about the article.');
  });

  it('holds what Akismet calls spam, and rejects what it says to discard, naming the checker', async () => {
    const article = await newArticle();
    const spam = await post(article, someone(), 'Buy cheap pills here.');
    expect(spam.status).toBe('PENDING');
    expect(await heldBy(article, spam.id)).toEqual(['SPAM: akismet: spam']);
    const blatant = await post(article, someone(), 'Best casino bonus.');
    expect(blatant.status).toBe('REJECTED');
  });

  it('holds the comment when the service fails or does not answer in time', async () => {
    const article = await newArticle();
    const failed = await post(article, someone(), 'This one finds the service broken.');
    expect(failed.status).toBe('PENDING');
    expect((await heldBy(article, failed.id))[0]).toMatch(/^SPAM_CHECK: no verdict \(akismet: /);
    const started = Date.now();
    const slow = await post(article, someone(), 'This one is answered slowly.');
    expect(Date.now() - started).toBeLessThan(4000);
    expect(slow.status).toBe('PENDING');
    expect((await heldBy(article, slow.id))[0]).toMatch(/no answer within 300 ms/);
  });

  it('holds the third article in a row that gets the same text, and a comment that is mostly links', async () => {
    const writer = someone();
    const [first, second, third] = [await newArticle(), await newArticle(), await newArticle()];
    expect((await post(first, writer, 'Visit my   profile, friends!')).status).toBe('PUBLISHED');
    expect((await post(second, writer, 'visit my profile, friends!')).status).toBe('PUBLISHED');
    const repeated = await post(third, writer, 'Visit my profile, FRIENDS!');
    expect(repeated.status).toBe('PENDING');
    expect(await heldBy(third, repeated.id)).toEqual(['SPAM: builtin: the same text on 3 articles within 24 h']);
    const links = await post(first, someone(), 'http://a.example http://b.example http://c.example wow');
    expect(links.status).toBe('PENDING');
    expect((await heldBy(first, links.id))[0]).toMatch(/^SPAM: builtin: 3 links and little else/);
  });

  it('holds a burst of comments over many articles', async () => {
    const writer = someone();
    const statuses: string[] = [];
    for (let n = 0; n < 6; n++) statuses.push((await post(await newArticle(), writer, `Different words each time, number ${n}.`)).status);
    expect(statuses).toEqual(['PUBLISHED', 'PUBLISHED', 'PUBLISHED', 'PUBLISHED', 'PUBLISHED', 'PENDING']);
  });

  it('does not ask when the site turns spam holds off, nor for moderators', async () => {
    await db.writer.moderationSettings.upsert({ where: { id: 1 }, create: { id: 1, holdSpam: false }, update: { holdSpam: false } });
    try {
      const article = await newArticle();
      const before = asked.length;
      expect((await post(article, someone(), 'Buy cheap pills, unchecked.')).status).toBe('PUBLISHED');
      expect(asked.length).toBe(before);
    } finally {
      await db.writer.moderationSettings.deleteMany({});
    }
    const article = await newArticle();
    const before = asked.length;
    expect((await post(article, moderator, 'Cheap pills, says the moderator.')).status).toBe('PUBLISHED');
    expect(asked.length).toBe(before);
  });
});
