/**
 * The scale check: S2 again after 400,000 comments in 400 other articles (250 top-level comments
 * with three replies each, an article) were written beside it. A read that stays inside its
 * article, on its indexes, takes as long as before.
 */
import type { Provider } from '../src/db-url.js';

export const otherArticles = 400;
export const otherComments = otherArticles * 250 * 4;

/** The statements that write the other articles, in the provider's dialect; no parameters. */
export function otherArticlesSql(provider: Provider): string[] {
  const pad = (value: string) => (provider === 'postgresql' ? `lpad((${value})::text, 8, '0')` : `printf('%08d', ${value})`);
  const count = (name: string, to: number) => `WITH RECURSIVE ${name}(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM ${name} WHERE i < ${to})`;
  const reply = `250 + (t."number" - 1) * 3 + r.i`;
  return [
    `INSERT INTO "Article" ("slug", "title", "body", "authorId", "publishedAt", "updatedAt", "lastCommentNumber", "commentCount")
     ${count('n', otherArticles)}
     SELECT 'scale-' || n.i, 'Another article', 'Beside the benchmark''s.', s."authorId", s."publishedAt", s."updatedAt", 1000, 1000
     FROM n, "Article" AS s WHERE s."slug" = 'bench-s2'`,
    `INSERT INTO "Comment" ("articleId", "number", "authorId", "depth", "path", "body", "replyCount")
     ${count('n', 250)}
     SELECT a."id", n.i, a."authorId", 0, ${pad('n.i')} || '/', 'Comment ' || n.i || ' of another article, about wheels and patience.', 3
     FROM "Article" AS a, n WHERE a."slug" LIKE 'scale-%'`,
    `INSERT INTO "Comment" ("articleId", "number", "authorId", "parentId", "depth", "path", "body")
     ${count('r', 3)}
     SELECT t."articleId", ${reply}, t."authorId", t."id", 1, t."path" || ${pad(reply)} || '/', 'A reply in another article.'
     FROM "Comment" AS t JOIN "Article" AS a ON a."id" = t."articleId", r WHERE a."slug" LIKE 'scale-%' AND t."depth" = 0`,
  ];
}
