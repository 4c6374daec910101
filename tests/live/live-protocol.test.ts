// graphql-ws protocol conformance, connection limits, retention and slow subscribers, on raw sockets.
import type { AddressInfo } from 'node:net';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type App, slowSubscriberCloseCode } from '../../src/app.js';
import { defaultLiveLimits, type LiveLimits } from '../../src/config.js';
import { childPath } from '../../src/domain/thread.js';
import { encodeCursor, type LiveEvent, pruneEvents } from '../../src/domain/events.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { CommentAddedDocument, type CommentAddedSubscription } from '../../schema/generated/graphql.js';
import { db, demoSlug, globalId, testApp } from '../helpers.js';

let articleRowId: number;
let articleId: string;
const apps: App[] = [];

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  articleRowId = (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id;
  articleId = globalId('Article', articleRowId);
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
});

async function started({ allowedOrigins, ...live }: Partial<LiveLimits> & { allowedOrigins?: string[] } = {}) {
  // These tests publish events by hand, after writing them straight to the log: the periodic
  // resync (tested in live.test.ts) would find them first.
  const app = testApp({ liveLimits: { ...defaultLiveLimits, ...live }, allowedOrigins, resyncIntervalMs: 3_600_000 });
  apps.push(app);
  const { port } = (await app.start(0, '127.0.0.1')) as AddressInfo;
  return { app, url: `ws://127.0.0.1:${port}/graphql` };
}

/** A raw graphql-transport-ws socket: what it receives, and how it closed. */
function raw(url: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
  const messages: Record<string, unknown>[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const send = (message: unknown) => socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  return { socket, messages, opened, closed, send };
}

const waitFor = async (check: () => boolean, what: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('graphql-ws close codes', () => {
  const subscribeMessage = (id: string) => ({
    id,
    type: 'subscribe',
    payload: { query: print(CommentAddedDocument), variables: { articleId } },
  });

  it('4400 for a message that is not the protocol’s', async () => {
    const { url } = await started();
    const ws = raw(url);
    await ws.opened;
    ws.send('{"type":"nonsense"}');
    expect((await ws.closed).code).toBe(4400);
  });

  it('4401 for a subscribe before connection_init was acknowledged', async () => {
    const { url } = await started();
    const ws = raw(url);
    await ws.opened;
    ws.send(subscribeMessage('1'));
    expect((await ws.closed).code).toBe(4401);
  });

  it('4403 for bad credentials in connection_init', async () => {
    const { url } = await started();
    const ws = raw(url);
    await ws.opened;
    ws.send({ type: 'connection_init', payload: { authorization: 'Bearer not.a.jwt' } });
    expect((await ws.closed).code).toBe(4403);
  });

  it('4408 when connection_init does not come in time', async () => {
    const { url } = await started({ initTimeoutMs: 200 });
    const ws = raw(url);
    await ws.opened;
    expect((await ws.closed).code).toBe(4408);
  });

  it('4409 for a second subscribe with an id in use, 4429 for a second connection_init', async () => {
    const { url } = await started();
    const duplicate = raw(url);
    await duplicate.opened;
    duplicate.send({ type: 'connection_init', payload: {} });
    await waitFor(() => duplicate.messages.some((m) => m.type === 'connection_ack'), 'the ack');
    duplicate.send(subscribeMessage('same'));
    duplicate.send(subscribeMessage('same'));
    expect((await duplicate.closed).code).toBe(4409);

    const twice = raw(url);
    await twice.opened;
    twice.send({ type: 'connection_init', payload: {} });
    twice.send({ type: 'connection_init', payload: {} });
    expect((await twice.closed).code).toBe(4429);
  });

  it('answers ping with pong', async () => {
    const { url } = await started();
    const ws = raw(url);
    await ws.opened;
    ws.send({ type: 'connection_init', payload: {} });
    await waitFor(() => ws.messages.some((m) => m.type === 'connection_ack'), 'the ack');
    ws.send({ type: 'ping' });
    await waitFor(() => ws.messages.some((m) => m.type === 'pong'), 'the pong');
    ws.socket.close();
  });

  it('1001 for every client when the server stops, so they reconnect elsewhere', async () => {
    const { app, url } = await started();
    const ws = raw(url);
    await ws.opened;
    ws.send({ type: 'connection_init', payload: {} });
    await waitFor(() => ws.messages.some((m) => m.type === 'connection_ack'), 'the ack');
    await app.stop();
    apps.splice(apps.indexOf(app), 1);
    expect((await ws.closed).code).toBe(1001);
  });
});

describe('connection limits', () => {
  it('refuses origins off the allowlist', async () => {
    const { url } = await started({ allowedOrigins: ['https://blog.example'] });
    await expect(raw(url, { origin: 'https://evil.example' }).opened).rejects.toThrow('HTTP 403');
    const allowed = raw(url, { origin: 'https://blog.example' });
    await allowed.opened;
    allowed.socket.close();
  });

  it('caps the sockets one address may hold', async () => {
    const { url } = await started({ maxConnectionsPerIp: 2 });
    const [a, b] = [raw(url), raw(url)];
    await Promise.all([a.opened, b.opened]);
    await expect(raw(url).opened).rejects.toThrow('HTTP 429');
    a.socket.close();
    await a.closed;
    await waitFor(() => true, 'nothing');
    const c = raw(url);
    await c.opened;
    for (const ws of [b, c]) ws.socket.close();
  });
});

describe('operations per connection', () => {
  it('refuses more subscriptions on one socket than allowed, keeping the socket', async () => {
    const { app, url } = await started({ maxSubscriptionsPerSocket: 2 });
    const ws = raw(url);
    await ws.opened;
    ws.send({ type: 'connection_init', payload: {} });
    await waitFor(() => ws.messages.some((m) => m.type === 'connection_ack'), 'the ack');
    for (const id of ['a', 'b', 'c']) {
      ws.send({ id, type: 'subscribe', payload: { query: print(CommentAddedDocument), variables: { articleId } } });
    }
    await waitFor(() => ws.messages.some((m) => m.id === 'c' && m.type === 'error'), 'the refusal');
    expect(JSON.stringify(ws.messages.find((m) => m.id === 'c'))).toContain('TOO_MANY_SUBSCRIPTIONS');
    await waitFor(() => app.pubsub.listenerCount === 2, 'the two allowed subscriptions');
    ws.socket.close();
    await ws.closed;
    await waitFor(() => app.pubsub.listenerCount === 0, 'the subscriptions to end');
  });
});

describe('the event log', () => {
  it('keeps events for the retention time; an older cursor is told to refetch', async () => {
    const { url } = await started();
    const comment = await db.reader.comment.findFirstOrThrow({ where: { articleId: articleRowId } });
    // Two old events and a recent one, as if the server had been running for weeks.
    const seq = await db.writer.$transaction(async (tx) => {
      const { lastEventSeq } = await tx.article.update({
        where: { id: articleRowId },
        data: { lastEventSeq: { increment: 3 } },
        select: { lastEventSeq: true },
      });
      const old = new Date(Date.now() - 10 * 86_400_000);
      await tx.commentEvent.createMany({
        data: [
          { articleId: articleRowId, seq: lastEventSeq - 2, commentId: comment.id, kind: 'EDITED', createdAt: old },
          { articleId: articleRowId, seq: lastEventSeq - 1, commentId: comment.id, kind: 'EDITED', createdAt: old },
          { articleId: articleRowId, seq: lastEventSeq, commentId: comment.id, kind: 'ADDED' },
        ],
      });
      return lastEventSeq;
    });
    expect(await pruneEvents(db, 7)).toBeGreaterThanOrEqual(2);

    const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0 });
    const resume = (after: string) =>
      new Promise<{ errors?: unknown; data?: CommentAddedSubscription }>((resolve) => {
        const stop = client.subscribe<CommentAddedSubscription>(
          { query: print(CommentAddedDocument), variables: { articleId, after } },
          {
            next: (value) => {
              stop();
              resolve(value as never);
            },
            error: (errors) => resolve({ errors }),
            complete: () => {},
          },
        );
      });
    const expired = await resume(encodeCursor(articleRowId, seq - 3));
    expect(JSON.stringify(expired.errors)).toContain('no longer kept; refetch the thread');
    const kept = await resume(encodeCursor(articleRowId, seq - 1));
    expect(kept.data?.commentAdded.comment.id).toBe(globalId('Comment', comment.id));

    // A hole in the middle of the log (an event pruned while others were kept) is never skipped over silently.
    const more = await db.writer.$transaction(async (tx) => {
      const { lastEventSeq } = await tx.article.update({
        where: { id: articleRowId },
        data: { lastEventSeq: { increment: 2 } },
        select: { lastEventSeq: true },
      });
      await tx.commentEvent.create({ data: { articleId: articleRowId, seq: lastEventSeq, commentId: comment.id, kind: 'ADDED' } });
      return lastEventSeq;
    });
    const holed = await resume(encodeCursor(articleRowId, more - 2));
    expect(JSON.stringify(holed.errors)).toContain('no longer kept');
    await client.dispose();

    // Pruning takes a prefix of each article's log, even when stamps disagree with the order
    // (instances with clocks a little apart): an old stamp after a recent one takes it along.
    const skewed = await db.writer.$transaction(async (tx) => {
      const { lastEventSeq } = await tx.article.update({
        where: { id: articleRowId },
        data: { lastEventSeq: { increment: 2 } },
        select: { lastEventSeq: true },
      });
      await tx.commentEvent.createMany({
        data: [
          { articleId: articleRowId, seq: lastEventSeq - 1, commentId: comment.id, kind: 'EDITED', createdAt: new Date() },
          {
            articleId: articleRowId,
            seq: lastEventSeq,
            commentId: comment.id,
            kind: 'EDITED',
            createdAt: new Date(Date.now() - 8 * 86_400_000),
          },
        ],
      });
      return lastEventSeq;
    });
    await pruneEvents(db, 7);
    const left = await db.reader.commentEvent.findMany({ where: { articleId: articleRowId, seq: { lte: skewed } }, select: { seq: true } });
    expect(left).toEqual([]);
  });
});

describe('a subscriber that stops reading', () => {
  it('is closed with its own code; the others and the process carry on, and it resumes with after', async () => {
    const { app, url } = await started({ maxQueue: 200 });
    const author = await db.reader.author.findFirstOrThrow();
    const big = 'x'.repeat(16 * 1024);
    const count = 3000;

    const fast = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0 });
    const received: string[] = [];
    fast.subscribe<CommentAddedSubscription>(
      { query: `subscription ($articleId: ID!) { commentAdded(articleId: $articleId) { cursor } }`, variables: { articleId } },
      { next: (value) => received.push(value.data!.commentAdded.cursor), error: () => {}, complete: () => {} },
    );

    const slow = raw(url);
    await slow.opened;
    slow.send({ type: 'connection_init', payload: {} });
    await waitFor(() => slow.messages.some((m) => m.type === 'connection_ack'), 'the ack');
    slow.send({
      id: 's',
      type: 'subscribe',
      payload: {
        query: `subscription ($articleId: ID!) { commentAdded(articleId: $articleId) { cursor comment { body } } }`,
        variables: { articleId },
      },
    });
    await waitFor(() => app.pubsub.listenerCount === 2, 'both subscriptions');
    // 3,000 comments of 16 KB and their events, written the fast way; then published like writes do.
    const events: LiveEvent[] = [];
    await db.writer.$transaction(
      async (tx) => {
        const article = await tx.article.update({
          where: { id: articleRowId },
          data: { lastCommentNumber: { increment: count }, commentCount: { increment: count }, lastEventSeq: { increment: count } },
          select: { lastCommentNumber: true, lastEventSeq: true },
        });
        for (let i = 0; i < count; i++) {
          const number = article.lastCommentNumber - count + 1 + i;
          const seq = article.lastEventSeq - count + 1 + i;
          const path = childPath(null, number);
          const comment = await tx.comment.create({
            data: { articleId: articleRowId, number, authorId: author.id, path, body: `${i} ${big}` },
            select: { id: true },
          });
          await tx.commentEvent.create({ data: { articleId: articleRowId, seq, commentId: comment.id, kind: 'ADDED' } });
          events.push({ articleId: articleRowId, seq, commentId: comment.id, path, kind: 'ADDED' });
        }
      },
      { timeout: 120_000 },
    );
    const before = encodeCursor(articleRowId, events[0]!.seq - 1);

    // The slow client stops reading: its socket's buffers fill, then its queue.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();

    // Published in bursts of 50, as fast as the fast client takes them: on PostgreSQL every
    // delivery loads its event over the network, and unpaced bursts would leave the fast
    // client more than its queue (200) behind too.
    for (const [index, event] of events.entries()) {
      app.pubsub.publish(event);
      if (index % 50 === 49) await waitFor(() => received.length >= index + 1 - 50, 'the fast client to keep up', 60_000);
    }

    await waitFor(() => received.length === count, `the fast client's ${count} events (has ${received.length})`, 120_000);
    expect(received).toEqual(events.map((event) => encodeCursor(event.articleId, event.seq)));
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const closed = await slow.closed;
    expect(closed).toMatchObject({ code: slowSubscriberCloseCode, reason: expect.stringContaining('resubscribe with "after"') });

    // It resumes from the last cursor it got and receives the rest, once each, in order.
    const got = slow.messages
      .filter((m) => m.type === 'next')
      .map((m) => (m.payload as { data: CommentAddedSubscription }).data.commentAdded.cursor);
    const resumed = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0 });
    const rest: string[] = [];
    resumed.subscribe<CommentAddedSubscription>(
      {
        query: `subscription ($articleId: ID!, $after: String) { commentAdded(articleId: $articleId, after: $after) { cursor } }`,
        variables: { articleId, after: got.at(-1) ?? before },
      },
      { next: (value) => rest.push(value.data!.commentAdded.cursor), error: () => {}, complete: () => {} },
    );
    await waitFor(() => got.length + rest.length >= count, 'the rest of the events', 120_000);
    expect([...got, ...rest]).toEqual(received);
    await Promise.all([fast.dispose(), resumed.dispose()]);
    await waitFor(() => app.pubsub.listenerCount === 0, 'every listener to go');
  }, 240_000);
});
