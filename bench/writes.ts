/**
 * S3, on demand: `npm run bench:writes [-- --writes 600] [-- --as author]`.
 *
 * `--as moderator` (the default) posts as moderators, whose comments skip moderation: the
 * rows compare with earlier runs. `--as author` posts as plain authors, so every write also
 * reads the site's and the article's moderation settings and runs the built-in spam checker
 * (the rate limit is lifted for the run; nothing is held: every body differs, none has links).
 *
 * postComment over HTTP against the real server (`src/server.ts` as a child process, on a
 * SQLite file) at concurrency 1, 8 and 32. The server's CPU time per write (from
 * /proc/<pid>/stat, so the load generator's own work does not count) is compared, in the
 * same run, with its CPU time per trivial query (`{ __typename }`) and with a raw
 * better-sqlite3 transaction writing the same rows.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { secretFrom, signToken } from '../src/auth.js';

const { values } = parseArgs({ options: { writes: { type: 'string', default: '600' }, as: { type: 'string', default: 'moderator' } } });
const writes = Number(values.writes);
if (values.as !== 'moderator' && values.as !== 'author') throw new Error('--as takes moderator or author');
const role = values.as === 'author' ? 'AUTHOR' : 'MODERATOR';
const secretText = 'bench-secret-0123456789abcdef0123456789';
const dbFile = join(mkdtempSync(join(tmpdir(), 'threadline-bench-writes-')), 'bench.db');
const root = new URL('..', import.meta.url).pathname;

// BENCH_CPU_PROF=<folder> writes the server's CPU profile there (read it with bench/profile-summary.ts).
const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
const server = spawn(process.execPath, [...profile, '--import', 'tsx', 'src/server.ts'], {
  cwd: root,
  env: {
    ...process.env,
    PORT: '0',
    DATABASE_URL: `file:${dbFile}`,
    THREADLINE_JWT_SECRET: secretText,
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
    // Authors' comments meet the rate limit; this benchmark measures the write, not the limit.
    ...(role === 'AUTHOR' ? { THREADLINE_RATE_MIN_INTERVAL_SECONDS: '0', THREADLINE_RATE_WINDOW_MAX: '1000000' } : {}),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve, reject) => {
  createInterface({ input: server.stdout! }).on('line', (line) => {
    const entry = JSON.parse(line) as { msg?: string; url?: string };
    if (entry.msg === 'Threadline is listening') resolve(entry.url!);
  });
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});

const ticksPerSecond = 100; // getconf CLK_TCK on Linux
function serverCpuMs(): number {
  const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000; // utime + stime
}

const secret = secretFrom(secretText);
const tokens = await Promise.all(
  Array.from({ length: 32 }, (_, i) => signToken({ handle: `bench-${i}`, name: `Bench ${i}`, role }, secret)),
);
const articleId = await (async () => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ articles(first: 1) { edges { node { id } } } }' }),
  });
  return ((await response.json()) as { data: { articles: { edges: { node: { id: string } }[] } } }).data.articles.edges[0]!.node.id;
})();

const mutation = `mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename ... on PostCommentSuccess { comment { id number status } } } }`;
let sequence = 0;

async function request(body: string, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  const text = await response.text();
  if (!response.ok || !text.includes('"data"') || text.includes('Error"')) throw new Error(`request failed: ${text.slice(0, 200)}`);
  // A held comment would be a different write (and a wrong measurement): every one must be published.
  if (text.includes('"status":"PENDING"') || text.includes('"status":"REJECTED"'))
    throw new Error(`a comment was held: ${text.slice(0, 200)}`);
}

async function load(total: number, concurrency: number, next: (worker: number) => Promise<void>) {
  let started = 0;
  const cpuBefore = serverCpuMs();
  const wallBefore = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (started < total) {
        started++;
        await next(worker);
      }
    }),
  );
  return { cpuMs: (serverCpuMs() - cpuBefore) / total, perSecond: total / ((performance.now() - wallBefore) / 1000) };
}

const post = (worker: number) =>
  request(
    JSON.stringify({ query: mutation, variables: { input: { articleId, body: `Benchmark comment ${++sequence}` } } }),
    tokens[worker],
  );
const trivial = () => request(JSON.stringify({ query: '{ __typename }' }));

// Warm up both paths (JIT, statement caches).
await load(100, 4, post);
await load(300, 4, () => trivial());

const loadBefore = loadavg()[0]!.toFixed(1);
const rows: string[][] = [];
for (const concurrency of [1, 8, 32]) {
  const w = await load(writes, concurrency, post);
  const q = await load(writes * 3, concurrency, () => trivial());
  rows.push([String(concurrency), w.perSecond.toFixed(0), w.cpuMs.toFixed(3), q.cpuMs.toFixed(3), `${(w.cpuMs / q.cpuMs).toFixed(2)}×`]);
}
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));

// The floor: the same rows written by hand, in this process, in one transaction each.
const sqlite = new Database(dbFile);
const article = sqlite.prepare('SELECT id FROM Article ORDER BY id LIMIT 1').get() as { id: number };
const author = sqlite.prepare("SELECT id FROM Author WHERE handle = 'bench-0'").get() as { id: number };
const bump = sqlite.prepare('UPDATE Article SET lastCommentNumber = lastCommentNumber + 1 WHERE id = ? RETURNING lastCommentNumber');
const insert = sqlite.prepare(
  'INSERT INTO Comment (articleId, number, authorId, parentId, depth, path, body, createdAt) VALUES (?, ?, ?, NULL, 0, ?, ?, ?)',
);
const rawWrite = sqlite.transaction((n: number) => {
  const { lastCommentNumber } = bump.get(article.id) as { lastCommentNumber: number };
  insert.run(
    article.id,
    lastCommentNumber,
    author.id,
    `${String(lastCommentNumber).padStart(8, '0')}/`,
    `Raw comment ${n}`,
    new Date().toISOString(),
  );
});
const cpu = process.cpuUsage();
for (let i = 0; i < writes; i++) rawWrite(i);
const used = process.cpuUsage(cpu);
const rawMs = (used.user + used.system) / 1000 / writes;
sqlite.close();

const header = ['concurrency', 'writes/s', 'CPU ms per write', 'CPU ms per { __typename }', 'write ÷ trivial (target ≤ 3×)'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(
  `${writes} writes as ${values.as}s and ${writes * 3} trivial queries per row; server CPU from /proc (10 ms ticks); Node ${process.version}; ` +
    `load average ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after\n`,
);
console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
console.log(`\nraw better-sqlite3 write of the same rows (one transaction each): ${rawMs.toFixed(3)} ms CPU per write`);
