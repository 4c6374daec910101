/**
 * Read benchmarks, on demand: `npm run bench [-- --iterations 200]`.
 *
 * S1  a generated article of 1,000 comments nested four levels deep, fetched whole;
 * S2  the first page of 50 top-level comments with two levels of replies.
 *
 * Each goes through the real HTTP server (Yoga on node:http, over loopback, in this process)
 * and is compared with its floor, measured in the same run: the same rows read with
 * hand-written better-sqlite3 statements, built into the same tree and JSON.stringify-ed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '30' },
  },
});
const iterations = Number(values.iterations);
const warmup = Number(values.warmup);

// The server's Prisma client reads DATABASE_URL when it is first imported.
const dbFile = join(mkdtempSync(join(tmpdir(), 'threadline-bench-')), 'bench.db');
process.env.DATABASE_URL = `file:${dbFile}`;
process.env.NODE_ENV = 'production';

const { default: Database } = await import('better-sqlite3');
const { print } = await import('graphql');
const { applyMigrations } = await import('../prisma/migrate.js');
const { buildApp } = await import('../src/app.js');
const { secretFrom } = await import('../src/auth.js');
const { prisma } = await import('../src/db.js');
const { loadThread } = await import('../src/importers/load.js');
const { createLogger } = await import('../src/logger.js');
const { BenchFirstPageDocument, BenchWholeThreadDocument } = await import('../schema/generated/graphql.js');
const { floorFirstPage, floorWholeThread } = await import('./floor.js');
const { measure, postGraphQL, s1Thread, s2Thread, table, threadlineCommentCount } = await import('./common.js');

await applyMigrations(process.env.DATABASE_URL);
await loadThread(s1Thread());
await loadThread(s2Thread());

const app = buildApp({ logger: createLogger('silent'), secret: secretFrom('bench-secret-0123456789abcdef0123456789'), graphiql: false });
const { port } = await app.start(0, '127.0.0.1');
const endpoint = `http://127.0.0.1:${port}/graphql`;
const sqlite = new Database(dbFile, { readonly: true });

const graphql = (query: string, slug: string) => postGraphQL(endpoint, query, { slug });

const scenarios = [
  {
    name: 'S1 whole thread, 1,000 comments, 4 levels',
    target: 2,
    threadline: () => graphql(print(BenchWholeThreadDocument), 'bench-s1'),
    floor: () => floorWholeThread(sqlite, 'bench-s1'),
    expectedComments: 1000,
  },
  {
    name: 'S2 first 50 top-level comments + 2 levels',
    target: 2.5,
    threadline: () => graphql(print(BenchFirstPageDocument), 'bench-s2'),
    floor: () => floorFirstPage(sqlite, 'bench-s2'),
    expectedComments: 500,
  },
];

const rows: string[][] = [];
for (const scenario of scenarios) {
  // Both sides must produce the same comments before their speed means anything.
  const ours = JSON.parse(await scenario.threadline()).data;
  const floor = JSON.parse(scenario.floor()).data;
  const ids = threadlineCommentCount;
  if (ids(ours) !== scenario.expectedComments || ids(floor) !== scenario.expectedComments) {
    throw new Error(`${scenario.name}: expected ${scenario.expectedComments} comments, got ${ids(ours)} and ${ids(floor)} from the floor`);
  }
  if (JSON.stringify(ours) !== JSON.stringify(floor)) throw new Error(`${scenario.name}: the floor's JSON differs from the API's`);

  const t = await measure(scenario.threadline, { iterations, warmup });
  const f = await measure(scenario.floor, { iterations, warmup });
  rows.push([
    scenario.name,
    t.p50.toFixed(2),
    t.p99.toFixed(2),
    f.p50.toFixed(2),
    f.p99.toFixed(2),
    `${(t.p50 / f.p50).toFixed(1)}×`,
    `≤ ${scenario.target}×`,
  ]);
}

await app.stop();
await prisma.$disconnect();
sqlite.close();

const header = ['scenario', 'Threadline p50 ms', 'p99 ms', 'floor p50 ms', 'p99 ms', 'ratio (p50)', 'target'];
console.log(`${iterations} iterations after ${warmup} warm-up, Node ${process.version}, SQLite file, HTTP over loopback\n`);
console.log(table(header, rows));
