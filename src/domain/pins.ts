/**
 * Pinned comments (issue 15, item 4): moderators pin up to `maxPinnedComments` top-level
 * comments of an article, which readers then see first. A pin is the comment's `pinnedAt`;
 * pins show in the order they were made.
 */
import type { Viewer } from '../auth.js';
import type { Database } from '../db.js';
import type { WriteResult } from './comments.js';
import { NotFoundError, PinLimitError, ValidationError } from './errors.js';
import { appendEvent } from './events.js';
import { recordModeration } from './moderation-log.js';
import { showsArticle } from './visibility.js';

export const maxPinnedComments = 3;

/** What counts toward an article's pins, and what `Article.pinnedComments` lists. */
export const pinnedWhere = (articleId: number) =>
  ({ articleId, pinnedAt: { not: null }, deletedAt: null, hiddenAt: null, status: 'PUBLISHED' }) as const;

/** Pins (`pinned: true`) or unpins a comment; moderators only, which the schema enforces. Idempotent. */
export async function setPinned(
  db: Database,
  viewer: Viewer,
  input: { commentId: number; pinned: boolean },
  now = new Date(),
): Promise<WriteResult> {
  return db.writeTransaction(
    async (tx) => {
      const found = await tx.comment.findUnique({ where: { id: input.commentId }, select: { articleId: true } });
      if (!found) throw new NotFoundError('The comment does not exist.');
      // The article's row first, as every comment write takes it: two moderators pinning at once count in turn.
      await db.lockRow(tx, 'Article', found.articleId);
      const comment = await tx.comment.findUniqueOrThrow({
        where: { id: input.commentId },
        select: {
          id: true,
          articleId: true,
          path: true,
          depth: true,
          status: true,
          deletedAt: true,
          hiddenAt: true,
          pinnedAt: true,
          article: { select: { publishedAt: true } },
        },
      });
      if (!showsArticle(comment.article, viewer, now)) throw new NotFoundError('The comment does not exist.');
      const unchanged: WriteResult = { commentId: comment.id, replayed: false, events: [] };
      if (input.pinned === (comment.pinnedAt !== null)) return unchanged;
      if (input.pinned) {
        if (comment.depth !== 0)
          throw new ValidationError('commentId', 'Only a top-level comment can be pinned; a reply shows in its thread.');
        if (comment.deletedAt || comment.hiddenAt || comment.status !== 'PUBLISHED') {
          throw new ValidationError('commentId', 'Only a published comment can be pinned.');
        }
        const pinned = await tx.comment.count({ where: pinnedWhere(comment.articleId) });
        if (pinned >= maxPinnedComments) throw new PinLimitError(maxPinnedComments);
      }
      await tx.comment.update({ where: { id: comment.id }, data: { pinnedAt: input.pinned ? now : null }, select: { id: true } });
      await recordModeration(
        tx,
        viewer,
        { kind: input.pinned ? 'PIN' : 'UNPIN', articleId: comment.articleId, commentId: comment.id },
        now,
      );
      // A pin is news to every reader of the thread, whatever the comment's state: it moves the
      // article's sequence, which is what cached answers about the article check.
      const event = await appendEvent(tx, {
        articleId: comment.articleId,
        commentId: comment.id,
        path: comment.path,
        kind: input.pinned ? 'PINNED' : 'UNPINNED',
      });
      return { ...unchanged, events: [event] };
    },
    { scope: 'comments' },
  );
}
