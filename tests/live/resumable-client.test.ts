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
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../../src/app.js';
import { CursorMemory, resumableWebSocket } from '../../src/client/resumable.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { CommentAddedDocument, type CommentAddedSubscription, PostCommentDocument } from '../../schema/generated/graphql.js';
import { db, demoSlug, globalId, post, testApp, tokenFor, viewer } from '../helpers.js';

let app: App;
let url: string;
let httpUrl: string;
let articleId: string;
let token: string;

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  articleId = globalId('Article', (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id);
  token = await tokenFor(viewer('resume-writer', 'MODERATOR', 'Resume Writer'));
  app = testApp();
  const { port } = (await app.start(0, '127.0.0.1')) as AddressInfo;
  url = `ws://127.0.0.1:${port}/graphql`;
  httpUrl = `http://127.0.0.1:${port}`;
});
afterAll(() => app.stop());

let posts = 0;

async function postComment(words: string): Promise<number> {
  const body = `${words} (${++posts})`;
  const { body: result } = await post(app, PostCommentDocument, { input: { articleId, body } }, { authorization: `Bearer ${token}` });
  if (result.data?.postComment.__typename !== 'PostCommentSuccess') throw new Error(JSON.stringify(result));
  return result.data.postComment.comment.number;
}

/**
 * A graphql-ws client subscribed to the article's new comments (no `after`), whose socket is
 * cut after two comments; it reconnects only once three more have been posted. Returns the
 * numbers posted and the numbers received.
 */
async function cutOffWhilePosting(webSocketImpl: unknown, through: 'graphql-ws' | 'apollo' = 'graphql-ws') {
  let reconnect = () => {};
  const client = createClient({
    url,
    webSocketImpl,
    retryAttempts: 5,
    shouldRetry: () => true,
    retryWait: () => new Promise<void>((resolve) => (reconnect = resolve)),
  });
  const received: number[] = [];
  const before = app.pubsub.listenerCount;
  const onData = (data: CommentAddedSubscription | null | undefined) => data && received.push(data.commentAdded.comment.number);
  let stop: () => void;
  if (through === 'apollo') {
    // Apollo Client's own transport over the same graphql-ws client, unmodified.
    const apollo = new ApolloClient({ link: new GraphQLWsLink(client), cache: new InMemoryCache() });
    const subscription = apollo
      .subscribe<CommentAddedSubscription>({ query: CommentAddedDocument, variables: { articleId } })
      .subscribe({ next: ({ data }) => onData(data), error: () => {} });
    stop = () => subscription.unsubscribe();
  } else {
    stop = client.subscribe<CommentAddedSubscription>(
      { query: print(CommentAddedDocument), variables: { articleId } },
      { next: ({ data }) => onData(data), error: () => {}, complete: () => {} },
    );
  }
  await vi.waitFor(() => expect(app.pubsub.listenerCount).toBeGreaterThan(before));
  const posted = [await postComment('Resume one.'), await postComment('Resume two.')];
  await vi.waitFor(() => expect(received).toHaveLength(2));

  client.terminate();
  await vi.waitFor(() => expect(app.pubsub.listenerCount).toBe(before));
  for (const body of ['Posted while away, one.', 'Posted while away, two.', 'Posted while away, three.'])
    posted.push(await postComment(body));
  reconnect();
  await vi.waitFor(() => expect(app.pubsub.listenerCount).toBeGreaterThan(before));
  posted.push(await postComment('Back again.'));
  await vi.waitFor(() => expect(received.at(-1)).toBe(posted.at(-1)));
  stop();
  await client.dispose();
  await vi.waitFor(() => expect(app.pubsub.listenerCount).toBe(before));
  return { posted, received };
}

describe('the resumable WebSocket', () => {
  it('makes a graphql-ws client resume after a reconnect: every comment once, in order', async () => {
    const { posted, received } = await cutOffWhilePosting(resumableWebSocket(WebSocket));
    expect(received).toEqual(posted);
  });

  it("resumes Apollo Client's GraphQLWsLink, unmodified", async () => {
    const { posted, received } = await cutOffWhilePosting(resumableWebSocket(WebSocket), 'apollo');
    expect(received).toEqual(posted);
  });

  it('is needed: without it the same client loses what was posted while it was away', async () => {
    const { posted, received } = await cutOffWhilePosting(WebSocket);
    expect(received).toEqual([...posted.slice(0, 2), posted.at(-1)]);
  });

  it('is served as /client.js, an ES module that works as it is', async () => {
    const response = await fetch(`${httpUrl}/client.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const etag = response.headers.get('etag')!;
    const script = await response.text();
    expect(script).not.toMatch(/\bimport\b.*\bfrom\b/);
    expect((await fetch(`${httpUrl}/client.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${httpUrl}/client.js`, { method: 'POST' })).status).toBe(405);

    const file = join(mkdtempSync(join(tmpdir(), 'threadline-client-')), 'client.mjs');
    writeFileSync(file, script);
    const served = (await import(pathToFileURL(file).href)) as typeof import('../../src/client/resumable.js');
    const { posted, received } = await cutOffWhilePosting(served.resumableWebSocket(WebSocket));
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
