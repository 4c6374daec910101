/**
 * Pages of rows per parent, in one statement for any number of parents, reading at most a
 * page (plus one, to know whether there is more) of each parent's rows: `first: 10` replies
 * of each of 50 comments reads at most 550 index entries, however many replies a hot comment
 * has. Prisma's nested `take` cannot do that: it loads every child of every parent and cuts
 * the pages in memory.
 *
 * The parents travel as one parameter (a JSON array for SQLite, an int[] for PostgreSQL), so
 * no number of parents can pass a database's limit of bound parameters. Each parent's page is
 * a correlated subquery with its own LIMIT: a LATERAL join on PostgreSQL, a scalar subquery
 * aggregated to a JSON array on SQLite (which has no LATERAL); both walk the same indexes.
 *
 * `loadPages` returns ids only, for a caller that loads the rows with the client's selection;
 * `loadPageRows` returns the rows themselves, joined, in the same statement.
 */
import type { Database } from '../db.js';
import type { Provider } from '../db-url.js';

/** A piece of SQL with `?` for each of its parameters, in order. */
export interface Sql {
  text: string;
  params: unknown[];
}

export const sql = (text: string, ...params: unknown[]): Sql => ({ text, params });

/** A sort key: its expression on a paged row, and the same column read off the cursor's row. */
export interface OrderKey {
  expr: string;
  cursorColumn: string;
  desc?: boolean;
  /** The key may be NULL: compared for equality null-safely (a key before it orders the NULLs). */
  nullable?: boolean;
}

export interface PagedRelation {
  /** The FROM clause: the paged rows aliased `x`, with any joins. */
  from: string;
  /** The column the pages are per (`x."parentId"`, say); null for a single page of everything. */
  parent: string | null;
  /** The id of the node a row stands for. */
  node: string;
  /** Rows of one node may repeat (a comment quoting two spans of one source): group them. */
  groupByNode?: boolean;
  where?: Sql[];
  /** The order, ending with a key unique among one parent's rows. */
  order: OrderKey[];
  /** The table a cursor's id is looked up in, for its sort keys. */
  cursorTable: string;
  /** The bytes of text a node carries (its body, say), read with its id so that a page too heavy to load is refused unread. */
  weight?: string;
}

/** A node of a page, and the bytes of text it carries. */
export interface PageEntry {
  id: number;
  weight: number;
}

export interface PageRequest {
  /** Rows wanted per parent; one more is read to tell whether there are more. */
  size: number;
  /** `first`/`after` (true) or `last`/`before` (false). */
  forward: boolean;
  /** The node id after (forward) or before (backward) which the page starts; null from the start (or end). */
  cursor: number | null;
}

/** Renders `?` as `$1, $2, …` for PostgreSQL. */
function render(provider: Provider, parts: Sql[]): { text: string; params: unknown[] } {
  const text = parts.map((part) => part.text).join(' ');
  const params = parts.flatMap((part) => part.params);
  if (provider !== 'postgresql') return { text, params };
  let index = 0;
  return { text: text.replace(/\?/g, () => `$${++index}`), params };
}

/** Runs on `db.direct`: rows as the driver returns them (src/db-direct.ts), not as Prisma maps them. */
async function query<Row>(db: Database, parts: Sql[]): Promise<Row[]> {
  const { text, params } = render(db.provider, parts);
  return db.direct.all<Row>(text, params);
}

const nullSafeEquals = (provider: Provider) => (provider === 'postgresql' ? 'IS NOT DISTINCT FROM' : 'IS');

/** Keyset condition: the rows after (in the page's direction) the cursor's row. */
function seek(provider: Provider, relation: PagedRelation, page: PageRequest): Sql[] {
  if (page.cursor === null) return [];
  const cursorValue = (key: OrderKey) => `(SELECT ${key.cursorColumn} FROM ${relation.cursorTable} WHERE "id" = ?)`;
  const alternatives: Sql[] = relation.order.map((key, index) => {
    const equalities = relation.order
      .slice(0, index)
      .map((earlier) => sql(`${earlier.expr} ${earlier.nullable ? nullSafeEquals(provider) : '='} ${cursorValue(earlier)}`, page.cursor));
    const later = !!key.desc === page.forward ? '<' : '>';
    const step = sql(`${key.expr} ${later} ${cursorValue(key)}`, page.cursor);
    return joinSql([...equalities, step], ' AND ');
  });
  return [sql('AND ('), joinSql(alternatives, ' OR ', true), sql(')')];
}

function joinSql(parts: Sql[], separator: string, parenthesize = false): Sql {
  return {
    text: parts.map((part) => (parenthesize ? `(${part.text})` : part.text)).join(separator),
    params: parts.flatMap((part) => part.params),
  };
}

const orderBy = (relation: PagedRelation, forward: boolean) =>
  relation.order.map((key) => `${key.expr} ${!!key.desc === forward ? 'DESC' : 'ASC'}`).join(', ');

/**
 * The nodes of one page: WHERE … ORDER BY … LIMIT, with `parentMatch` naming the parent, each
 * with its weight and its sort keys as "k0", "k1", … (the outer query orders by them).
 */
function pageSelect(provider: Provider, relation: PagedRelation, page: PageRequest, parentMatch: Sql | null): Sql[] {
  const conditions = [...(parentMatch ? [parentMatch] : []), ...(relation.where ?? [])];
  const keyColumns = relation.order.map((key, index) => `, ${key.expr} AS "k${index}"`).join('');
  return [
    sql(`SELECT ${relation.node} AS "id", ${relation.weight ?? '0'} AS "weight"${keyColumns} FROM ${relation.from} WHERE`),
    conditions.length > 0 ? joinSql(conditions, ' AND ') : sql('1 = 1'),
    ...seek(provider, relation, page),
    sql(relation.groupByNode ? `GROUP BY ${relation.node}` : ''),
    sql(`ORDER BY ${orderBy(relation, page.forward)} LIMIT ${page.size + 1}`),
  ];
}

const entry = (id: unknown, weight: unknown): PageEntry => ({ id: Number(id), weight: Number(weight ?? 0) });

/**
 * Each parent's page, in page order (for a backward page, nearest the cursor first), at most
 * `page.size + 1` nodes.
 */
export async function loadPages(
  db: Database,
  relation: PagedRelation,
  parents: readonly number[],
  page: PageRequest,
): Promise<Map<number, PageEntry[]>> {
  const { provider } = db;
  if (!Number.isInteger(page.size) || page.size < 0) throw new Error(`page size ${page.size}`);
  const pages = new Map<number, PageEntry[]>(parents.map((parent) => [parent, []]));
  if (parents.length === 0) return pages;
  if (relation.parent === null) {
    const rows = await query<{ id: number; weight: number }>(db, pageSelect(provider, relation, page, null));
    pages.set(
      parents[0]!,
      rows.map((row) => entry(row.id, row.weight)),
    );
    return pages;
  }
  const byKeys = (prefix: string) =>
    relation.order.map((key, index) => `${prefix}"k${index}" ${!!key.desc === page.forward ? 'DESC' : 'ASC'}`).join(', ');
  if (provider === 'postgresql') {
    const rows = await query<{ key: number; id: number; weight: number }>(db, [
      sql('SELECT p."key" AS "key", s."id" AS "id", s."weight" AS "weight" FROM unnest(?::int[]) AS p("key") CROSS JOIN LATERAL (', [
        ...parents,
      ]),
      ...pageSelect(provider, relation, page, sql(`${relation.parent} = p."key"`)),
      sql(`) AS s ORDER BY p."key", ${byKeys('s.')}`),
    ]);
    for (const row of rows) pages.get(Number(row.key))?.push(entry(row.id, row.weight));
    return pages;
  }
  const rows = await query<{ key: number; page: string }>(db, [
    sql(`SELECT p."value" AS "key", (SELECT json_group_array(json_array("id", "weight") ORDER BY ${byKeys('')}) FROM (`),
    ...pageSelect(provider, relation, page, sql(`${relation.parent} = p."value"`)),
    sql(')) AS "page" FROM json_each(?) AS p', JSON.stringify(parents)),
  ]);
  for (const row of rows)
    pages.set(
      Number(row.key),
      (JSON.parse(row.page) as [number, number][]).map(([id, weight]) => entry(id, weight)),
    );
  return pages;
}

/**
 * Every parent's page as rows of ("key", "id", "weight", sort columns), and the ORDER BY (over
 * those column names) that lists them parent by parent, each page in page order.
 */
function pageEntries(
  provider: Provider,
  relation: PagedRelation,
  parents: readonly number[],
  page: PageRequest,
): { parts: Sql[]; order: string[] } {
  const keys = relation.order.map((key, index) => ({ name: `"k${index}"`, direction: !!key.desc === page.forward ? 'DESC' : 'ASC' }));
  const byKeys = keys.map(({ name, direction }) => `${name} ${direction}`);
  const keyNames = keys.map(({ name }) => `, s.${name}`).join('');
  if (relation.parent === null) {
    return {
      parts: [sql(`SELECT 0 AS "key", s."id", s."weight"${keyNames} FROM (`), ...pageSelect(provider, relation, page, null), sql(') AS s')],
      order: byKeys,
    };
  }
  if (provider === 'postgresql') {
    return {
      parts: [
        sql(`SELECT p."key" AS "key", s."id", s."weight"${keyNames} FROM unnest(?::int[]) AS p("key") CROSS JOIN LATERAL (`, [...parents]),
        ...pageSelect(provider, relation, page, sql(`${relation.parent} = p."key"`)),
        sql(') AS s'),
      ],
      order: ['"key"', ...byKeys],
    };
  }
  // SQLite has no LATERAL: each parent's page is aggregated to a JSON array by a correlated
  // subquery and spread out again by json_each, whose "key" is the position in the page.
  return {
    parts: [
      sql(
        `SELECT p."value" AS "key", e."value" ->> 0 AS "id", e."value" ->> 1 AS "weight", e."key" AS "position" FROM json_each(?) AS p, json_each((SELECT json_group_array(json_array("id", "weight") ORDER BY ${byKeys.join(', ')}) FROM (`,
        JSON.stringify(parents),
      ),
      ...pageSelect(provider, relation, page, sql(`${relation.parent} = p."value"`)),
      sql('))) AS e'),
    ],
    order: ['"key"', '"position"'],
  };
}

/** A page's rows, each with the parent it is for. */
export interface PageRows<Row> {
  pages: Map<number, Row[]>;
  /** The bytes of text the pages carry in all (`weight`). */
  weight: number;
  /** False when the pages weigh more than `maxWeight`: `pages` is then empty. */
  complete: boolean;
}

/**
 * Each parent's page (as `loadPages`) with its rows, in one statement: `columns` is a select
 * list over the node's table aliased `c` and any tables `joins` adds. The weights are summed
 * before any row is read: pages heavier than `maxWeight` in all read one row, not their text.
 */
export async function loadPageRows<Row>(
  db: Database,
  relation: PagedRelation,
  parents: readonly number[],
  page: PageRequest,
  { table, columns, joins = '', maxWeight }: { table: string; columns: string; joins?: string; maxWeight: number },
): Promise<PageRows<Row>> {
  if (!Number.isInteger(page.size) || page.size < 0) throw new Error(`page size ${page.size}`);
  const pages = new Map<number, Row[]>(parents.map((parent) => [parent, []]));
  if (parents.length === 0) return { pages, weight: 0, complete: true };
  const entries = pageEntries(db.provider, relation, parents, page);
  const order = entries.order.join(', ');
  const rows = await query<Row & { pageKey: number | bigint; pageWeight: number | bigint }>(db, [
    sql('WITH "entries" AS ('),
    ...entries.parts,
    sql(
      `), "weighed" AS (SELECT "entries".*, SUM("weight") OVER () AS "total", ROW_NUMBER() OVER (ORDER BY ${order}) AS "place" FROM "entries")`,
    ),
    sql(
      `SELECT w."key" AS "pageKey", w."total" AS "pageWeight", ${columns} FROM "weighed" AS w JOIN ${table} AS c ON c."id" = w."id" ${joins}`,
    ),
    sql('WHERE w."total" <= ? OR w."place" = 1', maxWeight),
    sql(`ORDER BY ${entries.order.map((column) => `w.${column}`).join(', ')}`),
  ]);
  const weight = rows.length === 0 ? 0 : Number(rows[0]!.pageWeight);
  if (weight > maxWeight) return { pages: new Map(), weight, complete: false };
  for (const row of rows) pages.get(Number(row.pageKey))?.push(row);
  return { pages, weight, complete: true };
}

/** How many nodes each parent has in all (the connection's `totalCount`). */
export async function countPages(db: Database, relation: PagedRelation, parents: readonly number[]): Promise<Map<number, number>> {
  const counts = new Map<number, number>(parents.map((parent) => [parent, 0]));
  if (parents.length === 0) return counts;
  const counted = relation.groupByNode ? `COUNT(DISTINCT ${relation.node})` : 'COUNT(*)';
  const where = relation.where ?? [];
  if (relation.parent === null) {
    const [row] = await query<{ count: number | bigint }>(db, [
      sql(`SELECT ${counted} AS "count" FROM ${relation.from} WHERE 1 = 1`),
      ...where.map((condition) => ({ ...condition, text: `AND ${condition.text}` })),
    ]);
    counts.set(parents[0]!, Number(row?.count ?? 0));
    return counts;
  }
  const parentIn =
    db.provider === 'postgresql'
      ? sql(`${relation.parent} = ANY(?::int[])`, [...parents])
      : sql(`${relation.parent} IN (SELECT "value" FROM json_each(?))`, JSON.stringify(parents));
  const rows = await query<{ key: number; count: number | bigint }>(db, [
    sql(`SELECT ${relation.parent} AS "key", ${counted} AS "count" FROM ${relation.from} WHERE`),
    joinSql([parentIn, ...where], ' AND '),
    sql(`GROUP BY ${relation.parent}`),
  ]);
  for (const row of rows) counts.set(Number(row.key), Number(row.count));
  return counts;
}
