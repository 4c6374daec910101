// The audit log (issue 14, item 7): each moderator action is recorded, with its actor, time and
// target, by the transaction that makes it; what changes nothing, and what fails, records nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import { seedDemoIfEmpty } from '../../src/seed.js';
import {
  DeleteCommentDocument,
  HideCommentDocument,
  LockArticleDocument,
  PostCommentDocument,
  RestoreCommentDocument,
  UnlockArticleDocument,
} from '../../schema/generated/graphql.js';
import { db, demoSlug, globalId, query, viewer } from '../helpers.js';

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
