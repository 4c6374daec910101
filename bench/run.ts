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
const { generatedThread } = await import('../tests/fixtures/threads.js');
const { BenchFirstPageDocument, BenchWholeThreadDocument } = await import('../schema/generated/graphql.js');
const { floorFirstPage, floorWholeThread } = await import('./floor.js');

await applyMigrations(process.env.DATABASE_URL);
const s1 = generatedThread('bench-s1', { topLevel: 25, fanout: [3, 3, 3] });
const s2 = generatedThread('bench-s2', { topLevel: 100, fanout: [3, 2] });
await loadThread(s1);
await loadThread(s2);

const app = buildApp({ logger: createLogger('silent'), secret: secretFrom('bench-secret-0123456789abcdef0123456789'), graphiql: false });
const { port } = await app.start(0, '127.0.0.1');
const endpoint = `http://127.0.0.1:${port}/graphql`;
const sqlite = new Database(dbFile, { readonly: true });

async function graphql(query: string, slug: string): Promise<string> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables: { slug } }),
  });
  const text = await response.text();
  if (!response.ok || text.includes('"errors"')) throw new Error(`benchmark query failed: ${text.slice(0, 300)}`);
  return text;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function measure(run: () => unknown): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

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
  const ids = (tree: unknown) => JSON.stringify(tree).match(/"id":"Q29tbWVud[^"]*"/g)?.length ?? 0;
  if (ids(ours) !== scenario.expectedComments || ids(floor) !== scenario.expectedComments) {
    throw new Error(`${scenario.name}: expected ${scenario.expectedComments} comments, got ${ids(ours)} and ${ids(floor)} from the floor`);
  }
  if (JSON.stringify(ours) !== JSON.stringify(floor)) throw new Error(`${scenario.name}: the floor's JSON differs from the API's`);

  const t = await measure(scenario.threadline);
  const f = await measure(scenario.floor);
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
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(`${iterations} iterations after ${warmup} warm-up, Node ${process.version}, SQLite file, HTTP over loopback\n`);
console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
