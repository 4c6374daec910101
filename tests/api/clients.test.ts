// Real clients against the real server over loopback: Apollo Client's persisted-query link
// (APQ, over POST and GET) and its multipart transport for @defer and @stream.
import { createHash } from 'node:crypto';
import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { db, demoSlug, testApp } from '../helpers.js';

let app: App;
let uri: string;

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  app = testApp();
  const { port } = await app.start(0, '127.0.0.1');
  uri = `http://127.0.0.1:${port}/graphql`;
});
afterAll(() => app.stop());

interface Sent {
  method: string;
  hasQuery: boolean;
  hash: string | undefined;
  status: number;
  body: string;
}

/** A fetch that notes what went over the wire. */
function recordingFetch(sent: Sent[]): typeof fetch {
  return async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? 'GET';
    const params =
      method === 'GET'
        ? { query: url.searchParams.get('query'), extensions: JSON.parse(url.searchParams.get('extensions') ?? '{}') }
        : (JSON.parse(String(init?.body)) as { query?: string; extensions?: { persistedQuery?: { sha256Hash: string } } });
    const response = await fetch(input, init);
    const body = await response.clone().text();
    sent.push({
      method,
      hasQuery: typeof params.query === 'string' && params.query.length > 0,
      hash: params.extensions?.persistedQuery?.sha256Hash,
      status: response.status,
      body,
    });
    return response;
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function apolloClient(sent: Sent[], { get = false } = {}) {
  return new ApolloClient({
    link: ApolloLink.from([
      new PersistedQueryLink({ sha256, useGETForHashedQueries: get }),
      new HttpLink({ uri, fetch: recordingFetch(sent) }),
    ]),
    cache: new InMemoryCache(),
    incrementalHandler: new Defer20220824Handler(),
  });
}

const titleQuery = (name: string) => gql`
  query ${name}($slug: String!) {
    article(slug: $slug) { id title }
  }
`;

describe("Apollo Client's automatic persisted queries", () => {
  for (const get of [false, true]) {
    it(`sends the hash alone, the query once when asked, then the hash alone again (${get ? 'GET' : 'POST'})`, async () => {
      const sent: Sent[] = [];
      const query = titleQuery(get ? 'ApqOverGet' : 'ApqOverPost');
      const first = await apolloClient(sent, { get }).query({ query, variables: { slug: demoSlug } });
      expect(first.error).toBeUndefined();
      expect((first.data as { article: { title: string } }).article.title).toBeTruthy();

      expect(sent).toHaveLength(2);
      expect(sent[0]).toMatchObject({ method: get ? 'GET' : 'POST', hasQuery: false });
      expect(sent[0]!.body).toContain('PersistedQueryNotFound');
      expect(sent[0]!.body).not.toContain('Must provide query string');
      expect(sent[1]).toMatchObject({ hasQuery: true, hash: sent[0]!.hash, status: 200 });

      // Another client (another browser, say): the server knows the query by its hash now.
      const later: Sent[] = [];
      const again = await apolloClient(later, { get }).query({ query, variables: { slug: demoSlug } });
      expect(again.data).toEqual(first.data);
      expect(later).toHaveLength(1);
      expect(later[0]).toMatchObject({ method: get ? 'GET' : 'POST', hasQuery: false, status: 200 });
    });
  }

  it('refuses a query that does not match its hash', async () => {
    const response = await fetch(uri, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: '{ articles(first: 1) { totalCount } }',
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ something else }') } },
      }),
    });
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]).toMatchObject({ message: 'PersistedQueryMismatch', extensions: { code: 'PERSISTED_QUERY_MISMATCH' } });
  });
});

/** The first `first` comment numbers of the demo thread, depth-first, read without @defer or @stream. */
async function threadNumbers(first: number): Promise<number[]> {
  const response = await fetch(uri, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'query ($slug: String!, $first: Int) { article(slug: $slug) { thread(first: $first) { edges { node { number } } } } }',
      variables: { slug: demoSlug, first },
    }),
  });
  const body = (await response.json()) as { data: { article: { thread: { edges: { node: { number: number } }[] } } } };
  return body.data.article.thread.edges.map((edge) => edge.node.number);
}

describe('@defer and @stream over multipart HTTP', () => {
  it('delivers a deferred fragment after the rest, and Apollo Client merges it', async () => {
    const sent: Sent[] = [];
    const client = apolloClient(sent);
    const query = gql`
      query DeferredThread($slug: String!) {
        article(slug: $slug) {
          id
          title
          ... @defer {
            thread(first: 5) { edges { node { id number } } }
          }
        }
      }
    `;
    const seen: { title?: string; numbers?: number[] }[] = [];
    await new Promise<void>((resolve, reject) => {
      const subscription = client.watchQuery({ query, variables: { slug: demoSlug } }).subscribe({
        next: ({ data, dataState }) => {
          const article = (data as { article?: { title: string; thread?: { edges: { node: { number: number } }[] } } } | undefined)
            ?.article;
          if (article) seen.push({ title: article.title, numbers: article.thread?.edges.map((edge) => edge.node.number) });
          if (dataState === 'complete') {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    // The first part has the title without the thread; the last has both.
    expect(seen[0]).toMatchObject({ title: expect.any(String), numbers: undefined });
    expect(seen.at(-1)).toMatchObject({ title: seen[0]!.title, numbers: await threadNumbers(5) });
    expect(sent.at(-1)!.body).toContain('"hasNext":true');
    expect(sent.at(-1)!.body).toContain('"incremental"');
  });

  it('streams a list in parts, and the multipart response is not cached', async () => {
    const expected = await threadNumbers(6);
    const response = await fetch(uri, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({
        query:
          'query ($slug: String!) { article(slug: $slug) { thread(first: 6) { edges @stream(initialCount: 2) { node { number } } } } }',
        variables: { slug: demoSlug },
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
    expect(response.headers.get('etag')).toBeNull();
    const text = await response.text();
    const parts = text
      .split(/\r\n---/)
      .map((part) => part.slice(part.indexOf('{')))
      .filter((part) => part.startsWith('{'))
      .map((part) => JSON.parse(part.trim()) as { data?: unknown; incremental?: { items: { node: { number: number } }[] }[] });
    expect(parts[0]!.data).toEqual({ article: { thread: { edges: expected.slice(0, 2).map((number) => ({ node: { number } })) } } });
    const streamed = parts
      .flatMap((part) => part.incremental ?? [])
      .flatMap((increment) => increment.items.map((item) => item.node.number));
    expect(streamed).toEqual(expected.slice(2));
  });
});
