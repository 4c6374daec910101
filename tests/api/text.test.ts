// What text is stored, on both databases: valid Unicode, something visible, each span quoted once.
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { EditCommentDocument, LockArticleDocument, PostCommentDocument, UnlockArticleDocument } from '../../schema/generated/graphql.js';
import { db, demoSlug, globalId, post, rowCounts, testApp, tokenFor, viewer } from '../helpers.js';

let app: App;
let demoId: string;
let sourceId: string;
let counter = 0;

/** A fresh author each time, so that the rate limit never answers instead. */
const author = async () => ({ authorization: `Bearer ${await tokenFor(viewer(`text-${++counter}`, 'AUTHOR', `Writer ${counter}`))}` });
const moderator = async () => ({ authorization: `Bearer ${await tokenFor(viewer('text-moderator', 'MODERATOR', 'Moderator'))}` });

async function postComment(input: Record<string, unknown>, headers?: Record<string, string>) {
  const { status, body } = await post(
    app,
    PostCommentDocument,
    { input: { articleId: demoId, ...input } as never },
    headers ?? (await author()),
  );
  expect(status).toBe(200);
  return body.data!.postComment as { __typename: string; field?: string; message: string; comment?: { id: string; body: string } };
}

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  const article = await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } });
  demoId = globalId('Article', article.id);
  const source = await db.reader.comment.findFirstOrThrow({ where: { articleId: article.id, number: 2 } });
  sourceId = globalId('Comment', source.id);
  app = testApp();
});

describe('lone surrogates', () => {
  it('in a query’s variables or literals are BAD_USER_INPUT, before any statement', async () => {
    for (const slug of ['\uD800', 'abc\uDC00', '\uDBFF\uDBFF']) {
      const { body } = await post(app, 'query ($slug: String!) { article(slug: $slug) { id } }', { slug });
      expect(body.errors?.[0]).toMatchObject({
        extensions: { code: 'BAD_USER_INPUT' },
        message: expect.stringContaining('unpaired UTF-16 surrogate'),
      });
      expect(body.data ?? null).toBeNull();
    }
    // A literal's escape is refused by the parser itself.
    const literal = await post(app, '{ article(slug: "\\uD800") { id } }');
    expect(literal.body.errors?.[0]?.message).toMatch(/Invalid Unicode escape sequence/);
  });

  it('in a mutation’s input are a ValidationError naming the field, and nothing is stored', async () => {
    const before = await rowCounts();
    expect(await postComment({ body: 'Fine words \uD83D then a broken pair.' })).toMatchObject({
      __typename: 'ValidationError',
      field: 'body',
    });
    expect(await postComment({ body: '\uD800'.repeat(5000) })).toMatchObject({ __typename: 'ValidationError', field: 'body' });
    expect(await postComment({ body: 'A fine body.', idempotencyKey: 'key-\uDFFF' })).toMatchObject({
      __typename: 'ValidationError',
      field: 'idempotencyKey',
    });
    expect(await postComment({ body: 'A fine body.', quotes: [{ commentId: `${sourceId}\uD800`, start: 0, end: 4 }] })).toMatchObject({
      __typename: 'ValidationError',
      field: 'quotes.0.commentId',
    });
    const admin = { authorization: `Bearer ${await tokenFor(viewer('text-admin', 'ADMIN', 'Admin'))}` };
    const article = await post(
      app,
      'mutation ($input: CreateArticleInput!) { createArticle(input: $input) { __typename ... on ValidationError { field } } }',
      { input: { title: 'Broken \uD800 title', body: 'Body.' } },
      admin,
    );
    expect(article.body.data).toEqual({ createArticle: { __typename: 'ValidationError', field: 'title' } });
    const tag = await post(
      app,
      'mutation ($input: CreateTagInput!) { createTag(input: $input) { __typename ... on ValidationError { field } } }',
      { input: { name: '\uDC00' } },
      admin,
    );
    expect(tag.body.data).toEqual({ createTag: { __typename: 'ValidationError', field: 'name' } });
    expect(await rowCounts()).toEqual(before);
  });

  it('are not confused with real pairs: emoji, scripts and marks are stored and read back exactly', async () => {
    const text = 'Ride on 🚲👩🏽‍🔧 — naïve café, 王小明, مرحبا، e\u0301, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢.';
    const posted = await postComment({ body: text });
    expect(posted).toMatchObject({ __typename: 'PostCommentSuccess', comment: { body: text } });
    const stored = await db.reader.comment.findUniqueOrThrow({
      where: { id: Number(Buffer.from(posted.comment!.id, 'base64').toString().split(':')[1]) },
    });
    expect(stored.body).toBe(text);
  });
});

describe('a body', () => {
  it.each([
    ['zero-width spaces', '\u200B\u200B\u200B'],
    ['a right-to-left override', '\u202E'],
    ['spaces around an invisible character', '  \u2060  '],
    ['a Hangul filler', '\u3164'],
    ['a blank Braille pattern', '\u2800\u2800'],
    ['a lone combining mark', '\u0301'],
    ['variation selectors', '\uFE0F\uFE0F'],
  ])('must hold a visible character: %s is refused, writing nothing', async (_what, body) => {
    const before = await rowCounts();
    expect(await postComment({ body })).toMatchObject({
      __typename: 'ValidationError',
      field: 'body',
      message: expect.stringMatching(/empty|no visible character/),
    });
    expect(await rowCounts()).toEqual(before);
  });

  it('may hold invisible characters beside visible ones', async () => {
    expect(await postComment({ body: 'word\u200Bjoin and \u202Bembedded\u202C text' })).toMatchObject({ __typename: 'PostCommentSuccess' });
  });
});

describe('quotes', () => {
  it('quote an identical span once per comment', async () => {
    const before = await rowCounts();
    const span = { commentId: sourceId, start: 0, end: 10 };
    expect(await postComment({ body: 'Twice the same.', quotes: [span, { ...span }] })).toMatchObject({
      __typename: 'ValidationError',
      field: 'quotes.1',
      message: expect.stringContaining('quotes.0'),
    });
    expect(await rowCounts()).toEqual(before);
    // Two different spans of one source are two quotes; the comment quotes it once in quotedBy.
    const posted = await postComment({ body: 'Two spans.', quotes: [span, { commentId: sourceId, start: 11, end: 20 }] });
    expect(posted.__typename).toBe('PostCommentSuccess');
    const { body } = await post(app, `{ node(id: "${sourceId}") { ... on Comment { quotedBy(first: 100) { edges { node { id } } } } } }`);
    const ids = (body.data as { node: { quotedBy: { edges: { node: { id: string } }[] } } }).node.quotedBy.edges.map(
      (edge) => edge.node.id,
    );
    expect(ids.filter((id) => id === posted.comment!.id)).toHaveLength(1);
  });
});

describe('IDs in mutation inputs', () => {
  it.each([
    ['a decimal', 'Article:1.0'],
    ['hexadecimal', 'Article:0x1'],
    ['a leading space', 'Article: 1'],
    ['an exponent', 'Article:1e0'],
    ['a leading zero', 'Article:01'],
  ])('have one spelling: %s is a ValidationError, as node() refuses it', async (_what, text) => {
    const articleId = Buffer.from(text).toString('base64');
    expect(await postComment({ articleId, body: 'Which article?' })).toMatchObject({ __typename: 'ValidationError', field: 'articleId' });
    const { body } = await post(app, `{ node(id: "${articleId}") { id } }`);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('a locked thread', () => {
  it('takes no new words: no comments and no edits; deleting stays open', async () => {
    const headers = await author();
    const written = await postComment({ body: 'Written before the lock.' }, headers);
    expect(written.__typename).toBe('PostCommentSuccess');
    const locked = await post(app, LockArticleDocument, { input: { articleId: demoId } }, await moderator());
    expect(locked.body.data?.lockArticle).toMatchObject({ article: { commentsLocked: true } });
    try {
      const before = await rowCounts();
      const edit = await post(
        app,
        EditCommentDocument,
        { input: { commentId: written.comment!.id, body: 'Changed after the lock.' } },
        headers,
      );
      expect(edit.body.data?.editComment).toMatchObject({ __typename: 'ThreadLockedError' });
      expect(await postComment({ body: 'After the lock.' })).toMatchObject({ __typename: 'ThreadLockedError' });
      expect(await rowCounts()).toEqual(before);
      const removed = await post(
        app,
        'mutation ($id: ID!) { deleteComment(input: { commentId: $id }) { __typename } }',
        { id: written.comment!.id },
        headers,
      );
      expect(removed.body.data).toEqual({ deleteComment: { __typename: 'DeleteCommentSuccess' } });
    } finally {
      await post(app, UnlockArticleDocument, { input: { articleId: demoId } }, await moderator());
    }
  });
});
