/**
 * The PostgreSQL floor: the rows each benchmark reads, fetched with hand-written SQL through a
 * `pg` pool, built into the same JSON the API returns (bench/floor.ts's builders) and
 * JSON.stringify-ed. The same statements as the SQLite floor: two per S1 page, three for S2.
 */
import type pg from 'pg';
import { cursorId, globalId, type Row, threadPage, tree } from './floor.js';

// "createdAt" is a timestamp without time zone holding UTC (as Prisma writes it): formatted as
// ISO text here, so that pg's local-time parsing of such columns cannot shift it.
const columns = `c.id, c.number, c.depth, c."parentId", c.body,
  to_char(c."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", a.handle, a.name`;

// Named statements: each connection parses and plans them once.
const articleStatement = { name: 'floor-article', text: 'SELECT id, title FROM "Article" WHERE slug = $1' };
// A page of the thread in path order, and the page after a cursor's comment (the database's
// collation is C, so paths compare byte by byte, as in SQLite and as Threadline orders them).
const threadFirstPageStatement = {
  name: 'floor-thread-first-page',
  text: `SELECT ${columns} FROM "Comment" c JOIN "Author" a ON a.id = c."authorId"
         WHERE c."articleId" = $1 ORDER BY c.path LIMIT $2`,
};
const threadNextPageStatement = {
  name: 'floor-thread-next-page',
  text: `SELECT ${columns} FROM "Comment" c JOIN "Author" a ON a.id = c."authorId"
         WHERE c."articleId" = $1 AND c.path > (SELECT path FROM "Comment" WHERE id = $2) ORDER BY c.path LIMIT $3`,
};
const firstPageRootsStatement = {
  name: 'floor-first-page-roots',
  text: `SELECT ${columns}, c.path FROM "Comment" c JOIN "Author" a ON a.id = c."authorId"
         WHERE c."articleId" = $1 AND c."parentId" IS NULL ORDER BY c.number LIMIT 50`,
};
// Every reply below the page's roots, two levels down: one range scan over materialized paths.
const firstPageRepliesStatement = {
  name: 'floor-first-page-replies',
  text: `SELECT ${columns} FROM "Comment" c JOIN "Author" a ON a.id = c."authorId"
         WHERE c."articleId" = $1 AND c.path > $2 AND c.path < $3 AND c.depth BETWEEN 1 AND 2 ORDER BY c.number`,
};

async function article(pool: pg.Pool, slug: string) {
  const { rows } = await pool.query<{ id: number; title: string }>({ ...articleStatement, values: [slug] });
  if (!rows[0]) throw new Error(`no article "${slug}"`);
  return rows[0];
}

export async function floorThreadPagePg(pool: pg.Pool, slug: string, after: string | null, size: number): Promise<string> {
  const found = await article(pool, slug);
  const { rows } = await pool.query<Row>(
    after === null
      ? { ...threadFirstPageStatement, values: [found.id, size + 1] }
      : { ...threadNextPageStatement, values: [found.id, cursorId(after), size + 1] },
  );
  return threadPage(found, rows, size);
}

export async function floorFirstPagePg(pool: pg.Pool, slug: string): Promise<string> {
  const { id, title } = await article(pool, slug);
  const { rows: roots } = await pool.query<Row & { path: string }>({ ...firstPageRootsStatement, values: [id] });
  const below =
    roots.length === 0
      ? []
      : (await pool.query<Row>({ ...firstPageRepliesStatement, values: [id, roots[0]!.path, `${roots[roots.length - 1]!.path}~`] })).rows;
  return JSON.stringify({
    data: { article: { id: globalId('Article', id), title, comments: { edges: tree([...roots, ...below], roots, 10, 2) } } },
  });
}
