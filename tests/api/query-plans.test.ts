import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArticleNestedDocument,
  ArticleThreadDocument,
  BenchFirstPageDocument,
  BenchThreadPageDocument,
} from '../../schema/generated/graphql.js';
import { loadThread } from '../../src/importers/load.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { generatedThread } from '../fixtures/threads.js';
import { db, demoSlug, query, testDatabase } from '../helpers.js';

const slug = 'plans-thread';
/** The tables a thread read touches; a CTE, a subquery or json_each is not one of them. */
const tables = ['Comment', 'Author', 'Article', 'Quote', 'Mention', 'CommentRevision', 'Tag', '_ArticleToTag'];

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  await loadThread(db, generatedThread(slug, { topLevel: 30, fanout: [3, 2] }));
  // Another article's comments, so that a plan that reads outside its article has rows to read.
  await loadThread(db, generatedThread('plans-other', { topLevel: 200, fanout: [2] }));
  if (testDatabase === 'postgresql') await db.reader.$executeRawUnsafe('ANALYZE');
});

async function statementsWithParams(action: () => Promise<unknown>): Promise<{ sql: string; params: unknown[] }[]> {
  const statements: { sql: string; params: unknown[] }[] = [];
  const stop = db.onQuery((sql, params) => statements.push({ sql, params }));
  try {
    await action();
  } finally {
    stop();
  }
  return statements;
}

/** A problem with one step of a plan, or null: SQLite's `EXPLAIN QUERY PLAN` rows. */
async function sqliteProblems(sql: string, params: unknown[]): Promise<string[]> {
  const rows = await db.reader.$queryRawUnsafe<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${sql}`, ...params);
  // The names a table goes by in this statement: its own, Prisma's `main`.`T`, and its aliases.
  const names = new Map<string, string>();
  for (const table of tables) {
    names.set(table, table);
    names.set(`main.${table}`, table);
  }
  for (const [, table, alias] of sql.matchAll(/"(\w+)" AS (\w+)/g)) if (tables.includes(table!)) names.set(alias!, table!);
  const problems: string[] = [];
  for (const { detail } of rows) {
    const step = /^(SCAN|SEARCH) (\S+)(?: USING (.*))?$/.exec(detail);
    const table = step && names.get(step[2]!);
    if (!step || !table) continue;
    if (step[1] === 'SCAN') problems.push(`scans ${table}: ${detail}`);
    else if (table === 'Comment' && !/INTEGER PRIMARY KEY|INDEX Comment_(articleId|parentId)_/.test(step[3] ?? '')) {
      problems.push(`reads Comment by neither its article, its parent nor its id: ${detail}`);
    }
  }
  return problems;
}

interface PgPlan {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PgPlan[];
}

/** The same for PostgreSQL's `EXPLAIN`, with sequential scans priced out so that any left are the only way to run it. */
async function postgresProblems(sql: string, params: unknown[]): Promise<string[]> {
  const [row] = await db.reader.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
    return tx.$queryRawUnsafe<Record<string, unknown>[]>(`EXPLAIN (FORMAT JSON) ${sql}`, ...params);
  });
  const plan = (Object.values(row!)[0] as [{ Plan: PgPlan }])[0].Plan;
  const problems: string[] = [];
  const walk = (node: PgPlan) => {
    const table = node['Relation Name'];
    if (table && tables.includes(table)) {
      if (node['Node Type'] === 'Seq Scan') problems.push(`scans ${table}`);
      else if (table === 'Comment') {
        // A bitmap heap scan reads the rows its bitmap index scans below it found.
        const indexes = node['Node Type'] === 'Bitmap Heap Scan' ? indexNames(node) : [node['Index Name'] ?? ''];
        for (const index of indexes) {
          if (!/^Comment_(pkey|articleId_|parentId_)/.test(index)) {
            problems.push(`reads Comment by neither its article, its parent nor its id: ${node['Node Type']} ${index}`);
          }
        }
      }
    }
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan);
  return problems;
}

const indexNames = (node: PgPlan): string[] => [
  ...(node['Index Name'] ? [node['Index Name']] : []),
  ...(node.Plans ?? []).flatMap((child) => (child['Relation Name'] ? [] : indexNames(child))),
];

const problemsOf = testDatabase === 'postgresql' ? postgresProblems : sqliteProblems;

describe('every statement a thread read issues stays inside its article', () => {
  const reads = {
    'the flat thread, with quotes, mentions and authors (ArticleThread), and its second page': async () => {
      const first = await query(ArticleThreadDocument, { slug, first: 50 });
      await query(ArticleThreadDocument, { slug, first: 50, after: first.article!.thread.pageInfo.endCursor });
    },
    'replies of replies with counts (ArticleNested)': () => query(ArticleNestedDocument, { slug, first: 10 }),
    'S1: a page of the flat thread, then the next (BenchThreadPage)': async () => {
      const first = await query(BenchThreadPageDocument, { slug, after: null });
      await query(BenchThreadPageDocument, { slug, after: first.article!.thread.pageInfo.endCursor });
    },
    'S2: a page of top-level comments and two levels of replies (BenchFirstPage)': () => query(BenchFirstPageDocument, { slug }),
    'the demo thread (ArticleThread)': () => query(ArticleThreadDocument, { slug: demoSlug }),
  };

  for (const [name, read] of Object.entries(reads)) {
    it(`${name}: no full scans, Comment read by its article's, its parent's or its own key`, async () => {
      const statements = await statementsWithParams(read);
      expect(statements.length).toBeGreaterThan(0);
      const problems: string[] = [];
      for (const { sql, params } of statements) {
        for (const problem of await problemsOf(sql, params)) problems.push(`${problem}\n  in ${sql}`);
      }
      expect(problems).toEqual([]);
    });
  }
});
