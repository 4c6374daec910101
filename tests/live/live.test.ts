// Live subscriptions over real graphql-ws sockets and Server-Sent Events.
import type { AddressInfo } from 'node:net';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import type { App } from '../../src/app.js';
import { loadThread } from '../../src/importers/load.js';
import { parseTextThread } from '../../src/importers/text.js';
import { encodeCursor } from '../../src/domain/events.js';
import { LivePubSub } from '../../src/live/pubsub.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import {
  ArticleLiveCursorDocument,
  CommentAddedDocument,
  type CommentAddedSubscription,
  CommentChangedDocument,
  type CommentChangedSubscription,
  DeleteCommentDocument,
  EditCommentDocument,
  HideCommentDocument,
  PostCommentDocument,
  ReplyAddedDocument,
  RestoreCommentDocument,
  type ReplyAddedSubscription,
} from '../../schema/generated/graphql.js';
import { ferrySlug, readFerryThread } from '../fixtures/threads.js';
import { db, demoSlug, globalId, post, testApp, tokenFor, viewer } from '../helpers.js';

let app: App;
let address: AddressInfo;
let articleId: string;
let token: string;

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  await loadThread(db, parseTextThread(readFerryThread()));
  articleId = globalId('Article', (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id);
  token = await tokenFor(viewer('live-writer', 'MODERATOR', 'Live Writer'));
  app = testApp();
  address = await app.start(0, '127.0.0.1');
});
afterAll(() => app.stop());

async function eventually(check: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Subscriptions opened through `subscribe` and not yet closed: what the server should hold. */
let open = 0;

/** A real graphql-ws client with one subscription, collecting what arrives. */
async function subscribe<TData, TVariables extends Record<string, unknown>>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
) {
  const client = createClient({ url: `ws://127.0.0.1:${address.port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
  const received: TData[] = [];
  const errors: unknown[] = [];
  const expected = ++open;
  const stop = client.subscribe<TData>(
    { query: print(document), variables },
    {
      next: (value) => (value.errors ? errors.push(value.errors) : received.push(value.data as TData)),
      error: (error) => errors.push(error),
      complete: () => {},
    },
  );
  return {
    received,
    errors,
    /** Resolves once the server has registered the subscription (so nothing posted after is missed). */
    ready: () => eventually(() => app.pubsub.listenerCount >= expected || errors.length > 0, 'the subscription'),
    until: (count: number) => eventually(() => received.length >= count, `${count} events (have ${received.length})`),
    /** Ends the subscription and waits until the server has let go of it. */
    close: async () => {
      open--;
      stop();
      await client.dispose();
      await eventually(() => app.pubsub.listenerCount <= open, 'the server to drop the subscription');
    },
  };
}

async function postComment(body: string, replyToId?: string, article = articleId) {
  const { body: result } = await post(
    app,
    PostCommentDocument,
    { input: { articleId: article, body, replyToId } },
    { authorization: `Bearer ${token}` },
  );
  if (result.data?.postComment.__typename !== 'PostCommentSuccess') throw new Error(JSON.stringify(result));
  return result.data.postComment.comment;
}

describe('commentAdded', () => {
  it('pushes every new comment of the article, in order, with a cursor', async () => {
    const sub = await subscribe(CommentAddedDocument, { articleId });
    await sub.ready();
    const posted = [await postComment('Live one'), await postComment('Live two'), await postComment('Live three')];
    await sub.until(3);
    expect(sub.received.map((e) => e.commentAdded.comment.number)).toEqual(posted.map((c) => c.number));
    expect(sub.received.map((e) => e.commentAdded.kind)).toEqual(['ADDED', 'ADDED', 'ADDED']);
    expect(new Set(sub.received.map((e) => e.commentAdded.cursor)).size).toBe(3);
    expect(sub.received[0]!.commentAdded.comment).toMatchObject({ body: 'Live one', author: { handle: 'live-writer' } });
    await sub.close();
  });

  it('starts from an article read: with its liveCursor as after, a comment posted between the read and the subscription arrives', async () => {
    const { body: read } = await post(app, ArticleLiveCursorDocument, { slug: demoSlug });
    const between = await postComment('Posted between the read and the subscription');
    const sub = await subscribe(CommentAddedDocument, { articleId, after: read.data!.article!.liveCursor });
    await sub.until(1);
    const live = await postComment('Posted once subscribed');
    await sub.until(2);
    expect(sub.received.map((e) => e.commentAdded.comment.number)).toEqual([between.number, live.number]);
    await sub.close();
  });

  it('resumes after a cursor: a client that missed 50 replies gets exactly those, then goes on live', async () => {
    const first = await subscribe(CommentAddedDocument, { articleId });
    await first.ready();
    const parent = await postComment('Before the tunnel');
    await first.until(1);
    const cursor = first.received[0]!.commentAdded.cursor;
    await first.close();

    const missed: number[] = [];
    for (let i = 0; i < 50; i++) missed.push((await postComment(`While away ${i}`, parent.id)).number);

    const resumed = await subscribe(CommentAddedDocument, { articleId, after: cursor });
    await resumed.until(50);
    expect(resumed.received.map((e) => e.commentAdded.comment.number)).toEqual(missed);
    const live = await postComment('Back online');
    await resumed.until(51);
    expect(resumed.received.map((e) => e.commentAdded.comment.number)).toEqual([...missed, live.number]);
    await resumed.close();
  });

  it('refuses a cursor that is not one, or belongs to another article', async () => {
    const bad = await subscribe(CommentAddedDocument, { articleId, after: 'nonsense' });
    await eventually(() => bad.errors.length > 0, 'an error');
    expect(JSON.stringify(bad.errors)).toContain('is not an event cursor');
    await bad.close();
    const ferry = await db.reader.article.findUniqueOrThrow({ where: { slug: ferrySlug } });
    const other = await subscribe(CommentAddedDocument, { articleId, after: encodeCursor(ferry.id, 1) });
    await eventually(() => other.errors.length > 0, 'an error');
    expect(JSON.stringify(other.errors)).toContain('belongs to another article');
    await other.close();
  });
});

describe('replyAdded', () => {
  it('pushes replies anywhere below the comment, and nothing else', async () => {
    const root = await postComment('A question for the thread');
    const sub = await subscribe(ReplyAddedDocument, { commentId: root.id });
    await sub.ready();
    const child = await postComment('An answer', root.id);
    await postComment('Unrelated, top level');
    const grandchild = await postComment('A follow-up', child.id);
    await sub.until(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sub.received.map((e: ReplyAddedSubscription) => e.replyAdded.comment.number)).toEqual([child.number, grandchild.number]);
    expect(sub.received[1]!.replyAdded.comment).toMatchObject({ depth: root.depth + 2, parent: { number: child.number } });
    await sub.close();
  });
});

describe('commentChanged', () => {
  it('pushes edits and deletions', async () => {
    const comment = await postComment('Typo here');
    const sub = await subscribe(CommentChangedDocument, { articleId });
    await sub.ready();
    const auth = { authorization: `Bearer ${token}` };
    await post(app, EditCommentDocument, { input: { commentId: comment.id, body: 'No typo here' } }, auth);
    await post(app, DeleteCommentDocument, { input: { commentId: comment.id } }, auth);
    await sub.until(2);
    // Each event carries the comment as it is when the event is delivered.
    expect(sub.received.map((e: CommentChangedSubscription) => e.commentChanged.kind)).toEqual(['EDITED', 'DELETED']);
    expect(sub.received[1]!.commentChanged.comment).toMatchObject({ isDeleted: true, body: '' });
    await sub.close();
  });
});

describe('Server-Sent Events', () => {
  it('delivers a subscription over SSE', async () => {
    const controller = new AbortController();
    const listeners = app.pubsub.listenerCount;
    const response = await fetch(`http://127.0.0.1:${address.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: print(CommentAddedDocument), variables: { articleId } }),
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    const read = (async () => {
      const decoder = new TextDecoder();
      while (!text.includes('SSE comment')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
    })();
    await eventually(() => app.pubsub.listenerCount > listeners, 'the SSE subscription');
    await postComment('SSE comment');
    await read;
    const data = text
      .split('\n')
      .filter((line) => line.startsWith('data:') && line.includes('commentAdded'))
      .map((line) => JSON.parse(line.slice(5)) as { data: CommentAddedSubscription });
    expect(data[0]!.data.commentAdded.comment.body).toBe('SSE comment');
    controller.abort();
    await eventually(() => app.pubsub.listenerCount === listeners, 'the SSE subscription to end');
  });
});

describe('SSE event ids', () => {
  it('sends each cursor as the event id, and resumes a reconnecting client from Last-Event-ID', async () => {
    const query = 'subscription ($articleId: ID!) { commentAdded(articleId: $articleId) { comment { number } } }';
    const url = `http://127.0.0.1:${address.port}/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify({ articleId }))}`;
    const listeners = app.pubsub.listenerCount;
    const source = new EventSource(url);
    const got: { id: string; number: number; cursor: string }[] = [];
    source.addEventListener('next', (event) => {
      const { data, extensions } = JSON.parse(event.data) as {
        data: { commentAdded: { comment: { number: number } } };
        extensions: { cursor: string };
      };
      got.push({ id: event.lastEventId, number: data.commentAdded.comment.number, cursor: extensions.cursor });
    });
    await eventually(() => app.pubsub.listenerCount > listeners, 'the EventSource subscription');
    const first = [await postComment('SSE id one'), await postComment('SSE id two')];
    await eventually(() => got.length === 2, 'two SSE events');
    expect(got.map((e) => e.number)).toEqual(first.map((c) => c.number));
    expect(got.every((e) => e.id === e.cursor && e.id.length > 0)).toBe(true);
    source.close();
    await eventually(() => app.pubsub.listenerCount === listeners, 'the EventSource to be let go');

    const missed = [await postComment('SSE missed one'), await postComment('SSE missed two'), await postComment('SSE missed three')];
    // What a browser sends when it reconnects.
    const response = await fetch(url, { headers: { accept: 'text/event-stream', 'last-event-id': got[1]!.id } });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while ((text.match(/^event: next$/gm) ?? []).length < 3) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended early');
      text += decoder.decode(value);
    }
    await reader.cancel();
    await eventually(() => app.pubsub.listenerCount === listeners, 'the resumed stream to be let go');
    const numbers = [...text.matchAll(/"number":(\d+)/g)].map((match) => Number(match[1]));
    expect(numbers).toEqual(missed.map((c) => c.number));
  });
});

describe('review findings', () => {
  it('holds no listener for a subscription request it refuses (406)', async () => {
    const listeners = app.pubsub.listenerCount;
    for (let i = 0; i < 3; i++) {
      const response = await app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query: print(CommentAddedDocument), variables: { articleId } }),
      });
      expect(response.status).toBe(406);
      await response.text();
    }
    expect(app.pubsub.listenerCount).toBe(listeners);
  });

  it('resumes an SSE client from the later of its URL’s after and Last-Event-ID', async () => {
    const sub = await subscribe(CommentAddedDocument, { articleId });
    await sub.ready();
    await postComment('Seen A');
    await postComment('Seen B');
    await sub.until(2);
    const [cursorA, cursorB] = sub.received.map((e) => e.commentAdded.cursor);
    await sub.close();
    const c = await postComment('Not yet seen');
    const query =
      'subscription ($articleId: ID!, $after: String) { commentAdded(articleId: $articleId, after: $after) { comment { number } } }';
    const url = `http://127.0.0.1:${address.port}/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify({ articleId, after: cursorA }))}`;
    const response = await fetch(url, { headers: { accept: 'text/event-stream', 'last-event-id': cursorB! } });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"number"')) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended early');
      text += decoder.decode(value);
    }
    await reader.cancel();
    await eventually(() => app.pubsub.listenerCount === 0, 'the stream to be let go');
    expect([...text.matchAll(/"number":(\d+)/g)].map((m) => Number(m[1]))).toEqual([c.number]);
  });

  it('shows moderation to moderators only: a hide reads as a deletion to everyone else', async () => {
    const comment = await postComment('To be hidden');
    const anonymous = await subscribe(CommentChangedDocument, { articleId });
    await anonymous.ready();
    await post(app, HideCommentDocument, { input: { commentId: comment.id } }, { authorization: `Bearer ${token}` });
    await post(app, RestoreCommentDocument, { input: { commentId: comment.id } }, { authorization: `Bearer ${token}` });
    await anonymous.until(2);
    expect(anonymous.received.map((e) => e.commentChanged.kind)).toEqual(['DELETED', 'EDITED']);
    await anonymous.close();
  });

  it('refuses a cursor ahead of the article’s events', async () => {
    const { lastEventSeq } = await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } });
    const sub = await subscribe(CommentAddedDocument, {
      articleId,
      after: encodeCursor(Number(Buffer.from(articleId, 'base64').toString().split(':')[1]), lastEventSeq + 5),
    });
    await eventually(() => sub.errors.length > 0, 'an error');
    expect(JSON.stringify(sub.errors)).toContain('ahead of the article');
    await sub.close();
  });

  it('fills a gap when events are published out of commit order', async () => {
    const sub = await subscribe(CommentAddedDocument, { articleId });
    await sub.ready();
    // Three comments committed; their events then published 3, 1, 2, as racing requests might.
    const quiet = new LivePubSub();
    const posted = [];
    for (const body of ['Gap one', 'Gap two', 'Gap three']) {
      const { body: result } = await post(
        testApp({ pubsub: quiet, redisUrl: null }),
        PostCommentDocument,
        { input: { articleId, body } },
        { authorization: `Bearer ${token}` },
      );
      if (result.data?.postComment.__typename !== 'PostCommentSuccess') throw new Error('post failed');
      posted.push(result.data.postComment.comment);
    }
    const rows = await db.reader.commentEvent.findMany({
      where: { commentId: { in: posted.map((c) => Number(Buffer.from(c.id, 'base64').toString().split(':')[1])) } },
      orderBy: { seq: 'asc' },
      include: { comment: { select: { path: true } } },
    });
    const events = rows.map(({ comment, ...row }) => ({
      articleId: row.articleId,
      seq: row.seq,
      commentId: row.commentId,
      kind: row.kind,
      path: comment.path,
    }));
    for (const index of [2, 0, 1]) app.pubsub.publish(events[index]!);
    await sub.until(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sub.received.map((e) => e.commentAdded.comment.number)).toEqual(posted.map((c) => c.number));
    await sub.close();
  });
});

describe('starting point', () => {
  it('counts a subscription as listening only once where it starts is fixed; a comment posted after that arrives', async () => {
    // Hold the read that fixes where a subscription without `after` starts (the article's last event).
    let reached = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const article = new Proxy(db.reader.article, {
      get(target, property, receiver) {
        const original = Reflect.get(target, property, receiver);
        if (property !== 'findUnique') return original;
        return async (args: { select?: { lastEventSeq?: boolean } }) => {
          if (args.select?.lastEventSeq) {
            reached = true;
            await gate;
          }
          return original.call(target, args);
        };
      },
    });
    const reader = new Proxy(db.reader, {
      get: (target, property, receiver) => (property === 'article' ? article : Reflect.get(target, property, receiver)),
    });
    const held = testApp({ database: { ...db, reader }, redisUrl: null });
    const { port } = (await held.start(0, '127.0.0.1')) as AddressInfo;
    const client = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    const received: number[] = [];
    client.subscribe<{ commentAdded: { comment: { number: number } } }>(
      { query: print(CommentAddedDocument), variables: { articleId } },
      { next: ({ data }) => data && received.push(data.commentAdded.comment.number), error: () => {}, complete: () => {} },
    );
    await eventually(() => reached, 'the read of where the article’s events stand');
    // Subscribed to the article, but not yet listening: a test (or a client) waiting for it must wait on.
    expect(held.pubsub.listenerCount).toBe(0);
    release();
    await eventually(() => held.pubsub.listenerCount === 1, 'the subscription');
    const { body: result } = await post(
      held,
      PostCommentDocument,
      { input: { articleId, body: 'Right after' } },
      { authorization: `Bearer ${token}` },
    );
    if (result.data?.postComment.__typename !== 'PostCommentSuccess') throw new Error(JSON.stringify(result));
    await eventually(() => received.length >= 1, 'the comment');
    expect(received).toEqual([result.data.postComment.comment.number]);
    await client.dispose();
    await held.stop();
  });
});

describe('resync', () => {
  it('delivers a write that no message announced, found in the event log', async () => {
    // Another process's write (or one whose Redis message was lost): committed and logged,
    // but published to nobody here. Only the periodic check of the log can find it.
    const resyncing = testApp({ resyncIntervalMs: 100, redisUrl: null });
    const { port } = (await resyncing.start(0, '127.0.0.1')) as AddressInfo;
    const client = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    const received: number[] = [];
    client.subscribe<{ commentAdded: { comment: { number: number } } }>(
      { query: print(CommentAddedDocument), variables: { articleId } },
      { next: ({ data }) => data && received.push(data.commentAdded.comment.number), error: () => {}, complete: () => {} },
    );
    await eventually(() => resyncing.pubsub.listenerCount === 1, 'the subscription');
    const elsewhere = testApp({ pubsub: new LivePubSub(), redisUrl: null });
    const numbers: number[] = [];
    for (const body of ['Unannounced one', 'Unannounced two']) {
      const { body: result } = await post(
        elsewhere,
        PostCommentDocument,
        { input: { articleId, body } },
        { authorization: `Bearer ${token}` },
      );
      if (result.data?.postComment.__typename !== 'PostCommentSuccess') throw new Error(JSON.stringify(result));
      numbers.push(result.data.postComment.comment.number);
    }
    await eventually(() => received.length >= 2, 'the unannounced comments');
    expect(received).toEqual(numbers);
    await client.dispose();
    await resyncing.stop();
  });
});

describe('cleanup', () => {
  it('leaves no listener behind once clients have gone', async () => {
    const subs = await Promise.all(Array.from({ length: 5 }, () => subscribe(CommentAddedDocument, { articleId })));
    await eventually(() => app.pubsub.listenerCount === 5, 'five subscriptions');
    for (const sub of subs) await sub.close();
    expect(app.pubsub.listenerCount).toBe(0);
  });
});
