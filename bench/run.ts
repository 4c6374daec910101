/**
 * Read benchmarks, on demand: `npm run bench [-- --iterations 200]`.
 *
 * S1  a generated article of 1,000 comments nested four levels deep, read whole through
 *     `Article.thread`: two requests of 500, the second after the first's endCursor;
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
const { defaultResponseCache } = await import('../src/config.js');
const { secretFrom } = await import('../src/auth.js');
const { onQuery, prisma } = await import('../src/db.js');
const { loadThread } = await import('../src/importers/load.js');
const { createLogger } = await import('../src/logger.js');
const { BenchFirstPageDocument, BenchThreadPageDocument } = await import('../schema/generated/graphql.js');
const { floorFirstPage, floorThreadPage } = await import('./floor.js');
const { loadAverage, measure, postGraphQL, s1Thread, s2Thread, table, threadlineCommentCount, threadPageSize, twoPages } = await import(
  './common.js'
);

await applyMigrations(process.env.DATABASE_URL);
await loadThread(s1Thread());
await loadThread(s2Thread());

const app = buildApp({
  logger: createLogger('silent'),
  secret: secretFrom('bench-secret-0123456789abcdef0123456789'),
  graphiql: false,
  // S1 and S2 measure reading, not the response cache (S6 measures that).
  responseCache: { ...defaultResponseCache, maxBytes: 0 },
});
const { port } = await app.start(0, '127.0.0.1');
const endpoint = `http://127.0.0.1:${port}/graphql`;
const sqlite = new Database(dbFile, { readonly: true });

const threadPage = print(BenchThreadPageDocument);
const firstPage = print(BenchFirstPageDocument);

// Each reader answers with its responses' JSON texts: two pages for S1, one for S2.
const scenarios = [
  {
    name: 'S1 whole thread, 1,000 comments, 2 pages of 500',
    target: 2,
    threadline: () => twoPages((after) => postGraphQL(endpoint, threadPage, { slug: 'bench-s1', after })),
    floor: () => twoPages((after) => floorThreadPage(sqlite, 'bench-s1', after, threadPageSize)),
    expectedComments: 1000,
  },
  {
    name: 'S2 first 50 top-level comments + 2 levels',
    target: 2.5,
    threadline: async () => [await postGraphQL(endpoint, firstPage, { slug: 'bench-s2' })],
    floor: async () => [floorFirstPage(sqlite, 'bench-s2')],
    expectedComments: 500,
  },
];

const loadBefore = loadAverage();
const rows: string[][] = [];
const cpuRows: string[][] = [];
const statements: string[] = [];
for (const scenario of scenarios) {
  // Both sides must produce the same comments before their speed means anything.
  let issued = 0;
  const stopCounting = onQuery(() => issued++);
  const ours = (await scenario.threadline()).map((page) => JSON.parse(page).data);
  stopCounting();
  const floor = (await scenario.floor()).map((page) => JSON.parse(page).data);
  const count = threadlineCommentCount;
  if (count(ours) !== scenario.expectedComments || count(floor) !== scenario.expectedComments) {
    throw new Error(
      `${scenario.name}: expected ${scenario.expectedComments} comments, got ${count(ours)} and ${count(floor)} from the floor`,
    );
  }
  if (JSON.stringify(ours) !== JSON.stringify(floor)) throw new Error(`${scenario.name}: the floor's JSON differs from the API's`);
  statements.push(`${scenario.name.slice(0, 2)}: ${issued} SQL statements from Threadline in ${ours.length} request(s)`);

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
  cpuRows.push([scenario.name, t.cpuMs.toFixed(2), f.cpuMs.toFixed(2), `${(t.cpuMs / f.cpuMs).toFixed(1)}×`]);
}

await app.stop();
await prisma.$disconnect();
sqlite.close();

const header = ['scenario', 'Threadline p50 ms', 'p99 ms', 'floor p50 ms', 'p99 ms', 'ratio (p50)', 'target'];
console.log(
  `${iterations} iterations after ${warmup} warm-up, Node ${process.version}, SQLite file, HTTP over loopback; ` +
    `load average ${loadBefore} before, ${loadAverage()} after\n`,
);
console.log(table(header, rows));
console.log(`\nCPU time of this process (server, client and SQLite) per read, over the same ${iterations} iterations:\n`);
console.log(table(['scenario', 'Threadline CPU ms', 'floor CPU ms', 'ratio'], cpuRows));
console.log(`\n${statements.join('\n')}`);
