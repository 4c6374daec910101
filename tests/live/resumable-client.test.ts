// The resumable WebSocket (src/client/resumable.ts) with a real graphql-ws client: a reconnect
// re-sends the subscription, and the wrapper makes it resume after the last cursor received, so
// the comments posted while the client was away arrive, once each, in order.
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApolloClient, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { Client as UrqlClient, subscriptionExchange } from '@urql/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { type App, slowSubscriberCloseCode } from '../../src/app.js';
import { CursorMemory, resumableWebSocket } from '../../src/client/resumable.js';
import { LivePubSub } from '../../src/live/pubsub.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { CommentAddedDocument, type CommentAddedSubscription, PostCommentDocument } from '../../schema/generated/graphql.js';
import { db, demoSlug, globalId, post, testApp, tokenFor, viewer } from '../helpers.js';

let app: App;
let httpUrl: string;
let articleId: string;
let articleRowId: number;
let token: string;

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  articleRowId = (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id;
  articleId = globalId('Article', articleRowId);
  token = await tokenFor(viewer('resume-writer', 'MODERATOR', 'Resume Writer'));
  app = testApp();
  const { port } = (await app.start(0, '127.0.0.1')) as AddressInfo;
  httpUrl = `http://127.0.0.1:${port}`;
});
afterAll(() => app.stop());

let posts = 0;

async function postComment(through: App, words: string): Promise<number> {
  const body = `${words} (${++posts})`;
  const { body: result } = await post(through, PostCommentDocument, { input: { articleId, body } }, { authorization: `Bearer ${token}` });
  if (result.data?.postComment.__typename !== 'PostCommentSuccess') throw new Error(JSON.stringify(result));
  return result.data.postComment.comment.number;
}

type Transport = 'graphql-ws' | 'apollo' | 'urql';
/**
 * How the client loses its connection: its socket cut (`cut`), the server stopped and a new one
 * started on the same port (`restart`), or the server closing it with 4499 because its
 * subscription fell too far behind (`slow`: the server's queues hold a single event, and three
 * events arrive at once).
 */
type Disruption = 'cut' | 'restart' | 'slow';

/** Starts a server on `port` (0: any) that shares the suite's database. */
async function serve(port: number, disruption: Disruption) {
  const server = testApp(disruption === 'slow' ? { pubsub: new LivePubSub(1) } : {});
  const address = (await server.start(port, '127.0.0.1')) as AddressInfo;
  return { server, port: address.port };
}

/** Posts through an app that publishes to nobody: a write made while the subscriber's server is not listening. */
const elsewhere = () => testApp({ pubsub: new LivePubSub(), redisUrl: null });

/**
 * A client, through `transport`, subscribed to the article's new comments (no `after`). After
 * two comments it loses its connection (`disruption`) while three more are posted; it reconnects
 * only then, and one more is posted. Returns the numbers posted, the numbers received and the
 * close codes the client saw.
 */
async function disconnectWhilePosting(webSocketImpl: unknown, transport: Transport = 'graphql-ws', disruption: Disruption = 'cut') {
  let { server, port } = await serve(0, disruption);
  // The client may reconnect once this is called (whether it is already waiting to or not).
  let reconnect!: () => void;
  const reconnecting = new Promise<void>((resolve) => (reconnect = resolve));
  const closes: number[] = [];
  const client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl,
    retryAttempts: 5,
    shouldRetry: () => true,
    retryWait: () => reconnecting,
    on: { closed: (event) => closes.push((event as { code: number }).code) },
  });
  const received: number[] = [];
  const onData = (data: CommentAddedSubscription | null | undefined) => data && received.push(data.commentAdded.comment.number);
  let stop: () => void;
  if (transport === 'apollo') {
    // Apollo Client's own transport over the graphql-ws client, unmodified.
    const apollo = new ApolloClient({ link: new GraphQLWsLink(client), cache: new InMemoryCache() });
    const subscription = apollo
      .subscribe<CommentAddedSubscription>({ query: CommentAddedDocument, variables: { articleId } })
      .subscribe({ next: ({ data }) => onData(data), error: () => {} });
    stop = () => subscription.unsubscribe();
  } else if (transport === 'urql') {
    // urql's subscriptionExchange over the graphql-ws client, as urql's documentation sets it up.
    const urql = new UrqlClient({
      url: `http://127.0.0.1:${port}/graphql`,
      exchanges: [
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({ unsubscribe: client.subscribe({ ...request, query: request.query ?? '' }, sink) }),
          }),
        }),
      ],
    });
    const subscription = urql.subscription(CommentAddedDocument, { articleId }).subscribe((result) => onData(result.data));
    stop = () => subscription.unsubscribe();
  } else {
    stop = client.subscribe<CommentAddedSubscription>(
      { query: print(CommentAddedDocument), variables: { articleId } },
      { next: ({ data }) => onData(data), error: () => {}, complete: () => {} },
    );
  }
  await vi.waitFor(() => expect(server.pubsub.listenerCount).toBe(1));
  const posted = [await postComment(server, 'Resume one.'), await postComment(server, 'Resume two.')];
  await vi.waitFor(() => expect(received).toHaveLength(2));

  const away = ['Posted while away, one.', 'Posted while away, two.', 'Posted while away, three.'];
  if (disruption === 'slow') {
    // Three comments whose events then reach the server at once: more than its queue holds.
    const quiet = elsewhere();
    for (const body of away) posted.push(await postComment(quiet, body));
    const events = await db.reader.commentEvent.findMany({
      where: { comment: { articleId: articleRowId, number: { in: posted.slice(2) } } },
      orderBy: { seq: 'asc' },
      include: { comment: { select: { path: true } } },
    });
    for (const { comment, ...event } of events) server.pubsub.publish({ ...event, path: comment.path });
    await vi.waitFor(() => expect(closes).toEqual([slowSubscriberCloseCode]));
  } else {
    if (disruption === 'cut') client.terminate();
    else await server.stop();
    await vi.waitFor(() => expect(server.pubsub.listenerCount).toBe(0));
    const quiet = elsewhere();
    for (const body of away) posted.push(await postComment(quiet, body));
    if (disruption === 'restart') {
      ({ server } = await serve(port, disruption));
      expect(closes).toEqual([1001]);
    }
  }
  reconnect();
  await vi.waitFor(() => expect(server.pubsub.listenerCount).toBe(1));
  posted.push(await postComment(server, 'Back again.'));
  await vi.waitFor(() => expect(received.at(-1)).toBe(posted.at(-1)));
  const seen = [...closes];
  stop();
  await client.dispose();
  await vi.waitFor(() => expect(server.pubsub.listenerCount).toBe(0));
  await server.stop();
  return { posted, received, closes: seen };
}

describe('the resumable WebSocket', () => {
  it('makes a graphql-ws client resume after a reconnect: every comment once, in order', async () => {
    const { posted, received } = await disconnectWhilePosting(resumableWebSocket(WebSocket));
    expect(received).toEqual(posted);
  });

  it('is needed: without it the same client loses what was posted while it was away', async () => {
    const { posted, received } = await disconnectWhilePosting(WebSocket);
    expect(received).toEqual([...posted.slice(0, 2), posted.at(-1)]);
  });

  for (const transport of ['apollo', 'urql'] as const) {
    const name = transport === 'apollo' ? "Apollo Client's GraphQLWsLink" : "urql's subscriptionExchange";
    it(`resumes ${name}, unmodified, across a server restart`, async () => {
      const { posted, received, closes } = await disconnectWhilePosting(resumableWebSocket(WebSocket), transport, 'restart');
      expect(closes).toEqual([1001]);
      expect(received).toEqual(posted);
    });

    it(`resumes ${name}, unmodified, after the server closes it with 4499`, async () => {
      const { posted, received, closes } = await disconnectWhilePosting(resumableWebSocket(WebSocket), transport, 'slow');
      expect(closes).toEqual([slowSubscriberCloseCode]);
      expect(received).toEqual(posted);
    });
  }

  it('is served as /client.js, an ES module that works as it is', async () => {
    const response = await fetch(`${httpUrl}/client.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    // Public, and CORS answers may name the asking origin: shared caches keep a copy per origin.
    expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
    const etag = response.headers.get('etag')!;
    const script = await response.text();
    expect(script).not.toMatch(/\bimport\b.*\bfrom\b/);
    expect((await fetch(`${httpUrl}/client.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${httpUrl}/client.js`, { method: 'POST' })).status).toBe(405);

    const file = join(mkdtempSync(join(tmpdir(), 'threadline-client-')), 'client.mjs');
    writeFileSync(file, script);
    const served = (await import(pathToFileURL(file).href)) as typeof import('../../src/client/resumable.js');
    const { posted, received } = await disconnectWhilePosting(served.resumableWebSocket(WebSocket));
    expect(received).toEqual(posted);
  });

  it('sets `after` only on subscriptions that declare it, and forgets a subscription its client completed', () => {
    const memory = new CursorMemory();
    const subscribe = (id: string, query: string) =>
      JSON.parse(memory.outgoing(JSON.stringify({ id, type: 'subscribe', payload: { query, variables: { articleId: 'A' } } })));
    const resumable = 'subscription ($articleId: ID!, $after: String) { commentAdded(articleId: $articleId, after: $after) { cursor } }';
    expect(subscribe('1', resumable).payload.variables).toEqual({ articleId: 'A' });
    memory.incoming(JSON.stringify({ id: '1', type: 'next', payload: { data: {}, extensions: { cursor: 'C5' } } }));
    expect(subscribe('1', resumable).payload.variables).toEqual({ articleId: 'A', after: 'C5' });
    // Another id with the same document and variables: the same subscription, re-sent by a client that renumbers.
    expect(subscribe('2', resumable).payload.variables).toEqual({ articleId: 'A', after: 'C5' });
    expect(subscribe('3', 'subscription ($articleId: ID!) { commentAdded(articleId: $articleId) { cursor } }').payload.variables).toEqual({
      articleId: 'A',
    });
    memory.outgoing(JSON.stringify({ id: '2', type: 'complete' }));
    expect(subscribe('4', resumable).payload.variables).toEqual({ articleId: 'A' });
  });
});
