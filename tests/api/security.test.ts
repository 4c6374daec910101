// Authentication and request limits, through Yoga's HTTP handling and real sockets.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../../src/app.js';
import { defaultRequestLimits } from '../../src/config.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { ArticleThreadDocument, PostCommentDocument, ViewerDocument } from '../../schema/generated/graphql.js';
import { db, demoSlug, globalId, post, rowCounts, statementsOf, testApp, testSecret, tokenFor, viewer } from '../helpers.js';

let app: App;
let address: AddressInfo;
let demoId: string;

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  demoId = globalId('Article', (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id);
  app = testApp();
  address = await app.start(0, '127.0.0.1');
});
afterAll(() => app.stop());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('authentication', () => {
  it('knows the viewer from a valid token, and makes or renames its author only when it writes', async () => {
    const token = await tokenFor(viewer('new-reader', 'AUTHOR', 'New Reader'));
    const before = await rowCounts();
    const first = await post(app, ViewerDocument, {}, bearer(token));
    expect(first.status).toBe(200);
    // A read never writes: the token's author is not stored until it writes.
    expect(first.body.data?.viewer).toBeNull();
    expect(await rowCounts()).toEqual(before);

    const posted = await post(app, PostCommentDocument, { input: { articleId: demoId, body: 'My first words here.' } }, bearer(token));
    expect(posted.body.data?.postComment.__typename).toBe('PostCommentSuccess');
    expect((await post(app, ViewerDocument, {}, bearer(token))).body.data?.viewer).toMatchObject({
      handle: 'new-reader',
      name: 'New Reader',
    });

    // Another name in a token changes nothing by reading…
    // (A moderator's token, so that the rate limit lets the second comment through at once.)
    const renamed = await tokenFor(viewer('new-reader', 'MODERATOR', 'Renamed Reader'));
    expect((await post(app, ViewerDocument, {}, bearer(renamed))).body.data?.viewer).toMatchObject({ name: 'New Reader' });
    expect((await db.reader.author.findUniqueOrThrow({ where: { handle: 'new-reader' } })).name).toBe('New Reader');
    // …and follows it on the next write.
    const again = await post(app, PostCommentDocument, { input: { articleId: demoId, body: 'Under my new name.' } }, bearer(renamed));
    expect(again.body.data?.postComment.__typename).toBe('PostCommentSuccess');
    expect(await db.reader.author.findUniqueOrThrow({ where: { handle: 'new-reader' } })).toMatchObject({
      name: 'Renamed Reader',
      role: 'MODERATOR',
    });
    expect((await post(app, ViewerDocument, {})).body.data?.viewer).toBeNull();
  });

  it('posts as the token’s author, and refuses to post without a token', async () => {
    const token = await tokenFor(viewer('http-poster', 'AUTHOR', 'Poster'));
    const ok = await post(app, PostCommentDocument, { input: { articleId: demoId, body: 'Over HTTP.' } }, bearer(token));
    expect(ok.body.data?.postComment).toMatchObject({ __typename: 'PostCommentSuccess', comment: { author: { handle: 'http-poster' } } });
    const anonymous = await post(app, PostCommentDocument, { input: { articleId: demoId, body: 'Anonymous.' } });
    expect(anonymous.body.data?.postComment).toMatchObject({ __typename: 'ForbiddenError' });
  });

  const now = () => Math.floor(Date.now() / 1000);
  const badTokens: [string, () => Promise<string>, RegExp][] = [
    ['an expired token', async () => `Bearer ${await tokenFor(viewer('late'), now() - 60)}`, /expired/],
    [
      'a token signed with another secret',
      async () =>
        `Bearer ${await new SignJWT({ name: 'X', role: 'ADMIN' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').sign(new TextEncoder().encode('another-secret-another-secret-another'))}`,
      /signature/,
    ],
    [
      'an unsigned token (alg: none)',
      async () => `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'x', name: 'X', role: 'ADMIN' })}.`,
      /HS256/,
    ],
    [
      'an unknown role',
      async () =>
        `Bearer ${await new SignJWT({ name: 'X', role: 'OWNER' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('1h').sign(testSecret)}`,
      /"role" must be one of AUTHOR, MODERATOR, ADMIN/,
    ],
    [
      'a token without a name',
      async () =>
        `Bearer ${await new SignJWT({ role: 'AUTHOR' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('1h').sign(testSecret)}`,
      /"name"/,
    ],
    [
      'a token that never expires',
      async () =>
        `Bearer ${await new SignJWT({ name: 'X', role: 'AUTHOR' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').sign(testSecret)}`,
      /no "exp" claim/,
    ],
    ['a malformed header', async () => 'Token abc', /Bearer <token>/],
    ['garbage', async () => 'Bearer not.a.jwt', /not a valid JWT/],
  ];
  it.each(badTokens)('refuses %s with 401 and a code, writing nothing', async (_name, header, message) => {
    const before = await rowCounts();
    const { status, body } = await post(
      app,
      PostCommentDocument,
      { input: { articleId: demoId, body: 'Should not land.' } },
      { authorization: await header() },
    );
    expect(status).toBe(401);
    expect(body.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'UNAUTHENTICATED' } });
    expect(body.data ?? null).toBeNull();
    expect(await rowCounts()).toEqual(before);
  });

  it('fails a bad graphql-ws operation alone, keeping the socket and its other operations', async () => {
    const client = createClient({ url: `ws://127.0.0.1:${address.port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    const run = (query: string) =>
      new Promise<unknown>((resolve) => {
        let value: unknown;
        client.subscribe({ query }, { next: (v) => (value = v), error: (e) => resolve({ error: e }), complete: () => resolve(value) });
      });
    const [broken, fine] = await Promise.all([run('{ __typename '), run('{ __typename }')]);
    expect(broken).toMatchObject({ error: [{ message: expect.stringContaining('Syntax Error') }] });
    expect(fine).toEqual({ data: { __typename: 'Query' } });
    expect(await run('{ __typename }')).toEqual({ data: { __typename: 'Query' } });
    await client.dispose();
  });

  it('checks graphql-ws credentials at connection_init', async () => {
    const connect = (authorization: string) =>
      createClient({
        url: `ws://127.0.0.1:${address.port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization },
      });
    const once = (client: ReturnType<typeof connect>) =>
      new Promise<unknown>((resolve, reject) => {
        let value: unknown;
        client.subscribe({ query: print(ViewerDocument) }, { next: (v) => (value = v), error: reject, complete: () => resolve(value) });
      });

    const wsToken = await tokenFor(viewer('ws-reader', 'AUTHOR', 'WS Reader'));
    await post(app, PostCommentDocument, { input: { articleId: demoId, body: 'Written before reading over a socket.' } }, bearer(wsToken));
    const good = connect(`Bearer ${wsToken}`);
    expect(await once(good)).toMatchObject({ data: { viewer: { handle: 'ws-reader' } } });
    await good.dispose();

    const bad = connect('Bearer not.a.jwt');
    const error = await once(bad).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 4403 });
    await bad.dispose();
  });
});

describe('request limits', () => {
  async function rejected(document: string, code: string, variables?: Record<string, unknown>) {
    const before = await rowCounts();
    let result: Awaited<ReturnType<typeof post>> | undefined;
    const statements = await statementsOf(async () => {
      result = await post(app, document, variables, bearer(await tokenFor(viewer('limits', 'MODERATOR'))));
    });
    expect(result!.body.errors?.map((e) => e.extensions?.code)).toContain(code);
    expect(result!.body.data ?? null).toBeNull();
    // Refused before execution: no resolver ran, no statement reached the database.
    expect(statements).toEqual([]);
    expect(await rowCounts()).toEqual(before);
    return result!;
  }

  it('refuses the NUL character in arguments, in variables and in literals, before any statement', async () => {
    const { body } = await rejected('query ($slug: String!) { article(slug: $slug) { id } }', 'BAD_USER_INPUT', { slug: 'a\u0000b' });
    expect(body.errors?.[0]?.message).toBe('Text contains the NUL character (U+0000).');
    await rejected(`{ article(slug: "a\\u0000b") { id } }`, 'BAD_USER_INPUT');
  });

  it('answers NUL in a mutation input with a ValidationError naming the field, writing nothing', async () => {
    const before = await rowCounts();
    const token = await tokenFor(viewer('limits', 'MODERATOR'));
    const { body } = await post(
      app,
      `mutation { postComment(input: { articleId: "${demoId}", body: "a\\u0000b" }) { __typename ... on ValidationError { field message } } }`,
      undefined,
      bearer(token),
    );
    expect(body.data).toEqual({
      postComment: { __typename: 'ValidationError', field: 'body', message: '`body` contains the NUL character (U+0000).' },
    });
    expect(await rowCounts()).toEqual(before);
  });

  it.each([
    ['an id past 32 bits', 'GPC:N:2147483648'],
    ['an id past 64 bits', 'GPC:N:99999999999999999999'],
    ['a string key', 'GPC:S:abc'],
    ['NaN', 'GPC:N:NaN'],
    ['a fraction', 'GPC:N:1.5'],
    ['a negative id', 'GPC:N:-1'],
    ['a leading zero', 'GPC:N:01'],
    ['a date key', 'GPC:D:2026-01-01T00:00:00.000Z'],
    ['a JSON key', 'GPC:J:{"id":1}'],
    ['no prefix', '12'],
  ])('refuses a forged connection cursor (%s) as bad input, writing nothing', async (_name, cursor) => {
    const after = Buffer.from(cursor).toString('base64');
    for (const query of [
      'query ($slug: String!, $after: String) { article(slug: $slug) { comments(first: 2, after: $after) { totalCount } } }',
      'query ($slug: String!, $after: String) { article(slug: $slug) { thread(after: $after) { totalCount } } }',
      'query ($after: String) { articles(first: 2, after: $after) { totalCount } }',
    ]) {
      const { status, body } = await post(app, query, { slug: demoSlug, after });
      expect(status).toBe(200);
      expect(body.errors?.[0]).toMatchObject({
        message: '"after" is not a cursor of this API: pass a page\'s startCursor or endCursor.',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
  });

  it('refuses 16 aliased mutations in one document', async () => {
    const fields = Array.from(
      { length: 16 },
      (_, i) => `m${i}: postComment(input: { articleId: "${demoId}", body: "flood ${i}" }) { __typename }`,
    );
    await rejected(`mutation { ${fields.join('\n')} }`, 'TOO_MANY_ALIASES');
  });

  it('refuses a query 12 levels deep, and lets the 8-level thread query through', async () => {
    const parents = `${'parent { '.repeat(10)}id${' }'.repeat(10)}`;
    const { body } = await rejected(
      `{ article(slug: "${demoSlug}") { comments(first: 1) { edges { node { ${parents} } } } } }`,
      'QUERY_TOO_DEEP',
    );
    expect(body.errors?.[0]?.message).toBe('The query is 12 levels deep; the limit is 8.');
    const thread = await post(app, ArticleThreadDocument, { slug: demoSlug });
    expect(thread.body.errors).toBeUndefined();
    expect(thread.body.data?.article?.thread.totalCount).toBeGreaterThan(0);
  });

  it('refuses a query over the token limit', async () => {
    const fields = Array.from({ length: 2100 }, () => '__typename').join(' ');
    await rejected(`{ ${fields} }`, 'TOO_MANY_TOKENS');
  });

  it('refuses a query over the cost limit', async () => {
    const strict = testApp({ requestLimits: { ...defaultRequestLimits, maxCost: 100 } });
    const { body } = await post(strict, ArticleThreadDocument, { slug: demoSlug });
    expect(body.errors?.[0]).toMatchObject({
      extensions: { code: 'QUERY_TOO_COSTLY' },
      message: expect.stringMatching(/costs \d+; the limit is 100/),
    });
    await strict.stop();
  });

  it('does not batch: a JSON array of operations is refused', async () => {
    const response = await app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    const body = await response.json();
    expect(body.errors?.[0]?.message).toBeTruthy();
  });

  const send = (body: string, headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: address.port,
          path: '/graphql',
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on('error', reject);
      if (headers['transfer-encoding']) {
        for (let i = 0; i < body.length; i += 16_384) req.write(body.slice(i, i + 16_384));
        req.end();
      } else req.end(body);
    });

  it('refuses a 1 MB body with 413, declared or chunked', async () => {
    const big = JSON.stringify({ query: `{ __typename } # ${'x'.repeat(1024 * 1024)}` });
    const ways: Record<string, string>[] = [{ 'content-length': String(Buffer.byteLength(big)) }, { 'transfer-encoding': 'chunked' }];
    for (const headers of ways) {
      const response = await send(big, headers);
      expect(response.status).toBe(413);
      expect(JSON.parse(response.body).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    }
  });

  it('serves a small chunked body normally', async () => {
    const response = await send(JSON.stringify({ query: '{ __typename }' }), { 'transfer-encoding': 'chunked' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ data: { __typename: 'Query' } });
  });

  it('hides field suggestions outside development', async () => {
    const typo = `{ artcle(slug: "${demoSlug}") { id } }`;
    const quiet = await post(app, typo);
    expect(quiet.body.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const dev = testApp({ development: true });
    const helpful = await post(dev, typo);
    expect(helpful.body.errors?.[0]?.message).toMatch(/Did you mean "article"/);
    await dev.stop();
  });
});

describe('what a role does not allow', () => {
  it('answers a query beyond the viewer’s role with FORBIDDEN and a message saying why, never “Unexpected error.”', async () => {
    const reader = await tokenFor(viewer('role-probe-reader'));
    const moderatorToken = await tokenFor(viewer('role-probe-moderator', 'MODERATOR'));
    const cases: [string, Record<string, string>, string][] = [
      ['{ moderationQueue(first: 1) { totalCount } }', {}, 'Sign in to do this: send a bearer token.'],
      ['{ moderationQueue(first: 1) { totalCount } }', { authorization: `Bearer ${reader}` }, 'Your role does not allow this.'],
      ['{ moderationLog(first: 1) { totalCount } }', { authorization: `Bearer ${moderatorToken}` }, 'Your role does not allow this.'],
      ['{ moderationSettings { mode } }', { authorization: `Bearer ${reader}` }, 'Your role does not allow this.'],
    ];
    for (const [document, headers, message] of cases) {
      const { status, body } = await post(app, document, undefined, headers);
      expect(status).toBe(200);
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([expect.objectContaining({ message, extensions: { code: 'FORBIDDEN' } })]);
    }
  });
});
