// Issue 15, item 1: signed webhooks from the outbox, against a real HTTP receiver on 127.0.0.1
// that answers, fails, hangs and recovers; claimed once across instances; private targets
// refused unless allowed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { defaultWriteLimits } from '../../src/config.js';
import { pruneNotifications } from '../../src/notify/prune.js';
import { defaultWebhookSettings, recordOutcomes } from '../../src/notify/webhooks.js';
import { guardedLookup, isPrivateAddress } from '../../src/notify/targets.js';
import {
  CreateWebhookDocument,
  DeleteWebhookDocument,
  EditCommentDocument,
  PostCommentDocument,
  UpdateWebhookDocument,
  WebhookDeliveriesDocument,
  type WebhookDeliveriesQuery,
  WebhooksDocument,
} from '../../schema/generated/graphql.js';
import { db, globalId, post, query, testApp, tokenFor, viewer } from '../helpers.js';

const admin = viewer('hook-admin', 'ADMIN', 'Hook Admin');
const writer = viewer('hook-writer', 'AUTHOR', 'Writer');
const writeLimits = { ...defaultWriteLimits, minIntervalSeconds: 0, windowMax: 100_000 };

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook endpoint: records every request and answers as `respond` says. */
class Receiver {
  readonly received: Received[] = [];
  respond: (request: Received, res: ServerResponse) => void = (_request, res) => res.writeHead(200).end('ok');
  readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      this.received.push(request);
      this.respond(request, res);
    });
  });
  url = '';
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }
  close = () =>
    new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
}

/** What a receiver does, as the README shows: recompute the HMAC of "t.body" and compare. */
function verify(secret: string, header: string, body: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The signature check README.md shows, loaded from its code block. */
async function readmeVerifier(): Promise<{ verifyThreadline: (body: string, header: string, secret: string) => boolean }> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const code = /```js\n([\s\S]*?export function verifyThreadline[\s\S]*?)```/.exec(readme)?.[1];
  if (!code) throw new Error('README.md has no verifyThreadline example');
  expect(code.trim().split('\n').length).toBeLessThanOrEqual(10);
  const file = join(mkdtempSync(join(tmpdir(), 'threadline-readme-')), 'verify.mjs');
  writeFileSync(file, code);
  return import(file);
}

const fast = { allowPrivate: true, timeoutMs: 300, retryBaseMs: 40, maxDelayMs: 200, retryForMs: 60_000 };

function workerApp(webhooks: Partial<typeof fast> = {}): App {
  return testApp({
    writeLimits,
    notifications: { worker: true, workerIntervalMs: 50, webhooks: { ...fast, ...webhooks }, publicUrl: 'https://news.example' },
  });
}

async function newThread() {
  const owner = await db.writer.author.upsert({
    where: { handle: 'hook-owner' },
    create: { handle: 'hook-owner', name: 'Owner' },
    update: {},
  });
  const slug = `hooks-${Math.random().toString(36).slice(2)}`;
  const { id } = await db.writer.article.create({
    data: {
      slug,
      title: `Title ${slug}`,
      body: 'Body.',
      publishedAt: new Date(Date.now() - 60_000),
      authorId: owner.id,
      moderation: 'POST',
    },
  });
  return { id, slug, globalId: globalId('Article', id) };
}

const createHook = async (app: App, url: string, events: string[], as = admin) =>
  (
    await post(
      app,
      CreateWebhookDocument,
      { input: { url, events: events as never, description: 'Newsroom chat' } },
      {
        authorization: `Bearer ${await tokenFor(as)}`,
      },
    )
  ).body.data!.createWebhook;

async function postComment(app: App, articleId: string, body: string) {
  const result = await post(
    app,
    PostCommentDocument,
    { input: { articleId, body } },
    { authorization: `Bearer ${await tokenFor(writer)}` },
  );
  const payload = result.body.data!.postComment;
  if (payload.__typename !== 'PostCommentSuccess') throw new Error(payload.__typename);
  return payload.comment;
}

async function deliveries(webhookId: string): Promise<WebhookDeliveriesQuery['webhookDeliveries']['edges'][number]['node'][]> {
  return (await query(WebhookDeliveriesDocument, { webhookId, first: 100 }, { viewer: admin })).webhookDeliveries.edges.map(
    (edge) => edge.node,
  );
}

let receiver: Receiver;
beforeAll(async () => {
  receiver = await new Receiver().start();
});
afterEach(async () => {
  // Each test's endpoints are its own: the next test's comments must not reach them.
  await db.writer.webhook.deleteMany({});
  receiver.respond = (_request, res) => res.writeHead(200).end('ok');
});
afterAll(() => receiver.close());

describe('webhook targets', () => {
  it('tells private, loopback, link-local and reserved addresses from public ones', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::a00:1',
      '224.0.0.1',
      'ff02::1',
      '::ffff:0:127.0.0.1',
      '2002:a9fe:a9fe::',
      '2001::1',
      '64:ff9b:1::1',
      '100::1',
      '168.63.129.16',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])
      expect(isPrivateAddress(address), address).toBe(false);
  });

  it('refuses a name that resolves to a private address when it connects, and allows it when told to', async () => {
    const resolve = (allow: boolean) =>
      new Promise<string>((done) =>
        guardedLookup(allow)('localhost', {}, (error, address) => done(error ? error.message : String(address))),
      );
    expect(await resolve(false)).toMatch(/resolves to a private, loopback or link-local address/);
    expect(await resolve(true)).toMatch(/^(127\.0\.0\.1|::1)$/);
  });

  it('refuses private targets, odd schemes and non-administrators with typed errors, and registers nothing', async () => {
    const app = testApp({ notifications: { worker: false, webhooks: { allowPrivate: false } } });
    for (const url of [
      'http://127.0.0.1:9/x',
      'http://localhost/hook',
      'http://[::1]/',
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.7/',
      'ftp://example.com/',
      'http://user:pw@example.com/',
      'not a url',
    ]) {
      expect(await createHook(app, url, ['COMMENT_ADDED']), url).toMatchObject({ __typename: 'ValidationError', field: 'url' });
    }
    expect(await createHook(app, receiver.url, [], admin)).toMatchObject({ __typename: 'ValidationError' });
    expect(await createHook(app, 'https://example.com/hook', ['COMMENT_ADDED'], viewer('hook-moderator', 'MODERATOR'))).toMatchObject({
      __typename: 'ForbiddenError',
    });
    expect(await db.reader.webhook.count()).toBe(0);
  });
});

describe('deliveries', () => {
  it('POSTs each subscribed event once, signed, and shows the attempt', async () => {
    const app = workerApp();
    await app.start(0, '127.0.0.1');
    const made = await createHook(app, receiver.url, ['COMMENT_ADDED', 'COMMENT_EDITED']);
    if (made.__typename !== 'CreateWebhookSuccess') throw new Error(made.__typename);
    expect(made.secret).toMatch(/^whsec_/);
    expect((await query(WebhooksDocument, {}, { viewer: admin })).webhooks).toEqual([
      { id: made.webhook.id, url: receiver.url, events: ['COMMENT_ADDED', 'COMMENT_EDITED'], description: 'Newsroom chat', active: true },
    ]);
    const thread = await newThread();
    receiver.received.length = 0;
    const comment = await postComment(app, thread.globalId, 'Tell the newsroom.');
    await expect.poll(() => receiver.received.length).toBe(1);
    const [request] = receiver.received;
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['threadline-event']).toBe('COMMENT_ADDED');
    expect(verify(made.secret, String(request!.headers['threadline-signature']), request!.body)).toBe(true);
    expect(verify('whsec_wrong', String(request!.headers['threadline-signature']), request!.body)).toBe(false);
    // The README's example, as a receiver would paste it, accepts it too and refuses a changed body.
    const { verifyThreadline } = await readmeVerifier();
    expect(verifyThreadline(request!.body, String(request!.headers['threadline-signature']), made.secret)).toBe(true);
    expect(verifyThreadline(`${request!.body} `, String(request!.headers['threadline-signature']), made.secret)).toBe(false);
    const payload = JSON.parse(request!.body);
    expect(payload).toMatchObject({
      type: 'comment.added',
      data: {
        article: { slug: thread.slug, id: thread.globalId },
        comment: {
          id: comment.id,
          number: 1,
          body: 'Tell the newsroom.',
          author: { handle: 'hook-writer' },
          url: `https://news.example/articles/${thread.slug}/comments#comment-1`,
        },
      },
    });
    const timestamp = Number(/t=(\d+)/.exec(String(request!.headers['threadline-signature']))![1]);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);

    await expect.poll(async () => (await deliveries(made.webhook.id))[0]?.status).toBe('DELIVERED');
    const [delivery] = await deliveries(made.webhook.id);
    expect(delivery).toMatchObject({ eventType: 'COMMENT_ADDED', attemptCount: 1, nextAttemptAt: null, payload: request!.body });
    expect(delivery!.attempts).toEqual([{ statusCode: 200, error: null, responseBody: 'ok', durationMs: expect.any(Number) }]);
    expect(request!.headers['threadline-delivery']).toBe(String(Buffer.from(delivery!.id, 'base64').toString().split(':')[1]));
    await app.stop();
  });

  it('retries a failing endpoint with backoff until it recovers, recording each answer', async () => {
    const app = workerApp();
    await app.start(0, '127.0.0.1');
    const made = await createHook(app, receiver.url, ['COMMENT_ADDED']);
    if (made.__typename !== 'CreateWebhookSuccess') throw new Error(made.__typename);
    const thread = await newThread();
    let calls = 0;
    receiver.respond = (_request, res) => {
      calls++;
      if (calls === 1) res.writeHead(500).end('database down');
      else if (calls === 2) {
        // Hangs past the attempt's time limit, then the connection drops.
        setTimeout(() => res.writeHead(200).end('too late'), 1000);
      } else res.writeHead(204).end();
    };
    try {
      await postComment(app, thread.globalId, 'Retry me.');
      await expect.poll(async () => (await deliveries(made.webhook.id))[0]?.status, { timeout: 5000 }).toBe('DELIVERED');
      const [delivery] = await deliveries(made.webhook.id);
      expect(delivery!.attempts.map(({ statusCode, error }) => [statusCode, error])).toEqual([
        [204, null],
        [null, 'No answer within 300 ms.'],
        [500, 'The endpoint answered 500.'],
      ]);
      expect(delivery!.attempts[2]!.responseBody).toBe('database down');
    } finally {
      receiver.respond = (_request, res) => res.writeHead(200).end('ok');
      await app.stop();
    }
  });

  it('marks a delivery FAILED once its retries run out', async () => {
    const app = workerApp({ retryForMs: 250 });
    await app.start(0, '127.0.0.1');
    const made = await createHook(app, receiver.url, ['COMMENT_ADDED']);
    if (made.__typename !== 'CreateWebhookSuccess') throw new Error(made.__typename);
    receiver.respond = (_request, res) => res.writeHead(503).end('busy');
    try {
      await postComment(app, (await newThread()).globalId, 'Never delivered.');
      await expect.poll(async () => (await deliveries(made.webhook.id))[0]?.status, { timeout: 5000 }).toBe('FAILED');
      const [delivery] = await deliveries(made.webhook.id);
      expect(delivery!.attemptCount).toBeGreaterThanOrEqual(2);
      expect(delivery!.nextAttemptAt).toBeNull();
      expect(delivery!.attempts.every((attempt) => attempt.statusCode === 503)).toBe(true);
    } finally {
      receiver.respond = (_request, res) => res.writeHead(200).end('ok');
      await app.stop();
    }
  });

  it('sends only the event types asked for, and none after the webhook is deleted', async () => {
    const app = workerApp();
    await app.start(0, '127.0.0.1');
    const made = await createHook(app, receiver.url, ['COMMENT_EDITED']);
    if (made.__typename !== 'CreateWebhookSuccess') throw new Error(made.__typename);
    const thread = await newThread();
    receiver.received.length = 0;
    const comment = await postComment(app, thread.globalId, 'First words.');
    const edit = await post(
      app,
      EditCommentDocument,
      { input: { commentId: comment.id, body: 'Second words.' } },
      {
        authorization: `Bearer ${await tokenFor(writer)}`,
      },
    );
    expect(edit.body.data!.editComment.__typename).toBe('EditCommentSuccess');
    await expect.poll(() => receiver.received.length).toBe(1);
    await app.worker!.idle();
    expect(receiver.received.map((request) => JSON.parse(request.body).type)).toEqual(['comment.edited']);
    expect(JSON.parse(receiver.received[0]!.body).data.comment.body).toBe('Second words.');

    const rotated = await query(UpdateWebhookDocument, { input: { webhookId: made.webhook.id, rotateSecret: true } }, { viewer: admin });
    expect(rotated.updateWebhook).toMatchObject({ __typename: 'UpdateWebhookSuccess', secret: expect.stringMatching(/^whsec_/) });
    const deleted = await query(DeleteWebhookDocument, { input: { webhookId: made.webhook.id } }, { viewer: admin });
    expect(deleted.deleteWebhook).toEqual({ __typename: 'DeleteWebhookSuccess', webhookId: made.webhook.id });
    expect(
      await db.reader.webhookDelivery.count({
        where: { webhookId: Number(Buffer.from(made.webhook.id, 'base64').toString().split(':')[1]) },
      }),
    ).toBe(0);
    await app.stop();
  });

  it('writes the outbox in the write’s own transaction: a refused write leaves nothing to send', async () => {
    const app = testApp({ writeLimits });
    const thread = await newThread();
    const before = await db.reader.outboxEvent.count();
    const refused = await post(
      app,
      PostCommentDocument,
      { input: { articleId: thread.globalId, body: '' } },
      { authorization: `Bearer ${await tokenFor(writer)}` },
    );
    expect(refused.body.data!.postComment.__typename).toBe('ValidationError');
    expect(await db.reader.outboxEvent.count()).toBe(before);
    await postComment(app, thread.globalId, 'Queued with the comment.');
    expect(await db.reader.outboxEvent.count()).toBe(before + 1);
  });

  it('makes each delivery once with two instances sharing the work', async () => {
    const apps = [workerApp(), workerApp()];
    for (const app of apps) await app.start(0, '127.0.0.1');
    const made = await createHook(apps[0]!, receiver.url, ['COMMENT_ADDED']);
    if (made.__typename !== 'CreateWebhookSuccess') throw new Error(made.__typename);
    const thread = await newThread();
    receiver.received.length = 0;
    const count = 30;
    for (let i = 0; i < count; i++) await postComment(apps[i % 2]!, thread.globalId, `Comment ${i}.`);
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(count);
    await Promise.all(apps.map((app) => app.worker!.idle()));
    const ids = receiver.received.map((request) => request.headers['threadline-delivery']);
    expect(new Set(ids).size).toBe(count);
    expect(receiver.received.length).toBe(count);
    const numbers = receiver.received.map((request) => JSON.parse(request.body).data.comment.number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    for (const app of apps) await app.stop();
  });

  it('drops finished deliveries and their attempts after 30 days, and keeps the rest', async () => {
    const hook = await db.writer.webhook.create({ data: { url: receiver.url, events: 'COMMENT_ADDED', secret: 'whsec_prune' } });
    const days = (n: number) => new Date(Date.now() - n * 86_400_000);
    const make = (status: 'DELIVERED' | 'FAILED' | 'PENDING', createdAt: Date) =>
      db.writer.webhookDelivery.create({
        data: {
          webhookId: hook.id,
          eventType: 'COMMENT_ADDED',
          payload: '{}',
          status,
          createdAt,
          nextAttemptAt: createdAt,
          attempts: { create: { durationMs: 1, statusCode: 200 } },
        },
      });
    const old = [await make('DELIVERED', days(31)), await make('FAILED', days(40))];
    const kept = [await make('DELIVERED', days(29)), await make('PENDING', days(31))];
    expect(await pruneNotifications(db)).toBe(2);
    const left = await db.reader.webhookDelivery.findMany({ where: { webhookId: hook.id }, select: { id: true } });
    expect(left.map((row) => row.id).sort()).toEqual(kept.map((row) => row.id).sort());
    expect(await db.reader.webhookAttempt.count({ where: { deliveryId: { in: old.map((row) => row.id) } } })).toBe(0);
  });

  it('moves no cache version: an idle worker takes no write lock, and handing the outbox on changes nothing readers see', async () => {
    const epoch = async () => (await db.reader.cacheVersion.findUniqueOrThrow({ where: { id: 1 } })).epoch;
    const app = workerApp();
    await app.start(0, '127.0.0.1');
    const made = await createHook(app, receiver.url, ['COMMENT_ADDED']);
    if (made.__typename !== 'CreateWebhookSuccess') throw new Error(made.__typename);
    const thread = await newThread();
    const before = await epoch();
    receiver.received.length = 0;
    await postComment(app, thread.globalId, 'One write, one epoch.');
    await expect.poll(() => receiver.received.length).toBe(1);
    await app.worker!.idle();
    // Rounds keep coming every 50 ms; ten of them, and the epoch is where the one write left it.
    let rounds = 0;
    const stop = db.onQuery((sql) => {
      if (sql.includes('OutboxEvent')) rounds++;
    });
    try {
      await expect.poll(() => rounds, { timeout: 5000 }).toBeGreaterThanOrEqual(10);
    } finally {
      stop();
    }
    expect(await epoch()).toBe(before + 1);
    await app.stop();
  });

  it('records the other outcomes of a batch when the webhook of one delivery was deleted meanwhile', async () => {
    const make = async () => {
      const hook = await db.writer.webhook.create({ data: { url: receiver.url, events: 'COMMENT_ADDED', secret: 'whsec_batch' } });
      const delivery = await db.writer.webhookDelivery.create({
        data: { webhookId: hook.id, eventType: 'COMMENT_ADDED', payload: '{}', nextAttemptAt: new Date() },
        include: { webhook: true },
      });
      return { hook, delivery };
    };
    const [kept, gone] = [await make(), await make()];
    const outcome = (delivery: typeof kept.delivery) => ({
      delivery,
      sentAt: new Date(),
      finishedAt: new Date(),
      result: { durationMs: 1, statusCode: 200, responseBody: 'ok', error: null },
    });
    await db.writer.webhook.delete({ where: { id: gone.hook.id } });
    await recordOutcomes(db, [outcome(kept.delivery), outcome(gone.delivery)], { ...defaultWebhookSettings });
    expect(await db.reader.webhookDelivery.findUniqueOrThrow({ where: { id: kept.delivery.id } })).toMatchObject({
      status: 'DELIVERED',
      attemptCount: 1,
    });
  });
});
