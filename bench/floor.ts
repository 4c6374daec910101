/**
 * The floor: the rows each benchmark reads, fetched with hand-written better-sqlite3
 * statements, built into the same JSON the API returns (S1's flat thread pages, S2's tree),
 * and JSON.stringify-ed.
 */
import type { Database } from 'better-sqlite3';

export interface Row {
  id: number;
  number: number;
  depth: number;
  parentId: number | null;
  body: string;
  createdAt: string;
  handle: string;
  name: string;
}

export const globalId = (type: string, id: number) => Buffer.from(`${type}:${id}`).toString('base64');
const columns = `c.id, c.number, c.depth, c.parentId, c.body, c.createdAt, a.handle, a.name`;

function toNode(row: Row) {
  return {
    id: globalId('Comment', row.id),
    number: row.number,
    depth: row.depth,
    body: row.body,
    createdAt: new Date(row.createdAt).toISOString(),
    author: { handle: row.handle, name: row.name },
  };
}

/** Nests rows (parents before children) under their parents, at most `limit` replies each, down to `levels`. */
export function tree(rows: Row[], roots: Row[], replyLimit: number, levels: number) {
  const children = new Map<number, Row[]>();
  for (const row of rows) {
    if (row.parentId == null) continue;
    const list = children.get(row.parentId) ?? [];
    list.push(row);
    children.set(row.parentId, list);
  }
  const build = (row: Row, level: number): Record<string, unknown> => {
    const node: Record<string, unknown> = toNode(row);
    if (level < levels) {
      const replies = (children.get(row.id) ?? []).slice(0, replyLimit);
      node.replies = { edges: replies.map((reply) => ({ node: build(reply, level + 1) })) };
    }
    return node;
  };
  return roots.map((root) => ({ node: build(root, 0) }));
}

function article(db: Database, slug: string) {
  return db.prepare('SELECT id, title FROM Article WHERE slug = ?').get(slug) as { id: number; title: string };
}

/** The comment id a thread cursor names (base64 of `GPC:N:<id>`, plugin-prisma's format, which Threadline keeps). */
export const cursorId = (cursor: string) => Number(Buffer.from(cursor, 'base64').toString().slice('GPC:N:'.length));
export const cursorOf = (id: number) => Buffer.from(`GPC:N:${id}`).toString('base64');

/**
 * One page of `Article.thread` as S1 asks it: `size` rows in `path` order after the cursor's
 * row, plus one to tell whether there are more, each with its parent's global id.
 */
export function threadPage(article: { id: number; title: string }, rows: Row[], size: number) {
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  return JSON.stringify({
    data: {
      article: {
        id: globalId('Article', article.id),
        title: article.title,
        thread: {
          pageInfo: { hasNextPage: rows.length > size, endCursor: last ? cursorOf(last.id) : null },
          edges: page.map((row) => ({
            node: { ...toNode(row), parent: row.parentId == null ? null : { id: globalId('Comment', row.parentId) } },
          })),
        },
      },
    },
  });
}

export function floorThreadPage(db: Database, slug: string, after: string | null, size: number): string {
  const found = article(db, slug);
  const rows = (
    after === null
      ? db
          .prepare(`SELECT ${columns} FROM Comment c JOIN Author a ON a.id = c.authorId WHERE c.articleId = ? ORDER BY c.path LIMIT ?`)
          .all(found.id, size + 1)
      : db
          .prepare(`SELECT ${columns} FROM Comment c JOIN Author a ON a.id = c.authorId
                    WHERE c.articleId = ? AND c.path > (SELECT path FROM Comment WHERE id = ?) ORDER BY c.path LIMIT ?`)
          .all(found.id, cursorId(after), size + 1)
  ) as Row[];
  return threadPage(found, rows, size);
}

export function floorFirstPage(db: Database, slug: string): string {
  const { id, title } = article(db, slug);
  const roots = db
    .prepare(`SELECT ${columns}, c.path FROM Comment c JOIN Author a ON a.id = c.authorId
              WHERE c.articleId = ? AND c.parentId IS NULL ORDER BY c.number LIMIT 50`)
    .all(id) as (Row & { path: string })[];
  // Every reply below the page's roots, two levels down: one range scan over materialized paths.
  const below =
    roots.length === 0
      ? []
      : (db
          .prepare(`SELECT ${columns} FROM Comment c JOIN Author a ON a.id = c.authorId
                    WHERE c.articleId = ? AND c.path > ? AND c.path < ? AND c.depth BETWEEN 1 AND 2 ORDER BY c.number`)
          .all(id, roots[0]!.path, `${roots[roots.length - 1]!.path}~`) as Row[]);
  return JSON.stringify({
    data: { article: { id: globalId('Article', id), title, comments: { edges: tree([...roots, ...below], roots, 10, 2) } } },
  });
}
