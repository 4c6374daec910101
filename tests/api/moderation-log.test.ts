// The audit log (issue 14, item 7): each moderator action is recorded, with its actor, time and
// target, by the transaction that makes it; what changes nothing, and what fails, records nothing.
// Administrators read it, newest first, through `moderationLog`.
import { beforeAll, describe, expect, it } from 'vitest';
import { seedDemoIfEmpty } from '../../src/seed.js';
import {
  DeleteCommentDocument,
  HideCommentDocument,
  LockArticleDocument,
  ModerationLogDocument,
  type ModerationLogQueryVariables,
  PostCommentDocument,
  RestoreCommentDocument,
  SetArticleModerationDocument,
  UnlockArticleDocument,
  UpdateModerationSettingsDocument,
} from '../../schema/generated/graphql.js';
import { testServices } from '../database.js';
import { db, demoSlug, globalId, query, run, viewer } from '../helpers.js';
import { runProcess } from '../instances.js';

const moderator = viewer('log-moderator', 'MODERATOR', 'Log Moderator');
let writers = 0;
/** A new author each time: one author's posts in a row would meet the rate limit. */
const writer = () => viewer(`log-writer-${++writers}`, 'AUTHOR', 'Log Writer');
let articleRowId: number;
let articleId: string;

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  articleRowId = (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id;
  articleId = globalId('Article', articleRowId);
});

async function postAs(who: ReturnType<typeof viewer>, body: string) {
  const { postComment } = await query(PostCommentDocument, { input: { articleId, body } }, { viewer: who });
  if (postComment.__typename !== 'PostCommentSuccess') throw new Error(postComment.__typename);
  return postComment.comment;
}

const rowId = (id: string) => Number(Buffer.from(id, 'base64').toString().split(':')[1]);
const log = () =>
  db.reader.moderationAction.findMany({
    orderBy: { id: 'asc' },
    select: { kind: true, articleId: true, commentId: true, actor: { select: { handle: true } }, createdAt: true },
  });

describe('the moderation log', () => {
  it('records hiding, restoring, locking, unlocking and deleting someone else’s comment, each with actor, time and target', async () => {
    const comment = await postAs(writer(), 'To be moderated.');
    const before = Date.now();
    await query(HideCommentDocument, { input: { commentId: comment.id } }, { viewer: moderator });
    await query(RestoreCommentDocument, { input: { commentId: comment.id } }, { viewer: moderator });
    await query(LockArticleDocument, { input: { articleId } }, { viewer: moderator });
    await query(UnlockArticleDocument, { input: { articleId } }, { viewer: moderator });
    await query(DeleteCommentDocument, { input: { commentId: comment.id } }, { viewer: moderator });
    const entries = await log();
    const target = { articleId: articleRowId, actor: { handle: 'log-moderator' } };
    expect(entries.map(({ createdAt: _, ...entry }) => entry)).toEqual([
      { kind: 'HIDE', commentId: rowId(comment.id), ...target },
      { kind: 'RESTORE', commentId: rowId(comment.id), ...target },
      { kind: 'LOCK', commentId: null, ...target },
      { kind: 'UNLOCK', commentId: null, ...target },
      { kind: 'DELETE', commentId: rowId(comment.id), ...target },
    ]);
    for (const { createdAt } of entries) expect(createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it('records nothing for what changes nothing, for an author deleting their own comment, or for a refused action', async () => {
    const count = (await log()).length;
    const author = writer();
    const own = await postAs(author, 'My own, to delete.');
    await query(DeleteCommentDocument, { input: { commentId: own.id } }, { viewer: author });
    // Unlocking an unlocked thread and restoring a shown comment change nothing.
    await query(UnlockArticleDocument, { input: { articleId } }, { viewer: moderator });
    const shown = await postAs(writer(), 'Shown, and staying so.');
    await query(RestoreCommentDocument, { input: { commentId: shown.id } }, { viewer: moderator });
    // An author may not hide; a comment that does not exist cannot be hidden.
    const refused = await query(HideCommentDocument, { input: { commentId: shown.id } }, { viewer: author });
    expect(refused.hideComment.__typename).toBe('ForbiddenError');
    const missing = await query(HideCommentDocument, { input: { commentId: globalId('Comment', 987_654) } }, { viewer: moderator });
    expect(missing.hideComment.__typename).toBe('NotFoundError');
    expect(await log()).toHaveLength(count);
  });
});

describe('the moderationLog query', () => {
  const admin = viewer('log-admin', 'ADMIN', 'Log Admin');
  const otherModerator = viewer('log-moderator-2', 'MODERATOR', 'Second Moderator');

  let articles = 0;
  /** A published article of its own, so that a filter on it sees only what the test did. */
  async function newArticle() {
    const slug = `logged-${++articles}`;
    const owner = await db.writer.author.upsert({
      where: { handle: 'log-owner' },
      create: { handle: 'log-owner', name: 'Owner' },
      update: {},
    });
    const { id } = await db.writer.article.create({
      data: { slug, title: slug, body: 'Body.', publishedAt: new Date(Date.now() - 60_000), authorId: owner.id },
      select: { id: true },
    });
    return { id, globalId: globalId('Article', id) };
  }

  const logAs = async (variables: ModerationLogQueryVariables, who = admin) =>
    (await query(ModerationLogDocument, variables, { viewer: who })).moderationLog;
  const kinds = (page: Awaited<ReturnType<typeof logAs>>) => page.edges.map((edge) => edge.node.kind);
  const authorId = async (handle: string) => (await db.reader.author.findUniqueOrThrow({ where: { handle } })).id;

  it('answers administrators only', async () => {
    for (const who of [moderator, writer(), null]) {
      const result = await run(ModerationLogDocument, { first: 5 }, { viewer: who });
      expect(result.data).toBeNull();
      expect(result.errors?.map((error) => error.message)).toEqual([
        who ? 'Your role does not allow this.' : 'Sign in to do this: send a bearer token.',
      ]);
    }
  });

  it('lists actions newest first, each with its actor, target, reason and what changed', async () => {
    const article = await newArticle();
    const { postComment } = await query(
      PostCommentDocument,
      { input: { articleId: article.globalId, body: 'Logged.' } },
      { viewer: writer() },
    );
    if (postComment.__typename !== 'PostCommentSuccess') throw new Error(postComment.__typename);
    await query(HideCommentDocument, { input: { commentId: postComment.comment.id } }, { viewer: moderator });
    await query(LockArticleDocument, { input: { articleId: article.globalId } }, { viewer: otherModerator });
    await query(SetArticleModerationDocument, { input: { articleId: article.globalId, moderation: 'PRE' } }, { viewer: admin });

    const page = await logAs({ first: 10, filter: { articleId: article.globalId } });
    expect(page.totalCount).toBe(3);
    expect(page.edges.map((edge) => edge.node)).toEqual([
      {
        kind: 'RULES_CHANGE',
        reason: null,
        detail: 'article moderation site → PRE',
        createdAt: expect.any(String),
        actor: { handle: 'log-admin' },
        article: { id: article.globalId },
        comment: null,
        author: null,
      },
      {
        kind: 'LOCK',
        reason: null,
        detail: null,
        createdAt: expect.any(String),
        actor: { handle: 'log-moderator-2' },
        article: { id: article.globalId },
        comment: null,
        author: null,
      },
      {
        kind: 'HIDE',
        reason: null,
        detail: null,
        createdAt: expect.any(String),
        actor: { handle: 'log-moderator' },
        article: { id: article.globalId },
        comment: { id: postComment.comment.id },
        author: null,
      },
    ]);
    const times = page.edges.map((edge) => Date.parse(edge.node.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    // Unfiltered, the whole log the same way: newest first, every entry counted.
    const all = await logAs({ first: 100 });
    const stored = await db.reader.moderationAction.findMany({
      where: { kind: { notIn: ['HOLD', 'REPORT'] } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: { kind: true },
    });
    expect(all.totalCount).toBe(stored.length);
    expect(kinds(all)).toEqual(stored.map((entry) => entry.kind));
    expect(kinds(all).slice(0, 3)).toEqual(['RULES_CHANGE', 'LOCK', 'HIDE']);
  });

  it('filters by kind, by article and by actor, alone or together, and counts what the filter keeps', async () => {
    const first = await newArticle();
    const second = await newArticle();
    await query(LockArticleDocument, { input: { articleId: first.globalId } }, { viewer: moderator });
    await query(LockArticleDocument, { input: { articleId: second.globalId } }, { viewer: otherModerator });
    await query(UnlockArticleDocument, { input: { articleId: second.globalId } }, { viewer: otherModerator });
    await query(UpdateModerationSettingsDocument, { input: { holdFirstComments: 3 } }, { viewer: admin });

    const bySecond = await logAs({ first: 10, filter: { articleId: second.globalId } });
    expect([bySecond.totalCount, kinds(bySecond)]).toEqual([2, ['UNLOCK', 'LOCK']]);

    const secondModeratorId = globalId('Author', await authorId('log-moderator-2'));
    const byActor = await logAs({ first: 100, filter: { actorId: secondModeratorId } });
    expect(byActor.edges.every((edge) => edge.node.actor?.handle === 'log-moderator-2')).toBe(true);
    expect(kinds(byActor).slice(0, 2)).toEqual(['UNLOCK', 'LOCK']);
    expect(byActor.totalCount).toBe(await db.reader.moderationAction.count({ where: { actor: { handle: 'log-moderator-2' } } }));

    const locks = await logAs({ first: 100, filter: { kind: 'LOCK' } });
    expect(locks.edges.every((edge) => edge.node.kind === 'LOCK')).toBe(true);
    expect(locks.totalCount).toBe(await db.reader.moderationAction.count({ where: { kind: 'LOCK' } }));

    const together = await logAs({ first: 10, filter: { kind: 'LOCK', articleId: second.globalId, actorId: secondModeratorId } });
    expect([together.totalCount, kinds(together)]).toEqual([1, ['LOCK']]);
    const nobody = await logAs({ first: 10, filter: { kind: 'UNLOCK', articleId: first.globalId } });
    expect([nobody.totalCount, nobody.edges]).toEqual([0, []]);

    const rules = await logAs({ first: 1, filter: { kind: 'RULES_CHANGE' } });
    expect(rules.edges[0]!.node).toMatchObject({ detail: 'holdFirstComments 0 → 3', actor: { handle: 'log-admin' }, article: null });
  });

  it('shows holds, which are no moderator’s, only when the filter asks for them', async () => {
    const article = await newArticle();
    await query(SetArticleModerationDocument, { input: { articleId: article.globalId, moderation: 'PRE' } }, { viewer: admin });
    await query(PostCommentDocument, { input: { articleId: article.globalId, body: 'Held for review.' } }, { viewer: writer() });
    expect(kinds(await logAs({ first: 10, filter: { articleId: article.globalId } }))).toEqual(['RULES_CHANGE']);
    const holds = await logAs({ first: 10, filter: { articleId: article.globalId, kind: 'HOLD' } });
    expect(holds.totalCount).toBe(1);
    expect(holds.edges[0]!.node).toMatchObject({ kind: 'HOLD', actor: null, reason: expect.stringContaining('PRE') });
  });

  it('pages newest first with first and after, and back with last and before; totalCount is the whole filtered log', async () => {
    const article = await newArticle();
    for (let round = 0; round < 3; round++) {
      await query(LockArticleDocument, { input: { articleId: article.globalId } }, { viewer: moderator });
      await query(UnlockArticleDocument, { input: { articleId: article.globalId } }, { viewer: moderator });
    }
    const filter = { articleId: article.globalId };
    const everything = await logAs({ first: 10, filter });
    expect(everything.totalCount).toBe(6);
    const cursors = everything.edges.map((edge) => edge.cursor);

    const seen: string[] = [];
    let after: string | null = null;
    for (const expected of [2, 2, 2]) {
      const page: Awaited<ReturnType<typeof logAs>> = await logAs({ first: 2, after, filter });
      expect(page.totalCount).toBe(6);
      expect(page.edges).toHaveLength(expected);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...page.edges.map((edge) => edge.cursor));
      after = page.pageInfo.endCursor;
      expect(page.pageInfo.hasNextPage).toBe(seen.length < 6);
    }
    expect(seen).toEqual(cursors);
    expect(kinds(everything)).toEqual(['UNLOCK', 'LOCK', 'UNLOCK', 'LOCK', 'UNLOCK', 'LOCK']);

    const back = await logAs({ last: 2, before: cursors[4], filter });
    expect(back.edges.map((edge) => edge.cursor)).toEqual(cursors.slice(2, 4));
    expect(back.pageInfo.hasPreviousPage).toBe(true);
  });

  it('refuses a page larger than 100 and a cursor it did not write, and an ID of the wrong type', async () => {
    const tooMany = await run(ModerationLogDocument, { first: 101 }, { viewer: admin });
    expect(tooMany.errors?.[0]).toMatchObject({
      message: expect.stringContaining('between 0 and 100'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const badCursor = await run(ModerationLogDocument, { first: 5, after: 'not-a-cursor' }, { viewer: admin });
    expect(badCursor.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const wrongId = await run(ModerationLogDocument, { first: 5, filter: { articleId: globalId('Comment', 1) } }, { viewer: admin });
    expect(wrongId.errors?.[0]).toMatchObject({
      message: expect.stringContaining('not the ID of a Article'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('records an operator’s `npm run authors -- link` and `unlink` with no actor, the author, and what was linked', async () => {
    // An imported author, as an import leaves one.
    const imported = await db.writer.author.create({ data: { handle: 'import:text:log-linked', name: 'Linked Later' } });
    await db.writer.importedIdentity.create({ data: { key: 'text:log-linked', authorId: imported.id } });

    const env = { DATABASE_URL: testServices.database.url };
    const linked = await runProcess('src/cli/authors.ts', ['link', 'text:log-linked', 'log-linked'], env);
    expect(linked).toMatchObject({ code: 0, stdout: expect.stringContaining('text:log-linked is now log-linked') });
    const unlinked = await runProcess('src/cli/authors.ts', ['unlink', 'log-linked', 'text:log-linked'], env);
    expect(unlinked.code).toBe(0);
    // Linking to a handle that has an author already merges the imported one into it.
    await runProcess('src/cli/authors.ts', ['link', 'text:log-linked', 'log-moderator'], env);

    const page = await logAs({ first: 10, filter: { kind: 'IDENTITY_LINK' } });
    expect(page.totalCount).toBe(3);
    // The imported author was merged into log-moderator at the end: every entry about it names that author now.
    const mergedInto = { id: globalId('Author', await authorId('log-moderator')), handle: 'log-moderator' };
    expect(page.edges.map((edge) => edge.node)).toEqual([
      expect.objectContaining({
        kind: 'IDENTITY_LINK',
        actor: null,
        author: mergedInto,
        detail: expect.stringMatching(/^identity "text:log-linked" linked to "log-moderator" \(merged into the existing author/),
      }),
      expect.objectContaining({
        kind: 'IDENTITY_LINK',
        actor: null,
        author: mergedInto,
        detail: 'identity "text:log-linked" unlinked from "log-linked": the author is "import:text:log-linked" now',
      }),
      expect.objectContaining({
        kind: 'IDENTITY_LINK',
        actor: null,
        author: mergedInto,
        detail: expect.stringMatching(/^identity "text:log-linked" linked to "log-linked" \(its author took the handle/),
      }),
    ]);
  }, 60_000);
});
