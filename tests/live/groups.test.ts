// Live groups (src/live/groups.ts): subscribers who would get the same answers share one
// execution per event, and each still receives exactly its own answers.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../../src/app.js';
import { defaultLiveLimits, defaultWriteLimits } from '../../src/config.js';
import { createArticle } from '../../src/domain/articles.js';
import { postComment, setCommentHidden, editComment } from '../../src/domain/comments.js';
import { encodeCursor, type LiveEvent } from '../../src/domain/events.js';
import { LivePubSub } from '../../src/live/pubsub.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { db, demoSlug, globalId, testApp, tokenFor, viewer } from '../helpers.js';

const waitFor = async (check: () => boolean, what: string, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

type Payload = { data?: Record<string, { cursor: string }>; errors?: unknown[]; extensions?: { cursor?: string } };

/** A raw graphql-ws connection: every `next` payload, by operation id, in arrival order. */
function socketClient(url: string, token: string | null) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const received = new Map<string, Payload[]>();
  const problems: string[] = [];
  let acknowledged = false;
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: string; type: string; payload?: unknown };
    if (message.type === 'connection_ack') acknowledged = true;
    else if (message.type === 'next') received.get(message.id!)!.push(message.payload as Payload);
    else problems.push(String(data));
  });
  socket.once('open', () =>
    socket.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} })),
  );
  return {
    received,
    problems,
    ready: () => waitFor(() => acknowledged, 'connection_ack'),
    subscribe(id: string, query: string, variables: Record<string, unknown>) {
      received.set(id, []);
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    },
    close: () => socket.terminate(),
  };
}

/** A Server-Sent Event subscription: every `next` event's payload, whole lines only. */
function streamClient(port: number, token: string | null, query: string, variables: Record<string, unknown>) {
  const received: Payload[] = [];
  let buffered = '';
  const request = httpRequest({
    host: '127.0.0.1',
    port,
    path: '/graphql',
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  request.on('response', (response) => {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.startsWith('data: {')) received.push(JSON.parse(line.slice('data: '.length)) as Payload);
    });
  });
  request.on('error', () => {});
  request.end(JSON.stringify({ query, variables }));
  return { received, close: () => request.destroy() };
}

let grouped: App;
let alone: App;
let port: number;
let loneUrl: string;
const pubsub = new LivePubSub();
const writer = viewer('group-writer', 'MODERATOR', 'Group Writer');
const limits = { ...defaultWriteLimits, duplicateWindowSeconds: 0 };
let articleA: number;
let articleB: number;
let replyRoot: number;
let targets: number[];

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  articleA = (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id;
  articleB = await createArticle(db, viewer('group-admin', 'ADMIN'), {
    slug: `groups-second-article-${Date.now()}`,
    title: 'A second article',
    body: 'Somewhere else to comment.',
    publishedAt: new Date(Date.now() - 60_000),
  });
  replyRoot = (await postComment(db, writer, limits, { articleId: articleA, body: 'Reply to me.' })).commentId;
  targets = [];
  for (let i = 0; i < 40; i++)
    targets.push((await postComment(db, writer, limits, { articleId: articleA, body: `Target ${i}` })).commentId);
  // Both apps share one pubsub, to which the test publishes what it writes.
  const live = { ...defaultLiveLimits, maxConnectionsPerIp: 1000, maxSubscriptionsPerSocket: 20 };
  grouped = testApp({ pubsub, redisUrl: null, liveLimits: live });
  alone = testApp({ pubsub, redisUrl: null, liveLimits: live, liveGroups: false });
  port = ((await grouped.start(0, '127.0.0.1')) as AddressInfo).port;
  loneUrl = `ws://127.0.0.1:${((await alone.start(0, '127.0.0.1')) as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  await grouped?.stop();
  await alone?.stop();
});

const publish = (events: LiveEvent[]) => {
  for (const event of events) pubsub.publish(event);
};

describe('live groups', () => {
  it('1,000 subscribers in 10 groups (documents, variables, moderators or not) each receive exactly their own answers to 200 events', async () => {
    const A = globalId('Article', articleA);
    const B = globalId('Article', articleB);
    const R = globalId('Comment', replyRoot);
    const added = (fields: string) =>
      `subscription ($articleId: ID!, $after: String) { commentAdded(articleId: $articleId, after: $after) { cursor ${fields} } }`;
    const operations = [
      { query: added('comment { number body }'), variables: { articleId: A } },
      { query: added('comment { number author { handle } }'), variables: { articleId: A } },
      { query: added('comment { number body }'), variables: { articleId: B } },
      {
        query:
          'subscription ($commentId: ID!, $after: String) { replyAdded(commentId: $commentId, after: $after) { cursor comment { number body parent { number } } } }',
        variables: { commentId: R },
      },
      {
        query:
          'subscription ($articleId: ID!, $after: String) { commentChanged(articleId: $articleId, after: $after) { cursor kind comment { number body isDeleted isHidden } } }',
        variables: { articleId: A },
      },
    ];
    const moderator = await tokenFor(viewer('group-moderator', 'MODERATOR'));
    const author = await tokenFor(viewer('group-reader', 'AUTHOR'));
    const audiences = { public: null, moderator } as const;
    const start = encodeCursor(articleA, (await db.reader.article.findUniqueOrThrow({ where: { id: articleA } })).lastEventSeq);
    const startB = encodeCursor(articleB, (await db.reader.article.findUniqueOrThrow({ where: { id: articleB } })).lastEventSeq);
    const startOf = (index: number) => (index === 2 ? startB : start);

    // The reference: each of the 10 answers computed for one subscriber alone, on the app without groups.
    const references = Object.entries(audiences).map(([name, token]) => ({ name, client: socketClient(loneUrl, token) }));
    for (const { client } of references) {
      await client.ready();
      for (const [index, { query, variables }] of operations.entries()) client.subscribe(`r${index}`, query, variables);
    }

    // 99 sockets of anonymous readers, authors and moderators, each holding 10 subscriptions: every
    // operation twice, once from now and once resuming from a cursor (which does not change its group).
    const sockets = Array.from({ length: 99 }, (_, index) => {
      const kind = (['anonymous', 'author', 'moderator'] as const)[index % 3];
      const token = kind === 'anonymous' ? null : kind === 'author' ? author : moderator;
      return { audience: kind === 'moderator' ? 'moderator' : 'public', client: socketClient(`ws://127.0.0.1:${port}/graphql`, token) };
    });
    for (const { client } of sockets) {
      await client.ready();
      operations.forEach(({ query, variables }, index) => {
        client.subscribe(`now${index}`, query, variables);
        client.subscribe(`after${index}`, query, { ...variables, after: startOf(index) });
      });
    }
    const subscribers = 2 * 5 + 99 * 10;
    await waitFor(() => pubsub.listenerCount === subscribers, `${subscribers} subscriptions (have ${pubsub.listenerCount})`);
    // Anonymous readers and authors see the same answers; a cursor is no part of a group.
    expect(grouped.liveGroups.size).toBe(10);

    // 200 events: new comments on both articles, replies below one comment, edits and hides; no
    // comment changes twice, so an answer does not depend on when it was computed.
    const streams: { audience: string; index: number; stream: ReturnType<typeof streamClient> }[] = [];
    for (let i = 0; i < 200; i++) {
      if (i === 100) {
        // Server-Sent Event subscribers join half-way, catching up from the start on their own first.
        for (const [audience, token] of Object.entries(audiences)) {
          operations.forEach(({ query, variables }, index) => {
            streams.push({ audience, index, stream: streamClient(port, token, query, { ...variables, after: startOf(index) }) });
          });
        }
      }
      if (i % 10 === 3) {
        publish((await editComment(db, writer, limits, { commentId: targets[Math.floor(i / 10)]!, body: `Edited ${i}` })).events);
      } else if (i % 10 === 7) {
        publish((await setCommentHidden(db, writer, { commentId: targets[20 + Math.floor(i / 10)]!, hidden: true })).events);
      } else if (i % 10 === 5) {
        publish((await postComment(db, writer, limits, { articleId: articleB, body: `Elsewhere ${i}` })).events);
      } else if (i % 10 === 1 || i % 10 === 9) {
        publish((await postComment(db, writer, limits, { articleId: articleA, body: `Reply ${i}`, replyToId: replyRoot })).events);
      } else {
        publish((await postComment(db, writer, limits, { articleId: articleA, body: `Comment ${i}` })).events);
      }
    }
    const expected = (audience: string, index: number) =>
      references.find((reference) => reference.name === audience)!.client.received.get(`r${index}`)!;
    const counts = [140, 140, 20, 40, 40];
    await waitFor(
      () => references.every(({ client }) => operations.every((_, index) => client.received.get(`r${index}`)!.length === counts[index])),
      'the references’ answers',
    );
    await waitFor(
      () =>
        sockets.every(({ client }) => operations.every((_, index) => client.received.get(`after${index}`)!.length === counts[index])) &&
        streams.every(({ index, stream }) => stream.received.length === counts[index]),
      'every subscriber’s answers',
    );
    // All of them, Server-Sent Event streams included, are members of their groups by now.
    expect(grouped.liveGroups.memberCount).toBe(subscribers - 10 + streams.length);
    // Nothing more arrives: give stray deliveries a moment to show.
    await new Promise((resolve) => setTimeout(resolve, 300));

    for (const { audience, client } of sockets) {
      expect(client.problems).toEqual([]);
      operations.forEach((_, index) => {
        expect(client.received.get(`now${index}`)).toEqual(expected(audience, index));
        expect(client.received.get(`after${index}`)).toEqual(expected(audience, index));
      });
    }
    for (const { audience, index, stream } of streams) expect(stream.received).toEqual(expected(audience, index));

    // The answers differ where they should: each operation its own, and moderators see hides as such.
    const answers = (audience: string, index: number) => JSON.stringify(expected(audience, index));
    expect(new Set(operations.map((_, index) => answers('public', index))).size).toBe(5);
    expect(answers('public', 4)).not.toBe(answers('moderator', 4));
    const kinds = (audience: string) =>
      expected(audience, 4).map((payload) => (payload.data!.commentChanged as unknown as { kind: string }).kind);
    expect(kinds('moderator').filter((kind) => kind === 'HIDDEN')).toHaveLength(20);
    expect(kinds('public').filter((kind) => kind === 'HIDDEN')).toHaveLength(0);
    expect(
      expected('public', 0).every((payload) => !payload.errors && payload.extensions?.cursor === payload.data!.commentAdded!.cursor),
    ).toBe(true);

    for (const { client } of [...sockets, ...references]) client.close();
    for (const { stream } of streams) stream.close();
    await waitFor(() => pubsub.listenerCount === 0, 'every subscription to end');
    expect(grouped.liveGroups.size).toBe(0);
  }, 300_000);
});
