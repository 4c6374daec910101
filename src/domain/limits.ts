/**
 * Bounds that hold whatever the configuration. The schema documents each one, and the request
 * cost (src/security/cost.ts) counts on them: every list a response can hold is either a
 * connection, whose page is at most `maxPageSize` (`maxThreadPageSize` for a flat thread), or
 * one of the lists below, whose length a write cannot push past its bound.
 */

/** Prisma's Int is 32-bit on both databases: a larger id names no row, and must not reach SQL. */
export const maxDatabaseId = 2 ** 31 - 1;

export const defaultPageSize = 20;
export const maxPageSize = 100;

/** `Article.thread`: the flat, depth-first page a widget loads a whole thread with. */
export const defaultThreadPageSize = 100;
export const maxThreadPageSize = 500;

/** Spans of earlier comments one comment quotes (`Comment.quotes`). */
export const maxQuotesPerComment = 10;
/** Authors one comment mentions (`Comment.mentions`); further `@handles` stay plain text. */
export const maxMentionsPerComment = 10;
/** Tags one article is filed under (`Article.tags`). */
export const maxTagsPerArticle = 50;
/** Levels of replies below a top-level comment (`depth` runs from 0 to this); `Permalink.ancestors` is never longer. */
export const maxThreadDepth = 100;
/** IDs one `nodes(ids:)` may name. */
export const maxNodeIds = 100;
