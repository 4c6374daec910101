// Our graphql-transport-ws loop (src/live/socket-server.ts) beyond the close codes that
// live-protocol.test.ts checks: queries and mutations, ending an operation, errors, keep-alive.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../../src/app.js';
import { defaultLiveLimits, type LiveLimits } from '../../src/config.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { db, demoSlug, globalId, testApp, tokenFor, viewer } from '../helpers.js';

let articleId: string;
const apps: App[] = [];

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  articleId = globalId('Article', (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id);
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
});

async function started(live: Partial<LiveLimits> = {}) {
  const app = testApp({ liveLimits: { ...defaultLiveLimits, ...live } });
  apps.push(app);
  const { port } = (await app.start(0, '127.0.0.1')) as AddressInfo;
  return { app, url: `ws://127.0.0.1:${port}/graphql` };
}

const waitFor = async (check: () => boolean, what: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

type Message = { id?: string; type: string; payload?: unknown };

/** A raw, acknowledged graphql-transport-ws connection. */
async function connected(url: string, token?: string) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const messages: Message[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Message));
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} }));
  await waitFor(() => messages.some((m) => m.type === 'connection_ack'), 'the ack');
  const send = (message: Message) => socket.send(JSON.stringify(message));
  const of = (id: string) => messages.filter((m) => m.id === id);
  return { socket, messages, closed, send, of };
}

const commentAdded = `subscription ($articleId: ID!) { commentAdded(articleId: $articleId) { cursor comment { body } } }`;

describe('operations over the WebSocket', () => {
  it('answers a query and a mutation with one next and a complete each', async () => {
    const { url } = await started();
    const client = await connected(url, await tokenFor(viewer('socket-poster', 'MODERATOR')));
    client.send({ id: 'q', type: 'subscribe', payload: { query: '{ article(slug: "nope") { id } }' } });
    client.send({
      id: 'm',
      type: 'subscribe',
      payload: {
        query: 'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename } }',
        variables: { input: { articleId, body: 'Over the socket.' } },
      },
    });
    await waitFor(() => client.of('q').length === 2 && client.of('m').length === 2, 'both answers');
    expect(client.of('q')).toEqual([
      { id: 'q', type: 'next', payload: { data: { article: null } } },
      { id: 'q', type: 'complete' },
    ]);
    expect(client.of('m')).toEqual([
      { id: 'm', type: 'next', payload: { data: { postComment: { __typename: 'PostCommentSuccess' } } } },
      { id: 'm', type: 'complete' },
    ]);
    client.socket.close();
  });

  it('answers an invalid operation with an error for its id, and the connection goes on', async () => {
    const { url } = await started();
    const client = await connected(url);
    client.send({ id: 'bad', type: 'subscribe', payload: { query: '{ nothingHere }' } });
    await waitFor(() => client.of('bad').length > 0, 'the error');
    expect(client.of('bad')).toEqual([{ id: 'bad', type: 'error', payload: [expect.objectContaining({ message: expect.any(String) })] }]);
    client.send({ id: 'ok', type: 'subscribe', payload: { query: '{ __typename }' } });
    await waitFor(() => client.of('ok').length === 2, 'the next answer');
    expect(client.of('ok')[0]).toEqual({ id: 'ok', type: 'next', payload: { data: { __typename: 'Query' } } });
  });

  it('stops sending to a grouped subscription its client completes; the group goes with its last member', async () => {
    const { app, url } = await started();
    const client = await connected(url);
    client.send({ id: 'a', type: 'subscribe', payload: { query: commentAdded, variables: { articleId } } });
    client.send({ id: 'b', type: 'subscribe', payload: { query: commentAdded, variables: { articleId } } });
    await waitFor(() => app.pubsub.listenerCount === 2, 'both subscriptions');
    expect(app.liveGroups.size).toBe(1);
    const token = await tokenFor(viewer('socket-writer', 'MODERATOR'));
    const post = async (body: string) => {
      const response = await app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: 'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename } }',
          variables: { input: { articleId, body } },
        }),
      });
      expect(await response.json()).toEqual({ data: { postComment: { __typename: 'PostCommentSuccess' } } });
    };
    await post('For both.');
    await waitFor(() => client.of('a').length === 1 && client.of('b').length === 1, 'one event each');
    expect(client.of('a')[0]!.payload).toEqual(client.of('b')[0]!.payload);

    client.send({ id: 'a', type: 'complete' });
    await waitFor(() => app.pubsub.listenerCount === 1, 'a to leave');
    await post('For b alone.');
    await waitFor(() => client.of('b').length === 2, 'b’s second event');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(client.of('a')).toHaveLength(1);
    expect(JSON.stringify(client.of('b')[1])).toContain('For b alone.');

    client.send({ id: 'b', type: 'complete' });
    await waitFor(() => app.pubsub.listenerCount === 0, 'b to leave');
    expect(app.liveGroups.size).toBe(0);
    // The id may be used again once its operation has ended.
    client.send({ id: 'a', type: 'subscribe', payload: { query: '{ __typename }' } });
    await waitFor(() => client.of('a').length === 3, 'the reused id’s answer');
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('drops a connection that stops answering pings, and keeps one that answers', async () => {
    const { app, url } = await started({ keepAliveMs: 200 });
    const quiet = await connected(url);
    const lively = await connected(url);
    quiet.send({ id: 's', type: 'subscribe', payload: { query: commentAdded, variables: { articleId } } });
    await waitFor(() => app.pubsub.listenerCount === 1, 'the subscription');
    // No more reading, hence no pong: ws answers pings only as it reads them.
    (quiet.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(lively.socket.readyState).toBe(WebSocket.OPEN);
    await waitFor(() => app.pubsub.listenerCount === 0, 'the silent connection’s subscription to end');
    (quiet.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await quiet.closed).toBe(1006);
    lively.socket.close();
  });
});
