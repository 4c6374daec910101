/**
 * Reactions (issue 15, item 3): one per author, comment and kind; the kinds are the site's
 * (THREADLINE_REACTIONS). Counts are kept by the transaction that changes them, so a read never
 * counts rows and the TOP order reads an index.
 *
 * Live subscribers hear of reactions through the comment's REACTED event, at most once a second
 * per comment whatever the instances (see `announceReactions`), never once per click.
 */
import type { Viewer } from '../auth.js';
import type { Database, DbTx } from '../db.js';
import { ensureAuthor } from './authors.js';
import { assertNotBanned } from './bans.js';
import { NotFoundError, ThreadLockedError, ValidationError } from './errors.js';
import { appendEvent, type LiveEvent } from './events.js';
import { showsArticle, showsComment } from './visibility.js';

export const defaultReactionKinds: readonly string[] = ['LIKE'];
/** A few: each comment of a page lists every one, and the widget's page must stay within the node limit. */
export const maxReactionKinds = 6;
const kindPattern = /^[A-Z][A-Z0-9_]{0,31}$/;

/** THREADLINE_REACTIONS: comma-separated names such as `LIKE,DISLIKE` or `HEART,LAUGH,THINKING`. */
export function parseReactionKinds(text: string | undefined): string[] | string {
  if (text === undefined || text.trim() === '') return [...defaultReactionKinds];
  const kinds = text.split(',').map((kind) => kind.trim());
  const bad = kinds.find((kind) => !kindPattern.test(kind));
  if (bad !== undefined) return `names reactions in capitals, digits and "_", starting with a letter, up to 32 characters; got "${bad}"`;
  if (new Set(kinds).size !== kinds.length) return 'names a reaction twice';
  if (kinds.length > maxReactionKinds) return `names at most ${maxReactionKinds} reactions; got ${kinds.length}`;
  return kinds;
}

export interface ReactionChange {
  commentId: number;
  articleId: number;
  /** False when the reaction was already there (react) or already gone (unreact). */
  changed: boolean;
}

/**
 * Adds (`on`) or removes the viewer's reaction of `kind` to a comment. Idempotent: reacting
 * twice, or taking back a reaction never made, changes nothing and succeeds.
 */
export async function setReaction(
  db: Database,
  viewer: Viewer,
  kinds: readonly string[],
  input: { commentId: number; kind: string; on: boolean },
  now = new Date(),
): Promise<ReactionChange> {
  if (!kinds.includes(input.kind)) {
    throw new ValidationError('kind', `"${input.kind.slice(0, 40)}" is not a reaction here; this site's are ${kinds.join(', ')}.`);
  }
  return db.writeTransaction(
    async (tx) => {
      const author = await ensureAuthor(tx, viewer);
      await assertNotBanned(tx, author.id, now);
      await db.lockRow(tx, 'Comment', input.commentId);
      const comment = await tx.comment.findUnique({
        where: { id: input.commentId },
        select: {
          id: true,
          articleId: true,
          authorId: true,
          deletedAt: true,
          hiddenAt: true,
          status: true,
          article: { select: { publishedAt: true, commentsLocked: true } },
        },
      });
      // A comment the viewer may not see (held, hidden) does not exist for them: no answer tells it apart.
      if (
        !comment ||
        !showsArticle(comment.article, viewer, now) ||
        !(comment.deletedAt || showsComment({ ...comment, authorId: comment.authorId }, viewer, author.id))
      ) {
        throw new NotFoundError('The comment does not exist.');
      }
      const unchanged = { commentId: comment.id, articleId: comment.articleId, changed: false };
      if (input.on) {
        // Only what everyone can read takes reactions; taking one back stays open whatever happened since.
        if (comment.deletedAt || comment.hiddenAt || comment.status !== 'PUBLISHED') {
          throw new ValidationError('commentId', 'Only a published comment takes reactions.');
        }
        if (comment.article.commentsLocked) throw new ThreadLockedError();
      }
      const key = { commentId: comment.id, authorId: author.id, kind: input.kind };
      const existing = await tx.reaction.findUnique({ where: { commentId_authorId_kind: key }, select: { kind: true } });
      if ((existing !== null) === input.on) return unchanged;
      const step = input.on ? 1 : -1;
      if (input.on) await tx.reaction.create({ data: { ...key, createdAt: now } });
      else await tx.reaction.delete({ where: { commentId_authorId_kind: key } });
      await tx.reactionCount.upsert({
        where: { commentId_kind: { commentId: comment.id, kind: input.kind } },
        create: { commentId: comment.id, kind: input.kind, count: 1 },
        update: { count: { increment: step } },
      });
      await tx.comment.update({
        where: { id: comment.id },
        data: { reactionCount: { increment: step }, reactionsDirty: true },
        select: { id: true },
      });
      return { ...unchanged, changed: true };
    },
    // No event and no version here: announceReactions logs the event, coalesced, and cached
    // answers follow it (a click moving the site-wide epoch would void every cached answer not
    // about one article, at each click).
    { scope: 'none' },
  );
}

/** The least time between two REACTED events of one comment. */
export const reactionEventIntervalMs = 1000;

/**
 * Logs a REACTED event for a comment whose reactions changed since its last one, unless that
 * one is under `reactionEventIntervalMs` old: then it answers when to try again. Decided under
 * the comment's row lock, which reactions take too, so instances announcing at once log one
 * event between them and a reaction committed meanwhile is announced next time.
 */
export async function announceReactions(
  db: Database,
  commentId: number,
  now = new Date(),
): Promise<{ event: LiveEvent | null; retryInMs: number | null }> {
  return db.writeTransaction(
    async (tx: DbTx) => {
      await db.lockRow(tx, 'Comment', commentId);
      const comment = await tx.comment.findUnique({
        where: { id: commentId },
        select: { id: true, articleId: true, path: true, status: true, reactionsDirty: true, reactionsAnnouncedAt: true },
      });
      const nothing = { event: null, retryInMs: null };
      if (!comment?.reactionsDirty) return nothing;
      const announced = comment.reactionsAnnouncedAt;
      const wait = announced ? announced.getTime() + reactionEventIntervalMs - now.getTime() : 0;
      if (wait > 0) return { event: null, retryInMs: wait };
      await tx.comment.update({
        where: { id: commentId },
        data: { reactionsDirty: false, reactionsAnnouncedAt: now },
        select: { id: true },
      });
      if (comment.status !== 'PUBLISHED') return nothing;
      const event = await appendEvent(tx, { articleId: comment.articleId, commentId, path: comment.path, kind: 'REACTED' }, now);
      return { event, retryInMs: null };
    },
    { scope: 'comments' },
  );
}
