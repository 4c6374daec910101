// Bounded soak tests of live delivery: reconnecting clients, and sockets that come and go.
import { readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../../src/app.js';
import { defaultLiveLimits } from '../../src/config.js';
import { encodeCursor } from '../../src/domain/events.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import type { CommentAddedSubscription } from '../../schema/generated/graphql.js';
import { PostCommentDocument } from '../../schema/generated/graphql.js';
import { db, demoSlug, globalId, post, testApp, tokenFor, viewer } from '../helpers.js';

let app: App;
let url: string;
let articleRowId: number;
let articleId: string;

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  articleRowId = (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id;
  articleId = globalId('Article', articleRowId);
  app = testApp();
  const { port } = (await app.start(0, '127.0.0.1')) as AddressInfo;
  url = `ws://127.0.0.1:${port}/graphql`;
});
afterAll(() => app.stop());

const waitFor = async (check: () => boolean, what: string, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const subscription =
  'subscription ($articleId: ID!, $after: String) { commentAdded(articleId: $articleId, after: $after) { cursor comment { number } } }';

it('20 clients forced to reconnect 200 times in all while 500 comments are posted: each gets all 500 exactly once, in order', async () => {
  const total = 500;
  const clients = 20;
  const reconnectsEach = 10;
  const { lastEventSeq } = await db.reader.article.findUniqueOrThrow({ where: { id: articleRowId } });
  const start = encodeCursor(articleRowId, lastEventSeq);

  let reconnects = 0;
  const client = async (index: number) => {
    const numbers: number[] = [];
    let after = start;
    let left = reconnectsEach;
    while (numbers.length < total) {
      await new Promise<void>((resolve) => {
        const ws = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
        // Drop the connection after a few events, at a different point for each client.
        let budget = left > 0 ? 3 + ((index * 7 + left * 13) % 40) : Number.POSITIVE_INFINITY;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          stop();
          void Promise.resolve(ws.dispose()).then(resolve);
        };
        const stop = ws.subscribe<CommentAddedSubscription>(
          { query: subscription, variables: { articleId, after } },
          {
            next: ({ data }) => {
              if (done || !data) return;
              numbers.push(data.commentAdded.comment.number);
              after = data.commentAdded.cursor;
              if (numbers.length >= total) return finish();
              if (--budget <= 0) {
                left--;
                reconnects++;
                finish();
              }
            },
            error: finish,
            complete: finish,
          },
        );
      });
    }
    return numbers;
  };

  const receiving = Array.from({ length: clients }, (_, index) => client(index));
  const token = await tokenFor(viewer('soak-writer', 'MODERATOR'));
  const posted: number[] = [];
  for (let i = 0; i < total; i++) {
    const { body } = await post(
      app,
      PostCommentDocument,
      { input: { articleId, body: `Soak ${i}` } },
      { authorization: `Bearer ${token}` },
    );
    if (body.data?.postComment.__typename !== 'PostCommentSuccess') throw new Error(JSON.stringify(body));
    posted.push(body.data.postComment.comment.number);
  }
  const results = await Promise.all(receiving);
  expect(reconnects).toBe(clients * reconnectsEach);
  for (const numbers of results) expect(numbers).toEqual(posted);
  await waitFor(() => app.pubsub.listenerCount === 0, 'every listener to go');
}, 180_000);

it('100 connect and drop cycles leave no listener, socket or file descriptor behind', async () => {
  const descriptors = () => readdirSync('/proc/self/fd').length;
  const before = descriptors();
  for (let i = 0; i < 100; i++) {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await new Promise<void>((resolve) => socket.once('message', () => resolve()));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: subscription, variables: { articleId } } }));
    await waitFor(() => app.pubsub.listenerCount === 1, 'the subscription');
    // Half leave politely, half vanish without a closing handshake.
    if (i % 2) socket.close();
    else socket.terminate();
    await waitFor(() => app.pubsub.listenerCount === 0, 'the subscription to go');
  }
  await waitFor(() => descriptors() <= before + 2, `file descriptors to return (${before} before, ${descriptors()} now)`, 10_000);
  expect(app.pubsub.listenerCount).toBe(0);
}, 120_000);

it('delivers one comment to 600 subscribers of one article, loading it once per selection', async () => {
  const crowd = testApp({ liveLimits: { ...defaultLiveLimits, maxConnectionsPerIp: 1000 } });
  const { port } = (await crowd.start(0, '127.0.0.1')) as AddressInfo;
  const sockets: WebSocket[] = [];
  const received: unknown[] = [];
  try {
    for (let i = 0; i < 600; i++) {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
      sockets.push(socket);
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
        if (message.type === 'connection_ack') {
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: subscription, variables: { articleId } } }));
        } else if (message.type === 'next') received.push(message.payload);
      });
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    }
    await waitFor(() => crowd.pubsub.listenerCount === 600, '600 subscriptions');
    const token = await tokenFor(viewer('crowd-writer', 'MODERATOR'));
    let loads = 0;
    const stop = db.onQuery((sql) => {
      // SQLite quotes `main`.`CommentEvent`; PostgreSQL "public"."CommentEvent".
      if (/FROM [`"](main|public)[`"]\.[`"]CommentEvent[`"]/.test(sql)) loads++;
    });
    const { body } = await post(
      crowd,
      PostCommentDocument,
      { input: { articleId, body: 'For the crowd' } },
      { authorization: `Bearer ${token}` },
    );
    expect(body.data?.postComment.__typename).toBe('PostCommentSuccess');
    await waitFor(() => received.length === 600, `600 deliveries (have ${received.length})`);
    stop();
    expect(
      received.every((payload) => JSON.stringify(payload).includes('"commentAdded"') && !JSON.stringify(payload).includes('errors')),
    ).toBe(true);
    expect(loads).toBe(1);
  } finally {
    for (const socket of sockets) socket.terminate();
    await crowd.stop();
  }
}, 120_000);
