/**
 * Who sees what: the one place the read rules are written. Resolvers, subscriptions and
 * writes ask here rather than comparing roles themselves.
 */
import type { Viewer } from '../auth.js';

type MaybeViewer = Viewer | null | undefined;

export const isModerator = (viewer: MaybeViewer): boolean => viewer?.role === 'MODERATOR' || viewer?.role === 'ADMIN';

export const isAdmin = (viewer: MaybeViewer): boolean => viewer?.role === 'ADMIN';

/** Deleted comments are tombstones to everyone; hidden ones to everyone but moderators. */
export const showsComment = (comment: { deletedAt: Date | null; hiddenAt: Date | null }, viewer: MaybeViewer): boolean =>
  comment.deletedAt == null && (comment.hiddenAt == null || isModerator(viewer));

/** A quote's words stay when its source is deleted (they are the quoting author's text too), not while a moderator hides it. */
export const showsQuotedText = (source: { hiddenAt: Date | null }, viewer: MaybeViewer): boolean =>
  source.hiddenAt == null || isModerator(viewer);

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

/** Moderation shows only to moderators: to everyone else a hide reads as a deletion and a restore as an edit. */
export function eventKindFor<K extends string>(kind: K, viewer: MaybeViewer): K | 'DELETED' | 'EDITED' {
  if (isModerator(viewer)) return kind;
  if (kind === 'HIDDEN') return 'DELETED';
  if (kind === 'RESTORED') return 'EDITED';
  return kind;
}
