import type { AddressInfo } from 'node:net';
import { createClient } from 'graphql-ws';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../../src/app.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { ArticleCommentsDocument } from '../../schema/generated/graphql.js';
import { db, demoSlug, testApp } from '../helpers.js';

let app: App;
let address: AddressInfo;

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  app = testApp();
  address = await app.start(0, '127.0.0.1');
});
afterAll(() => app.stop());

const post = (body: unknown, headers: Record<string, string> = {}) =>
  app.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify(body),
  });

const commentsQuery = print(ArticleCommentsDocument);

describe('HTTP', () => {
  it('serves GraphiQL to a browser at /graphql', async () => {
    const response = await app.yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<title>Threadline</title>');
    expect(html.toLowerCase()).toContain('graphiql');
  });

  it('answers /health with 200 once the database is reachable', async () => {
    const response = await app.yoga.fetch('http://localhost/health');
    expect(response.status).toBe(200);
  });

  it('runs queries over POST and GET', async () => {
    const variables = { slug: demoSlug, first: 2 };
    const viaPost = await (await post({ query: commentsQuery, variables })).json();
    expect(viaPost.data.article.comments.edges.map((e: { node: { number: number } }) => e.node.number)).toEqual([1, 2]);
    const url = `http://localhost/graphql?query=${encodeURIComponent(commentsQuery)}&variables=${encodeURIComponent(JSON.stringify(variables))}`;
    const viaGet = await (await app.yoga.fetch(url, { headers: { accept: 'application/json' } })).json();
    expect(viaGet).toEqual(viaPost);
  });

  it('gives input errors a code clients can switch on', async () => {
    for (const variables of [
      { slug: demoSlug, first: -1 },
      { slug: demoSlug, first: 101 },
      { slug: demoSlug, after: 'not-a-cursor' },
    ]) {
      const { errors } = await (await post({ query: commentsQuery, variables })).json();
      expect(errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    const { errors } = await (await post({ query: '{ node(id: "%%%") { id } }' })).json();
    expect(errors[0]).toMatchObject({ message: '"%%%" is not a valid ID.', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('reports a query that does not validate without running it', async () => {
    const response = await post({ query: '{ article(slug: 1) { nope } }' });
    const { errors } = await response.json();
    expect(errors.length).toBeGreaterThan(0);
    expect(JSON.stringify(errors)).not.toMatch(/\.ts:\d+|\.js:\d+/);
  });

  it('streams a result as Server-Sent Events', async () => {
    const response = await app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: commentsQuery, variables: { slug: demoSlug, first: 1 } }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const data = text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim())
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(data[0].data.article.comments.edges[0].node.number).toBe(1);
    expect(text).toMatch(/event: complete/);
  });
});

describe('graphql-ws on the same port and path', () => {
  it('runs an operation over a real WebSocket', async () => {
    const client = createClient({
      url: `ws://127.0.0.1:${address.port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
    });
    try {
      const results: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        client.subscribe(
          { query: commentsQuery, variables: { slug: demoSlug, first: 3 } },
          { next: (value) => results.push(value), error: reject, complete: resolve },
        );
      });
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({ data: { article: { comments: { totalCount: 34 } } } });
    } finally {
      await client.dispose();
    }
  });

  it('also answers plain HTTP on that port', async () => {
    const response = await fetch(`http://127.0.0.1:${address.port}/health`);
    expect(response.status).toBe(200);
  });
});
