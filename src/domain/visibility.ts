/**
 * Who sees what: the one place the read rules are written. Resolvers, subscriptions and
 * writes ask here rather than comparing roles themselves.
 */
import type { Viewer } from '../auth.js';
import type { CommentStatus } from '../generated/prisma/client.js';

type MaybeViewer = Viewer | null | undefined;

export const isModerator = (viewer: MaybeViewer): boolean => viewer?.role === 'MODERATOR' || viewer?.role === 'ADMIN';

export const isAdmin = (viewer: MaybeViewer): boolean => viewer?.role === 'ADMIN';

/** What decides whether a comment shows. */
export interface Shown {
  deletedAt: Date | null;
  hiddenAt: Date | null;
  status: CommentStatus;
  authorId: number;
}

/**
 * Deleted comments are tombstones to everyone; hidden ones to everyone but moderators; ones
 * not published (PENDING review, REJECTED) to everyone but moderators and their own author.
 * `viewerAuthorId` is the viewer's Author row id, asked for only when the answer depends on
 * it (see `ownsComment`): null when the viewer has none.
 */
export function showsComment(comment: Shown, viewer: MaybeViewer, viewerAuthorId: number | null = null): boolean {
  if (comment.deletedAt != null) return false;
  if (isModerator(viewer)) return true;
  return comment.hiddenAt == null && (comment.status === 'PUBLISHED' || (viewerAuthorId !== null && viewerAuthorId === comment.authorId));
}

/** Whether what the viewer sees of `comment` depends on who wrote it: a signed-in author's own unpublished comment. */
export const dependsOnAuthorship = (comment: Shown, viewer: MaybeViewer): boolean =>
  viewer != null && !isModerator(viewer) && comment.status !== 'PUBLISHED' && comment.deletedAt == null && comment.hiddenAt == null;

/** A comment's moderation status shows to moderators and its own author only. */
export const showsStatus = (comment: { authorId: number }, viewer: MaybeViewer, viewerAuthorId: number | null): boolean =>
  isModerator(viewer) || (viewerAuthorId !== null && viewerAuthorId === comment.authorId);

/**
 * A quote's words stay when its source is deleted (they are the quoting author's text too), not
 * while a moderator hides it or it waits for review (sent back by reports) or is rejected.
 */
export const showsQuotedText = (source: { hiddenAt: Date | null; status: CommentStatus }, viewer: MaybeViewer): boolean =>
  (source.hiddenAt == null && source.status === 'PUBLISHED') || isModerator(viewer);

/**
 * Articles are public once published: a `publishedAt` at or before now. Drafts (none) and
 * scheduled articles (later) exist for administrators only, with their comments, on every path.
 */
export const isPublished = (article: { publishedAt: Date | null }, now: Date = new Date()): boolean =>
  article.publishedAt != null && article.publishedAt.getTime() <= now.getTime();

export const showsArticle = (article: { publishedAt: Date | null }, viewer: MaybeViewer, now: Date = new Date()): boolean =>
  isAdmin(viewer) || isPublished(article, now);

/**
 * The Prisma filter for the articles `viewer` may see. A viewer who sees drafts gets no filter;
 * everyone else gets one on the publication date, which the (publishedAt, id) indexes serve.
 */
export const visibleArticles = (viewer: MaybeViewer, now: Date = new Date()): { publishedAt?: { lte: Date } } =>
  isAdmin(viewer) ? {} : { publishedAt: { lte: now } };

/**
 * Moderation shows only to moderators: to everyone else a hide, a hold or a rejection reads as
 * a deletion and a restore as an edit.
 */
export function eventKindFor<K extends string>(kind: K, viewer: MaybeViewer): K | 'DELETED' | 'EDITED' {
  if (isModerator(viewer)) return kind;
  if (kind === 'HIDDEN' || kind === 'HELD' || kind === 'REJECTED') return 'DELETED';
  if (kind === 'RESTORED') return 'EDITED';
  return kind;
}
