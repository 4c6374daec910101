/**
 * The paged relations of the schema, as SQL over the tables Prisma made: which rows, per
 * which parent, in which order. Each order is served by an index (prisma/models.prisma), so a
 * page reads its own rows and no others.
 */
import type { Viewer } from '../auth.js';
import { isAdmin, isModerator } from '../domain/visibility.js';
import { type OrderKey, type PagedRelation, type Sql, sql } from './pages.js';

export type CommentOrder = 'OLDEST' | 'NEWEST' | 'MOST_REPLIED' | 'TOP';

const byNumber: OrderKey = { expr: 'x."number"', cursorColumn: '"number"' };

function commentOrder(order: CommentOrder | null | undefined): OrderKey[] {
  switch (order) {
    case 'NEWEST':
      return [{ ...byNumber, desc: true }];
    case 'MOST_REPLIED':
      return [{ expr: 'x."replyCount"', cursorColumn: '"replyCount"', desc: true }, byNumber];
    case 'TOP':
      return [{ expr: 'x."reactionCount"', cursorColumn: '"reactionCount"', desc: true }, byNumber];
    default:
      return [byNumber];
  }
}

/** What a comment row weighs: its body (the rest is small and bounded). */
const commentWeight = 'octet_length(x."body")';

const comments = { from: '"Comment" AS x', node: 'x."id"', cursorTable: '"Comment"', weight: commentWeight };

/**
 * The comments of `alias` the viewer finds in lists: moderators every one; a signed-in author
 * the published ones and their own; everyone else the published ones. (Deleted and hidden ones
 * stay, as tombstones that keep their replies; comments not published have none.) Lists and
 * their `totalCount`s apply the same condition.
 */
export function listedFor(viewer: Viewer | null, alias = 'x'): Sql[] {
  if (isModerator(viewer)) return [];
  // Compared as text: nearly every comment is published, and a planner offered the
  // (status, id) index, which is the moderation queue's, would walk it instead of the
  // article's or the parent's rows.
  const published = `CAST(${alias}."status" AS TEXT) = 'PUBLISHED'`;
  if (!viewer) return [sql(published)];
  return [sql(`(${published} OR ${alias}."authorId" IN (SELECT "id" FROM "Author" WHERE "handle" = ?))`, viewer.handle)];
}

/** Direct replies of a comment. */
export const replies = (order: CommentOrder | null | undefined, viewer: Viewer | null): PagedRelation => ({
  ...comments,
  parent: 'x."parentId"',
  where: listedFor(viewer),
  order: commentOrder(order),
});

/** An article's comments, or only its top-level ones. */
export const articleComments = (order: CommentOrder | null | undefined, topLevelOnly: boolean, viewer: Viewer | null): PagedRelation => ({
  ...comments,
  parent: 'x."articleId"',
  where: [...(topLevelOnly ? [sql('x."parentId" IS NULL')] : []), ...listedFor(viewer)],
  order: commentOrder(order),
});

/** An article's comments depth-first: each comment followed by its replies, as `path` orders them. */
export const articleThread = (viewer: Viewer | null): PagedRelation => ({
  ...comments,
  parent: 'x."articleId"',
  where: listedFor(viewer),
  order: [{ expr: 'x."path"', cursorColumn: '"path"' }],
});

/** The comments that quote a comment, each once, in posting order. */
export const quotedBy = (viewer: Viewer | null): PagedRelation => ({
  from: '"Quote" AS x',
  parent: 'x."quotedCommentId"',
  node: 'x."commentId"',
  groupByNode: true,
  where: listedFor(viewer, 'q').map((listed) =>
    sql(`EXISTS (SELECT 1 FROM "Comment" AS q WHERE q."id" = x."commentId" AND ${listed.text})`, ...listed.params),
  ),
  order: [{ expr: 'x."commentId"', cursorColumn: '"id"' }],
  cursorTable: '"Comment"',
  weight: '(SELECT octet_length(c."body") FROM "Comment" AS c WHERE c."id" = x."commentId")',
});

/** A comment's earlier bodies, oldest first. */
export const revisions = (): PagedRelation => ({
  from: '"CommentRevision" AS x',
  parent: 'x."commentId"',
  node: 'x."id"',
  order: [{ expr: 'x."id"', cursorColumn: '"id"' }],
  cursorTable: '"CommentRevision"',
  weight: 'octet_length(x."body")',
});

/** An author's comments, newest first: those on articles the viewer may see. */
export const authorComments = (viewer: Viewer | null, now: Date): PagedRelation =>
  isAdmin(viewer)
    ? { ...comments, parent: 'x."authorId"', order: [{ expr: 'x."id"', cursorColumn: '"id"', desc: true }] }
    : {
        ...comments,
        from: '"Comment" AS x JOIN "Article" AS a ON a."id" = x."articleId"',
        parent: 'x."authorId"',
        where: [sql('a."publishedAt" <= ?', now), ...listedFor(viewer)],
        order: [{ expr: 'x."id"', cursorColumn: '"id"', desc: true }],
      };

/**
 * Articles newest first. Administrators also see drafts, last; everyone else only what is
 * published, which keeps the order on the (…, publishedAt, id) indexes.
 */
function articleOrder(viewer: Viewer | null): OrderKey[] {
  const newest: OrderKey[] = [
    { expr: 'x."publishedAt"', cursorColumn: '"publishedAt"', desc: true, nullable: true },
    { expr: 'x."id"', cursorColumn: '"id"', desc: true },
  ];
  return isAdmin(viewer) ? [{ expr: '(x."publishedAt" IS NULL)', cursorColumn: '("publishedAt" IS NULL)' }, ...newest] : newest;
}

const published = (viewer: Viewer | null, now: Date) => (isAdmin(viewer) ? [] : [sql('x."publishedAt" <= ?', now)]);

const articles = { node: 'x."id"', cursorTable: '"Article"', weight: 'octet_length(x."body") + octet_length(x."title")' };

export const authorArticles = (viewer: Viewer | null, now: Date): PagedRelation => ({
  ...articles,
  from: '"Article" AS x',
  parent: 'x."authorId"',
  where: published(viewer, now),
  order: articleOrder(viewer),
});

export const tagArticles = (viewer: Viewer | null, now: Date): PagedRelation => ({
  ...articles,
  from: '"_ArticleToTag" AS j JOIN "Article" AS x ON x."id" = j."A"',
  parent: 'j."B"',
  where: published(viewer, now),
  order: articleOrder(viewer),
});

/** All articles, filtered by tag slug and author handle. */
export const allArticles = (viewer: Viewer | null, now: Date, filter: { tag?: string | null; author?: string | null }): PagedRelation => ({
  ...articles,
  from: '"Article" AS x',
  parent: null,
  where: [
    ...published(viewer, now),
    ...(filter.tag != null
      ? [sql('x."id" IN (SELECT j."A" FROM "_ArticleToTag" AS j JOIN "Tag" AS t ON t."id" = j."B" WHERE t."slug" = ?)', filter.tag)]
      : []),
    ...(filter.author != null ? [sql('x."authorId" IN (SELECT "id" FROM "Author" WHERE "handle" = ?)', filter.author)] : []),
  ],
  order: articleOrder(viewer),
});

export type QueueStatus = 'PENDING' | 'REPORTED' | 'REJECTED';

/**
 * The moderation queue: comments waiting for review (oldest first), reported ones (by their
 * first open report, oldest first) or rejected ones (newest first); deleted ones are done with.
 * Each order walks an index: (status, id), (reportedAt, id), and the same after articleId.
 * Moderators who are not administrators see only published articles' comments.
 */
export function moderationQueue(
  viewer: Viewer | null,
  now: Date,
  filter: { status: QueueStatus; articleId: number | null },
): PagedRelation {
  const where: Sql[] = [sql('x."deletedAt" IS NULL')];
  if (filter.articleId !== null) where.push(sql('x."articleId" = ?', filter.articleId));
  if (!isAdmin(viewer)) where.push(sql('x."articleId" IN (SELECT "id" FROM "Article" WHERE "publishedAt" <= ?)', now));
  const byId = (desc: boolean): OrderKey => ({ expr: 'x."id"', cursorColumn: '"id"', desc });
  switch (filter.status) {
    case 'REPORTED':
      return {
        ...comments,
        parent: null,
        where: [sql('x."reportedAt" IS NOT NULL'), ...where],
        order: [{ expr: 'x."reportedAt"', cursorColumn: '"reportedAt"' }, byId(false)],
      };
    case 'REJECTED':
      return { ...comments, parent: null, where: [sql(`x."status" = 'REJECTED'`), ...where], order: [byId(true)] };
    default:
      return { ...comments, parent: null, where: [sql(`x."status" = 'PENDING'`), ...where], order: [byId(false)] };
  }
}

/**
 * The moderation log, newest first: moderators' and administrators' actions, or the entries of
 * one kind. Walks (createdAt, id), or (articleId | actorId, createdAt, id) when filtered so.
 */
export function moderationLog(filter: { kind: string | null; articleId: number | null; actorId: number | null }): PagedRelation {
  const where: Sql[] = [filter.kind === null ? sql(`x."kind" NOT IN ('HOLD', 'REPORT')`) : sql('x."kind" = ?', filter.kind)];
  if (filter.articleId !== null) where.push(sql('x."articleId" = ?', filter.articleId));
  if (filter.actorId !== null) where.push(sql('x."actorId" = ?', filter.actorId));
  return {
    from: '"ModerationAction" AS x',
    parent: null,
    node: 'x."id"',
    where,
    order: [
      { expr: 'x."createdAt"', cursorColumn: '"createdAt"', desc: true },
      { expr: 'x."id"', cursorColumn: '"id"', desc: true },
    ],
    cursorTable: '"ModerationAction"',
    weight: 'COALESCE(octet_length(x."reason"), 0) + COALESCE(octet_length(x."detail"), 0)',
  };
}

/** A webhook's deliveries, newest first. */
export const webhookDeliveries = (webhookId: number): PagedRelation => ({
  from: '"WebhookDelivery" AS x',
  parent: null,
  node: 'x."id"',
  where: [sql('x."webhookId" = ?', webhookId)],
  order: [{ expr: 'x."id"', cursorColumn: '"id"', desc: true }],
  cursorTable: '"WebhookDelivery"',
  weight: 'octet_length(x."payload")',
});
