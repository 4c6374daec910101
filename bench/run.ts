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

const dbFile = join(mkdtempSync(join(tmpdir(), 'threadline-bench-')), 'bench.db');
const databaseUrl = `file:${dbFile}`;
// Read when the schema is built (plugin-prisma's unused-query check is off in production).
process.env.NODE_ENV = 'production';

const { default: Sqlite } = await import('better-sqlite3');
const { print } = await import('graphql');
const { applyMigrations } = await import('../prisma/migrate.js');
const { buildApp } = await import('../src/app.js');
const { secretFrom } = await import('../src/auth.js');
const { databaseSettings, defaultResponseCache } = await import('../src/config.js');
const { openDatabase } = await import('../src/db.js');
const { loadThread } = await import('../src/importers/load.js');
const { createLogger } = await import('../src/logger.js');
const { BenchFirstPageDocument, BenchThreadPageDocument } = await import('../schema/generated/graphql.js');
const { floorFirstPage, floorThreadPage } = await import('./floor.js');
const { otherArticles, otherArticlesSql, otherComments } = await import('./scale.js');
const { loadAverage, measure, postGraphQL, s1Thread, s2Thread, table, threadlineCommentCount, threadPageSize, twoPages } = await import(
  './common.js'
);

await applyMigrations(databaseUrl);
const settings = databaseSettings({ DATABASE_URL: databaseUrl });
const database = await openDatabase(settings);
// Statements are counted on an app of their own, so that the measured one logs nothing, as in production.
const counted = await openDatabase(settings, { logQueries: true });
await loadThread(database, s1Thread());
await loadThread(database, s2Thread());

const appOn = (db: typeof database) =>
  buildApp({
    database: db,
    logger: createLogger('silent'),
    secret: secretFrom('bench-secret-0123456789abcdef0123456789'),
    graphiql: false,
    // S1 and S2 measure reading, not the response cache (S6 measures that).
    responseCache: { ...defaultResponseCache, maxBytes: 0 },
  });
const app = appOn(database);
const countingApp = appOn(counted);
const urlOf = async (started: typeof app) => `http://127.0.0.1:${(await started.start(0, '127.0.0.1')).port}/graphql`;
const endpoint = await urlOf(app);
const countingEndpoint = await urlOf(countingApp);
const sqlite = new Sqlite(dbFile, { readonly: true });

const threadPage = print(BenchThreadPageDocument);
const firstPage = print(BenchFirstPageDocument);

// Each reader answers with its responses' JSON texts: two pages for S1, one for S2.
const scenarios = [
  {
    name: 'S1 whole thread, 1,000 comments, 2 pages of 500',
    target: 2.5,
    threadline: (at = endpoint) => twoPages((after) => postGraphQL(at, threadPage, { slug: 'bench-s1', after })),
    floor: () => twoPages((after) => floorThreadPage(sqlite, 'bench-s1', after, threadPageSize)),
    expectedComments: 1000,
  },
  {
    name: 'S2 first 50 top-level comments + 2 levels',
    target: 2.5,
    threadline: async (at = endpoint) => [await postGraphQL(at, firstPage, { slug: 'bench-s2' })],
    floor: async () => [floorFirstPage(sqlite, 'bench-s2')],
    expectedComments: 500,
  },
];

const loadBefore = loadAverage();
const rows: string[][] = [];
const cpuRows: string[][] = [];
const statements: string[] = [];
const measured = new Map<string, { t: Awaited<ReturnType<typeof measure>>; f: Awaited<ReturnType<typeof measure>> }>();
for (const scenario of scenarios) {
  // Both sides must produce the same comments before their speed means anything.
  let issued = 0;
  const stopCounting = counted.onQuery(() => issued++);
  await scenario.threadline(countingEndpoint);
  stopCounting();
  const ours = (await scenario.threadline()).map((page) => JSON.parse(page).data);
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
  measured.set(scenario.name, { t, f });
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

// The scale check: S2 again, with 400,000 comments in other articles beside it.
const s2 = scenarios[1]!;
const alone = measured.get(s2.name)!;
const writable = new Sqlite(dbFile);
for (const statement of otherArticlesSql('sqlite')) writable.exec(statement);
writable.close();
const crowded = { t: await measure(s2.threadline, { iterations, warmup }), f: await measure(s2.floor, { iterations, warmup }) };

// S2 again with the response cache on: every read after the first is a stored answer, checked
// against the versions (one statement) and sent as it was. What a popular thread costs between writes.
const cachedApp = buildApp({
  database,
  logger: createLogger('silent'),
  secret: secretFrom('bench-secret-0123456789abcdef0123456789'),
  graphiql: false,
  responseCache: defaultResponseCache,
});
const cachedEndpoint = await urlOf(cachedApp);
const cached = await measure(() => s2.threadline(cachedEndpoint), { iterations, warmup });

await Promise.all([app.stop(), countingApp.stop(), cachedApp.stop()]);
await Promise.all([database.close(), counted.close()]);
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
console.log(
  `\nS2 with the response cache on (a stored answer, checked and sent): p50 ${cached.p50.toFixed(2)} ms, ` +
    `CPU ${cached.cpuMs.toFixed(2)} ms per read; ${(cached.p50 / crowded.f.p50).toFixed(2)}× the floor's p50 ` +
    `(${(cached.cpuMs / crowded.f.cpuMs).toFixed(2)}× its CPU), measured after the scale check's rows were written`,
);
console.log(
  `\nScale: S2 with ${otherComments.toLocaleString('en')} comments in ${otherArticles} other articles, against S2 alone above (target ≤ 1.1×):\n`,
);
console.log(
  table(
    ['reader', 'alone p50 ms', 'crowded p50 ms', 'p50 ratio', 'alone CPU ms', 'crowded CPU ms', 'CPU ratio'],
    (['t', 'f'] as const).map((who) => [
      who === 't' ? 'Threadline' : 'floor',
      alone[who].p50.toFixed(2),
      crowded[who].p50.toFixed(2),
      `${(crowded[who].p50 / alone[who].p50).toFixed(2)}×`,
      alone[who].cpuMs.toFixed(2),
      crowded[who].cpuMs.toFixed(2),
      `${(crowded[who].cpuMs / alone[who].cpuMs).toFixed(2)}×`,
    ]),
  ),
);
