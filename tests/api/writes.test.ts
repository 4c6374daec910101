import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultWriteLimits } from '../../src/config.js';
import { loadThread } from '../../src/importers/load.js';
import { parseTextThread } from '../../src/importers/text.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import {
  CommentByNumberDocument,
  CreateArticleDocument,
  CreateTagDocument,
  DeleteCommentDocument,
  EditCommentDocument,
  HideCommentDocument,
  LockArticleDocument,
  PostCommentDocument,
  type PostCommentMutation,
  ReadCommentDocument,
  RestoreCommentDocument,
  TagArticleDocument,
  UnlockArticleDocument,
  UntagArticleDocument,
  UpdateArticleDocument,
  UpdateTagDocument,
} from '../../schema/generated/graphql.js';
import { ferrySlug, readFerryThread } from '../fixtures/threads.js';
import { db, demoSlug, expectInertHtml, globalId, query, rowCounts, run, testDatabase, viewer } from '../helpers.js';

const moderator = viewer('mod-mia', 'MODERATOR', 'Mia Moderator');
const admin = viewer('admin-ada', 'ADMIN', 'Ada Admin');
/** The demo thread takes the comments; the ferry thread is another article. */
let demoId: string;
let ferryId: string;
/** A comment of the demo thread longer than the longest quote allowed. */
let longCommentId: string;
let authorCount = 0;
/** A fresh author each time, so the per-author rate limits of one test do not reach another. */
const someone = (name = 'Reader') => viewer(`reader-${++authorCount}`, 'AUTHOR', `${name} ${authorCount}`);

const commentId = async (slug: string, number: number) =>
  globalId('Comment', (await db.reader.comment.findFirstOrThrow({ where: { article: { slug }, number } })).id);

async function post(who: ReturnType<typeof viewer> | null, input: Record<string, unknown>) {
  const result = await run(PostCommentDocument, { input: { articleId: demoId, ...input } as never }, { viewer: who });
  if (result.errors?.length) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.data!.postComment;
}

function posted(payload: PostCommentMutation['postComment']) {
  if (payload.__typename !== 'PostCommentSuccess')
    throw new Error(`expected a comment, got ${payload.__typename}: ${'message' in payload ? payload.message : ''}`);
  return payload.comment;
}

/** Runs `action` and checks that it changed no row anywhere. */
async function unchanged<T>(action: () => Promise<T>): Promise<T> {
  const before = await rowCounts();
  const articles = await db.reader.article.findMany({ select: { id: true, lastCommentNumber: true, commentsLocked: true } });
  const result = await action();
  expect(await rowCounts()).toEqual(before);
  expect(await db.reader.article.findMany({ select: { id: true, lastCommentNumber: true, commentsLocked: true } })).toEqual(articles);
  return result;
}

const bodyLength = async (slug: string, number: number) =>
  (await db.reader.comment.findFirstOrThrow({ where: { article: { slug }, number } })).body.length;

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  await loadThread(db, parseTextThread(readFerryThread()));
  demoId = globalId('Article', (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id);
  ferryId = globalId('Article', (await db.reader.article.findUniqueOrThrow({ where: { slug: ferrySlug } })).id);
  longCommentId = posted(await post(moderator, { body: 'Spokes first, then the rim, then the hub. '.repeat(30).trim() })).id;
});

describe('postComment', () => {
  it('posts a top-level comment with the next number, creating its author from the token', async () => {
    const who = someone('First');
    const comment = posted(await post(who, { body: '  A new thought on an old thread.  ' }));
    // The demo thread has 34 comments, and 35 is the long one posted before all tests.
    expect(comment).toMatchObject({ number: 36, depth: 0, parent: null, body: 'A new thought on an old thread.' });
    expect(comment.author).toEqual({ handle: who.handle, name: who.name });
    expect(await db.reader.author.findUnique({ where: { handle: who.handle } })).toMatchObject({ name: who.name, role: 'AUTHOR' });
  });

  it('replies, quotes an exact span, and links @handle mentions of known authors', async () => {
    const replyToId = await commentId(demoSlug, 7);
    const source = await db.reader.comment.findFirstOrThrow({ where: { article: { slug: demoSlug }, number: 7 } });
    const comment = posted(
      await post(someone(), {
        body: 'Agreed with @ruth-okonjo-hale and @old-spokes, not with @nobody-here.',
        replyToId,
        quotes: [{ commentId: replyToId, start: 0, end: 38 }],
      }),
    );
    expect(comment.parent).toMatchObject({ id: replyToId, number: 7 });
    expect(comment.depth).toBe(1);
    expect(comment.quotes).toEqual([
      {
        text: source.body.slice(0, 38),
        start: 0,
        end: 38,
        sourceChanged: false,
        quotedComment: { id: replyToId, number: 7, isDeleted: false },
      },
    ]);
    // Imported authors are mentioned by their key: `@ruth-okonjo-hale` names `import:text:ruth-okonjo-hale`.
    expect(comment.mentions.map((m) => m.handle)).toEqual(['import:text:ruth-okonjo-hale', 'import:text:old-spokes']);
    expect(comment.bodyHtml).toContain(`<blockquote class="quote quote-snapshot" cite="#comment-7"><p>${source.body.slice(0, 38)}</p>`);
    const row = await db.reader.comment.findUniqueOrThrow({
      where: { id: Number(Buffer.from(comment.id, 'base64').toString().split(':')[1]) },
    });
    expect(row.path).toBe(`${source.path}${String(row.number).padStart(8, '0')}/`);
  });

  it('counts length in code points, not UTF-16 units or bytes', async () => {
    const emoji = '🧵'.repeat(5000);
    expect(posted(await post(someone(), { body: emoji })).body).toBe(emoji);
    const tooLong = await unchanged(() => post(someone(), { body: `${emoji}🧵` }));
    expect(tooLong).toMatchObject({ __typename: 'ValidationError', field: 'body', code: 'VALIDATION_FAILED' });
    expect((tooLong as { message: string }).message).toContain('5001 characters long; the limit is 5000');
  });

  it('keeps newlines and tabs', async () => {
    expect(posted(await post(someone(), { body: 'line one\n\tline two' })).body).toBe('line one\n\tline two');
  });

  const bad: [string, () => Promise<Record<string, unknown>>, Record<string, unknown>][] = [
    ['an empty body', async () => ({ body: '' }), { __typename: 'ValidationError', field: 'body' }],
    ['a whitespace-only body', async () => ({ body: ' \n\t ' }), { __typename: 'ValidationError', field: 'body' }],
    [
      'a NUL character',
      async () => ({ body: 'nul\u0000here' }),
      { __typename: 'ValidationError', field: 'body', message: expect.stringContaining('U+0000') },
    ],
    ['an escape character', async () => ({ body: 'bell\u001b[31m' }), { __typename: 'ValidationError', field: 'body' }],
    ['a C1 control character', async () => ({ body: 'c1\u0085' }), { __typename: 'ValidationError', field: 'body' }],
    [
      'a reply to a comment of another article',
      async () => ({ body: 'x y', replyToId: await commentId(ferrySlug, 1) }),
      { __typename: 'ValidationError', field: 'replyToId' },
    ],
    [
      'a reply to a missing comment',
      async () => ({ body: 'x y', replyToId: globalId('Comment', 987654) }),
      { __typename: 'NotFoundError' },
    ],
    [
      'a reply to a malformed id',
      async () => ({ body: 'x y', replyToId: 'not-an-id' }),
      { __typename: 'ValidationError', field: 'replyToId' },
    ],
    [
      'a reply to the id of an article',
      async () => ({ body: 'x y', replyToId: demoId }),
      { __typename: 'ValidationError', field: 'replyToId' },
    ],
    [
      'a quote that cuts an emoji in two',
      async () => ({
        body: 'x y',
        quotes: [
          {
            commentId: globalId('Comment', (await db.reader.comment.findFirstOrThrow({ where: { body: { startsWith: '🧵🧵' } } })).id),
            start: 0,
            end: 3,
          },
        ],
      }),
      { __typename: 'ValidationError', field: 'quotes.0' },
    ],
    [
      'a comment on a missing article',
      async () => ({ body: 'x y', articleId: globalId('Article', 987654) }),
      { __typename: 'NotFoundError' },
    ],
    [
      'a quote with start = end',
      async () => ({ body: 'x y', quotes: [{ commentId: await commentId(demoSlug, 3), start: 5, end: 5 }] }),
      { __typename: 'ValidationError', field: 'quotes.0.end' },
    ],
    [
      'a quote with start > end',
      async () => ({ body: 'x y', quotes: [{ commentId: await commentId(demoSlug, 3), start: 9, end: 5 }] }),
      { __typename: 'ValidationError', field: 'quotes.0.end' },
    ],
    [
      'a quote with a negative start',
      async () => ({ body: 'x y', quotes: [{ commentId: await commentId(demoSlug, 3), start: -1, end: 5 }] }),
      { __typename: 'ValidationError', field: 'quotes.0.start' },
    ],
    [
      'a quote ending past its source',
      async () => ({
        body: 'x y',
        quotes: [{ commentId: await commentId(demoSlug, 3), start: 0, end: (await bodyLength(demoSlug, 3)) + 1 }],
      }),
      { __typename: 'ValidationError', field: 'quotes.0.end' },
    ],
    // Every existing comment is earlier than a new one; a later comment is one that does not exist yet.
    [
      'a quote of a later comment',
      async () => ({
        body: 'x y',
        quotes: [
          { commentId: globalId('Comment', (await db.reader.comment.aggregate({ _max: { id: true } }))._max.id! + 1), start: 0, end: 1 },
        ],
      }),
      { __typename: 'NotFoundError' },
    ],
    [
      'a quote of another article',
      async () => ({ body: 'x y', quotes: [{ commentId: await commentId(ferrySlug, 2), start: 0, end: 4 }] }),
      { __typename: 'ValidationError', field: 'quotes.0.commentId' },
    ],
    [
      'eleven quotes',
      async () => ({ body: 'x y', quotes: Array.from({ length: 11 }, () => ({ commentId: globalId('Comment', 1), start: 0, end: 1 })) }),
      { __typename: 'ValidationError', field: 'quotes' },
    ],
    [
      'a quote over 1,000 characters',
      async () => ({ body: 'x y', quotes: [{ commentId: longCommentId, start: 0, end: 1001 }] }),
      { __typename: 'ValidationError', field: 'quotes.0', message: expect.stringContaining('at most 1000 characters') },
    ],
    [
      'an idempotency key of 256 characters',
      async () => ({ body: 'x y', idempotencyKey: 'k'.repeat(256) }),
      { __typename: 'ValidationError', field: 'idempotencyKey' },
    ],
    [
      'an empty idempotency key',
      async () => ({ body: 'x y', idempotencyKey: '' }),
      { __typename: 'ValidationError', field: 'idempotencyKey' },
    ],
  ];
  it.each(bad)('refuses %s with a typed error and writes nothing', async (_name, input, expected) => {
    const payload = await unchanged(async () => post(someone(), await input()));
    expect(payload).toMatchObject(expected);
  });

  it('refuses a reply to a deleted comment', async () => {
    const gone = posted(await post(moderator, { body: 'Soon to be deleted.' }));
    await query(DeleteCommentDocument, { input: { commentId: gone.id } }, { viewer: moderator });
    expect(await unchanged(() => post(someone(), { body: 'Replying to a ghost', replyToId: gone.id }))).toMatchObject({
      __typename: 'ValidationError',
      field: 'replyToId',
      message: 'The comment to reply to was removed.',
    });
  });

  it('refuses anonymous writers: the API is read-only without a token', async () => {
    expect(await unchanged(() => post(null, { body: 'anonymous' }))).toMatchObject({
      __typename: 'ForbiddenError',
      code: 'FORBIDDEN',
      message: expect.stringContaining('Sign in'),
    });
  });

  it('numbers concurrent comments without gaps or repeats', async () => {
    const before = (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).lastCommentNumber;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => post(someone(), { body: `Concurrent comment ${i}` })));
    const numbers = results.map((payload) => posted(payload).number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => before + i + 1));
  });
});

describe('idempotency keys', () => {
  it('return the same comment for the same key and input, and write one row', async () => {
    const who = someone();
    const input = { body: 'Posted once, whatever the network does.', idempotencyKey: 'retry-1' };
    const first = posted(await post(who, input));
    const again = await unchanged(() => post(who, input));
    expect(posted(again).id).toBe(first.id);
  });

  it('hold when two requests with the same key race', async () => {
    const who = someone();
    const input = { body: 'Two taps on the button.', idempotencyKey: 'race-1' };
    const before = await db.reader.comment.count();
    const [a, b] = await Promise.all([post(who, input), post(who, input)]);
    expect(posted(a).id).toBe(posted(b).id);
    expect(await db.reader.comment.count()).toBe(before + 1);
  });

  it('refuse the same key with other input', async () => {
    const who = someone();
    posted(await post(who, { body: 'First body', idempotencyKey: 'reused' }));
    await db.reader.comment.updateMany({ where: { author: { handle: who.handle } }, data: { createdAt: new Date(Date.now() - 60_000) } });
    expect(await unchanged(() => post(who, { body: 'Another body', idempotencyKey: 'reused' }))).toMatchObject({
      __typename: 'IdempotencyKeyReusedError',
    });
  });

  it('are honoured for 24 hours, after which the key is free again', async () => {
    const who = someone();
    const first = posted(await post(who, { body: 'Yesterday', idempotencyKey: 'daily' }));
    await db.reader.idempotencyKey.updateMany({ where: { key: 'daily' }, data: { createdAt: new Date(Date.now() - 25 * 3600_000) } });
    await db.reader.comment.updateMany({
      where: { author: { handle: who.handle } },
      data: { createdAt: new Date(Date.now() - 25 * 3600_000) },
    });
    const second = posted(await post(who, { body: 'Today', idempotencyKey: 'daily' }));
    expect(second.id).not.toBe(first.id);
    expect(await db.reader.idempotencyKey.count({ where: { key: 'daily' } })).toBe(1);
  });

  it('belong to one author: another author may use the same key', async () => {
    const a = posted(await post(someone(), { body: 'Mine', idempotencyKey: 'shared-key' }));
    const b = posted(await post(someone(), { body: 'Mine', idempotencyKey: 'shared-key' }));
    expect(a.id).not.toBe(b.id);
  });
});

describe('duplicates and floods', () => {
  it('refuses the same body under the same parent within ten minutes', async () => {
    const who = viewer('dup-dan', 'MODERATOR');
    posted(await post(who, { body: 'Same words twice.' }));
    expect(await unchanged(() => post(who, { body: 'Same words twice.' }))).toMatchObject({ __typename: 'DuplicateCommentError' });
    // Elsewhere in the thread the same words are a new comment.
    posted(await post(who, { body: 'Same words twice.', replyToId: await commentId(demoSlug, 3) }));
  });

  it('allows one comment per 3 seconds and says how long to wait', async () => {
    const who = someone();
    posted(await post(who, { body: 'Quick one.' }));
    const payload = await unchanged(() => post(who, { body: 'Quick two.' }));
    expect(payload).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    expect((payload as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((payload as { retryAfterSeconds: number }).retryAfterSeconds).toBeLessThanOrEqual(3);
  });

  it('allows ten comments per five minutes', async () => {
    const who = someone();
    for (let i = 0; i < 10; i++) {
      posted(await post(who, { body: `Comment ${i} of a busy morning.` }));
      // Spread them over the last four minutes, as if posted at a human pace.
      await db.reader.comment.updateMany({
        where: { author: { handle: who.handle }, body: `Comment ${i} of a busy morning.` },
        data: { createdAt: new Date(Date.now() - (240 - i * 20) * 1000) },
      });
    }
    const payload = await unchanged(() => post(who, { body: 'One too many.' }));
    expect(payload).toMatchObject({ __typename: 'RateLimitedError' });
    // The oldest of the ten leaves the window in about a minute.
    expect((payload as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(50);
    expect((payload as { retryAfterSeconds: number }).retryAfterSeconds).toBeLessThanOrEqual(61);
  });

  it('with no minimum interval, takes an author’s concurrent comments, whichever commits first', async () => {
    const who = someone();
    const limits = { ...defaultWriteLimits, minIntervalSeconds: 0, windowMax: 100 };
    const payloads = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        run(PostCommentDocument, { input: { articleId: demoId, body: `At once, ${i}.` } }, { viewer: who, writeLimits: limits }),
      ),
    );
    for (const result of payloads) posted(result.data!.postComment);
  });

  it('exempts moderators', async () => {
    for (let i = 0; i < 3; i++) posted(await post(moderator, { body: `Moderator note ${i}` }));
  });
});

describe('editComment', () => {
  it('lets the author edit within the window, keeping the old body as a revision', async () => {
    const who = someone();
    const comment = posted(await post(who, { body: 'Frist!' }));
    const quoter = posted(await post(moderator, { body: 'Quoting that.', quotes: [{ commentId: comment.id, start: 0, end: 5 }] }));
    const result = await query(EditCommentDocument, { input: { commentId: comment.id, body: 'First, I mean.' } }, { viewer: who });
    if (result.editComment.__typename !== 'EditCommentSuccess') throw new Error(result.editComment.__typename);
    const edited = result.editComment.comment;
    expect(edited.body).toBe('First, I mean.');
    const { article } = await query(CommentByNumberDocument, { slug: demoSlug, number: comment.number });
    const { createdAt, editableUntil } = article!.comment!;
    expect(new Date(editableUntil!).getTime() - new Date(createdAt).getTime()).toBe(15 * 60_000);
    expect(edited.editedAt).not.toBeNull();
    expect(edited.revisions).toEqual({ totalCount: 1, edges: [{ node: { body: 'Frist!', createdAt: expect.any(String) } }] });
    const { node } = await query(ReadCommentDocument, { id: quoter.id });
    expect(node).toMatchObject({ quotes: [{ text: 'Frist', sourceChanged: true }] });
  });

  it('refuses editing someone else’s comment, after the window, a deleted comment, and an empty body', async () => {
    const who = someone();
    const comment = posted(await post(who, { body: 'Editable for a while.' }));
    const edit = (as: ReturnType<typeof viewer>, body = 'Changed.') =>
      unchanged(() => query(EditCommentDocument, { input: { commentId: comment.id, body } }, { viewer: as }));

    expect((await edit(someone())).editComment).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await edit(who, '   ')).editComment).toMatchObject({ __typename: 'ValidationError', field: 'body' });

    await db.reader.comment.updateMany({
      where: { author: { handle: who.handle } },
      data: { createdAt: new Date(Date.now() - 16 * 60_000) },
    });
    expect((await edit(who)).editComment).toMatchObject({ __typename: 'ForbiddenError', message: expect.stringContaining('15 minutes') });

    await query(DeleteCommentDocument, { input: { commentId: comment.id } }, { viewer: who });
    expect((await edit(who)).editComment).toMatchObject({ __typename: 'NotFoundError' });
  });
});

describe('deleteComment', () => {
  it('leaves a tombstone that keeps its number, place and replies, and the quotes of it', async () => {
    const who = someone();
    const comment = posted(await post(who, { body: 'Soon gone, says @dana-k.' }));
    await query(EditCommentDocument, { input: { commentId: comment.id, body: 'Soon gone, says @dana-k!' } }, { viewer: who });
    const reply = posted(
      await post(moderator, { body: 'A reply that stays.', replyToId: comment.id, quotes: [{ commentId: comment.id, start: 0, end: 9 }] }),
    );

    const result = await query(DeleteCommentDocument, { input: { commentId: comment.id } }, { viewer: who });
    if (result.deleteComment.__typename !== 'DeleteCommentSuccess') throw new Error(result.deleteComment.__typename);
    expect(result.deleteComment.comment).toMatchObject({
      number: comment.number,
      isDeleted: true,
      body: '',
      bodyHtml: '',
      mentions: [],
      revisions: { totalCount: 0, edges: [] },
    });
    const { node } = await query(ReadCommentDocument, { id: reply.id });
    expect(node).toMatchObject({
      parent: { id: comment.id },
      quotes: [{ text: 'Soon gone', sourceChanged: true, quotedComment: { id: comment.id, isDeleted: true } }],
    });
  });

  it('refuses deleting twice and deleting someone else’s comment; moderators may delete any', async () => {
    const who = someone();
    const comment = posted(await post(who, { body: 'To be deleted.' }));
    const del = (as: ReturnType<typeof viewer>) =>
      unchanged(() => query(DeleteCommentDocument, { input: { commentId: comment.id } }, { viewer: as }));
    expect((await del(someone())).deleteComment).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await query(DeleteCommentDocument, { input: { commentId: comment.id } }, { viewer: moderator })).deleteComment.__typename).toBe(
      'DeleteCommentSuccess',
    );
    expect((await del(who)).deleteComment).toMatchObject({
      __typename: 'NotFoundError',
      message: expect.stringContaining('already deleted'),
    });
  });
});

describe('moderation', () => {
  it('hides a comment from everyone but moderators, and restores it', async () => {
    const comment = posted(await post(someone(), { body: 'Borderline remark.' }));
    expect(
      (await unchanged(() => query(HideCommentDocument, { input: { commentId: comment.id } }, { viewer: someone() }))).hideComment,
    ).toMatchObject({
      __typename: 'ForbiddenError',
    });

    const hidden = await query(HideCommentDocument, { input: { commentId: comment.id } }, { viewer: moderator });
    expect(hidden.hideComment).toMatchObject({ __typename: 'HideCommentSuccess', comment: { isHidden: true, body: 'Borderline remark.' } });
    expect((await query(ReadCommentDocument, { id: comment.id })).node).toMatchObject({
      isDeleted: true,
      isHidden: false,
      body: '',
      bodyHtml: '',
    });
    expect((await query(ReadCommentDocument, { id: comment.id }, { viewer: moderator })).node).toMatchObject({
      isHidden: true,
      body: 'Borderline remark.',
    });

    await query(RestoreCommentDocument, { input: { commentId: comment.id } }, { viewer: moderator });
    expect((await query(ReadCommentDocument, { id: comment.id })).node).toMatchObject({ isDeleted: false, body: 'Borderline remark.' });
  });

  it('locks and unlocks an article: posting to a locked article is refused', async () => {
    expect(
      (await unchanged(() => query(LockArticleDocument, { input: { articleId: ferryId } }, { viewer: someone() }))).lockArticle,
    ).toMatchObject({
      __typename: 'ForbiddenError',
    });
    expect((await query(LockArticleDocument, { input: { articleId: ferryId } }, { viewer: moderator })).lockArticle).toMatchObject({
      article: { commentsLocked: true },
    });
    const locked = await unchanged(() =>
      run(PostCommentDocument, { input: { articleId: ferryId, body: 'Too late?' } }, { viewer: someone() }),
    );
    expect(locked.data?.postComment).toMatchObject({ __typename: 'ThreadLockedError', code: 'THREAD_LOCKED' });
    await query(UnlockArticleDocument, { input: { articleId: ferryId } }, { viewer: moderator });
    const open = await run(PostCommentDocument, { input: { articleId: ferryId, body: 'Open again.' } }, { viewer: someone() });
    expect(open.data?.postComment.__typename).toBe('PostCommentSuccess');
  });
});

describe('administration', () => {
  it('lets admins create and update articles and tags, and tag and untag articles', async () => {
    const tag = await query(CreateTagDocument, { input: { name: 'Bike Maintenance' } }, { viewer: admin });
    if (tag.createTag.__typename !== 'CreateTagSuccess') throw new Error(tag.createTag.__typename);
    expect(tag.createTag.tag).toMatchObject({ slug: 'bike-maintenance', name: 'Bike Maintenance' });
    const tagId = tag.createTag.tag.id;

    const created = await query(
      CreateArticleDocument,
      { input: { title: 'Truing a Wheel at Home', body: 'Spokes first.', tagIds: [tagId] } },
      { viewer: admin },
    );
    if (created.createArticle.__typename !== 'CreateArticleSuccess') throw new Error(created.createArticle.__typename);
    expect(created.createArticle.article).toMatchObject({
      slug: 'truing-a-wheel-at-home',
      author: { handle: 'admin-ada' },
      tags: [{ slug: 'bike-maintenance' }],
    });
    const articleId = created.createArticle.article.id;

    const updated = await query(
      UpdateArticleDocument,
      { input: { articleId, title: 'Truing a Wheel', publishedAt: '2026-11-01T10:00:00.000Z' } },
      { viewer: admin },
    );
    expect(updated.updateArticle).toMatchObject({
      article: { title: 'Truing a Wheel', body: 'Spokes first.', publishedAt: '2026-11-01T10:00:00.000Z' },
    });
    expect((await query(UpdateTagDocument, { input: { tagId, name: 'Maintenance' } }, { viewer: admin })).updateTag).toMatchObject({
      tag: { slug: 'bike-maintenance', name: 'Maintenance' },
    });
    expect((await query(UntagArticleDocument, { input: { articleId, tagId } }, { viewer: admin })).untagArticle).toMatchObject({
      article: { tags: [] },
    });
    expect((await query(TagArticleDocument, { input: { articleId, tagId } }, { viewer: admin })).tagArticle).toMatchObject({
      article: { tags: [{ slug: 'bike-maintenance' }] },
    });
  });

  it('refuses non-admins and bad input with typed errors, writing nothing', async () => {
    const asModerator = await unchanged(() => query(CreateTagDocument, { input: { name: 'Nope' } }, { viewer: moderator }));
    expect(asModerator.createTag).toMatchObject({ __typename: 'ForbiddenError', message: 'Your role does not allow this.' });
    const duplicate = await unchanged(() =>
      query(CreateArticleDocument, { input: { title: 'x', body: 'y', slug: demoSlug } }, { viewer: admin }),
    );
    expect(duplicate.createArticle).toMatchObject({ __typename: 'ValidationError', field: 'slug' });
    const badSlug = await unchanged(() => query(CreateTagDocument, { input: { name: 'x', slug: 'Not A Slug' } }, { viewer: admin }));
    expect(badSlug.createTag).toMatchObject({ __typename: 'ValidationError', field: 'slug' });
    const missing = await unchanged(() =>
      query(TagArticleDocument, { input: { articleId: demoId, tagId: globalId('Tag', 99999) } }, { viewer: admin }),
    );
    expect(missing.tagArticle).toMatchObject({ __typename: 'NotFoundError' });
  });
});

describe('what readers see', () => {
  it('never sees a write that has not committed', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const before = await db.reader.tag.count();
    const writing = db.writeTransaction(async (tx) => {
      await tx.tag.create({ data: { slug: 'uncommitted', name: 'Uncommitted' } });
      await held;
      throw new Error('roll back');
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await db.reader.tag.count()).toBe(before);
    release();
    await expect(writing).rejects.toThrow('roll back');
    expect(await db.reader.tag.count()).toBe(before);
  });

  it('answers a mutation whose client selects only __typename', async () => {
    const result = await run(
      parse(
        `mutation { postComment(input: { articleId: "${demoId}", body: "Only the type, please." }) { __typename } }`,
      ) as typeof PostCommentDocument,
      undefined,
      { viewer: moderator },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.postComment.__typename).toBe('PostCommentSuccess');
  });

  it('gives typed errors for malformed IDs on every comment mutation', async () => {
    const documents = [DeleteCommentDocument, HideCommentDocument, RestoreCommentDocument] as TypedDocumentNode<
      Record<string, unknown>,
      { input: { commentId: string } }
    >[];
    for (const document of documents) {
      const result = await unchanged(() => run(document, { input: { commentId: 'nope' } }, { viewer: moderator }));
      expect(result.errors).toBeUndefined();
      expect(Object.values(result.data!)[0]).toMatchObject({ __typename: 'ValidationError', field: 'commentId' });
    }
    const locked = await unchanged(() => run(LockArticleDocument, { input: { articleId: globalId('Comment', 1) } }, { viewer: moderator }));
    expect(locked.data?.lockArticle).toMatchObject({ __typename: 'ValidationError', field: 'articleId' });
  });

  it('shows quotes of a hidden comment with their text removed, to all but moderators', async () => {
    const source = posted(await post(someone(), { body: 'My phone number is 555 0100, call me.' }));
    const quoter = posted(await post(moderator, { body: 'Quoting.', quotes: [{ commentId: source.id, start: 0, end: 27 }] }));
    await query(HideCommentDocument, { input: { commentId: source.id } }, { viewer: moderator });
    expect((await query(ReadCommentDocument, { id: quoter.id })).node).toMatchObject({
      quotes: [{ text: '', quotedComment: { isDeleted: true } }],
    });
    expect((await query(ReadCommentDocument, { id: quoter.id })).node?.bodyHtml).not.toContain('555');
    expect((await query(ReadCommentDocument, { id: quoter.id }, { viewer: moderator })).node).toMatchObject({
      quotes: [{ text: 'My phone number is 555 0100' }],
    });
    // A hidden quoting comment shows no quotes at all.
    await query(HideCommentDocument, { input: { commentId: quoter.id } }, { viewer: moderator });
    expect((await query(ReadCommentDocument, { id: quoter.id })).node).toMatchObject({ quotes: [], body: '' });
  });
});

describe('content security', () => {
  const payloads = [
    '<script>alert(document.cookie)</script>',
    '<img src=x onerror=alert(1)>',
    '<svg/onload=alert(1)>',
    '<a href="javascript:alert(1)">click me</a>',
    'javascript:alert(1)',
    '<iframe src=javascript:alert(1)>',
    '"><script>alert(1)</script>',
    '<body onload=alert(1)>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    'https://example.org/"onmouseover="alert(1)',
    '[click](javascript:alert(1))',
  ];
  it.each(payloads)('posted as a body, renders as inert text: %s', async (payload) => {
    const comment = posted(await post(moderator, { body: `Look: ${payload}` }));
    expect(comment.body).toBe(`Look: ${payload}`);
    expectInertHtml(comment.bodyHtml);
  });
});

describe('one transaction per mutation', () => {
  it('writes nothing when the mutation fails after its first write', async () => {
    // A real failure inside the database: mentions cannot be written. postComment inserts
    // the comment, bumps the article's counter, then fails on the mention.
    const [create, drop] =
      testDatabase === 'sqlite'
        ? [
            [`CREATE TRIGGER fail_mentions BEFORE INSERT ON "Mention" BEGIN SELECT RAISE(ABORT, 'mentions are broken'); END`],
            ['DROP TRIGGER fail_mentions'],
          ]
        : [
            [
              `CREATE FUNCTION fail_mentions() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'mentions are broken'; END $$`,
              `CREATE TRIGGER fail_mentions BEFORE INSERT ON "Mention" FOR EACH ROW EXECUTE FUNCTION fail_mentions()`,
            ],
            ['DROP TRIGGER fail_mentions ON "Mention"', 'DROP FUNCTION fail_mentions()'],
          ];
    for (const sql of create) await db.reader.$executeRawUnsafe(sql);
    try {
      const who = someone();
      const result = await unchanged(() =>
        run(PostCommentDocument, { input: { articleId: demoId, body: 'Hello @dana-k' } }, { viewer: who }),
      );
      expect(result.errors).toHaveLength(1);
      expect(await db.reader.author.findUnique({ where: { handle: who.handle } })).toBeNull();
    } finally {
      for (const sql of drop) await db.reader.$executeRawUnsafe(sql);
    }
  });
});
