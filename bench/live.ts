/**
 * S4 and S5, on demand: `npx tsx bench/live.ts [--subscribers 1000,5000,10000] [--posts 50]`.
 *
 * S4  N graphql-ws subscribers of `commentAdded` on one article; the time from sending a
 *     postComment to each subscriber receiving its `next` (p50, p99, max over N × posts).
 * S5  memory per idle subscriber: the server's RSS before and after N subscribers connect and
 *     subscribe, divided by N.
 * Also the server's CPU time per delivered event during S4.
 *
 * Three processes, all on 127.0.0.1 with ports picked by the OS: the server (`src/server.ts`,
 * production mode, a fresh SQLite file for every N), the load (bench/live-load.ts: N raw `ws`
 * sockets, which also sends the mutations, so sending and receiving share one clock) and this
 * one, which only reads /proc and prints. The floor, measured in the same run with the same load
 * process, is a raw `ws` server (bench/live-floor-server.ts) broadcasting one real `next`
 * message captured from Threadline to the same number of sockets.
 *
 * BENCH_CPU_PROF=<folder> writes Threadline's CPU profiles there (bench/profile-summary.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { secretFrom, signToken } from '../src/auth.js';
import type { LoadCommand, LoadReply, RunResult, Trigger } from './live-protocol.js';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000,5000,10000' },
    // One more Threadline row: <groups>x<per group> subscribers of one article in that many live groups.
    groups: { type: 'string', default: '10x1000' },
    posts: { type: 'string', default: '50' },
    gap: { type: 'string', default: '100' },
    // Per server and N: past this, no more posts are made (the table says how many were).
    budget: { type: 'string', default: '120' },
  },
});
const posts = Number(values.posts);
const gapMs = Number(values.gap);
const budgetMs = Number(values.budget) * 1000;
const warmupSockets = 20;
const warmupPosts = 5;
const deliveryTimeoutMs = 30_000;
const secretText = 'bench-secret-0123456789abcdef0123456789';
const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'threadline-bench-live-'));

// Every socket is a file descriptor on each side (the load process and the server), plus a few
// dozen for Node itself, Prisma and SQLite. The children get the hard limit; an N that would not
// fit is dropped, loudly, rather than failing half-way with EMFILE.
const fdMargin = 256;
const [softFds, hardFds] = (() => {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))!;
  const [soft, hard] = line.split(/\s+/).slice(3, 5);
  const number = (value: string | undefined) => (value === 'unlimited' ? 1_048_576 : Number(value));
  return [number(soft), number(hard)];
})();
const childFds = Math.min(hardFds, 1_048_576);
const requested = values.subscribers.split(',').map(Number);
const counts = requested.filter((n) => n + fdMargin <= childFds);
const notes: string[] = [];
if (counts.length < requested.length) {
  notes.push(`skipped N = ${requested.filter((n) => !counts.includes(n)).join(', ')}: the open-file limit is ${childFds} per process`);
}

const children = new Set<ChildProcess>();
// Whatever happens, no server or load process outlives the benchmark.
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

/** Node with the open-file limit raised to the hard limit (a soft limit may be lower). */
function spawnNode(args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  const child = spawn('bash', ['-c', `ulimit -n ${childFds} && exec "$0" "$@"`, process.execPath, ...args], { cwd: root, ...options });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/**
 * Servers run with `--inspect=127.0.0.1:0` for one reason: so that a full garbage collection can
 * be forced from here before reading RSS. Without it S5 measures where V8's collector happened
 * to be (Threadline's heap after importing the demo thread swings by tens of MB). Nothing is
 * attached while the benchmark measures latency or CPU. Resolves with the inspector's address.
 */
function inspectorUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const match = /^Debugger listening on (ws:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]!);
      else if (!/^(For help, see|Debugger (attached|ending))/.test(line)) console.error(line);
    });
  });
}

/**
 * Full collections through the inspector (HeapProfiler.collectGarbage), a moment for freed pages
 * to go back to the OS, then the JS heap's used size (Runtime.getHeapUsage), in bytes.
 */
async function collectGarbage(inspector: string): Promise<number> {
  const ws = new WebSocket(inspector);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  const call = async (method: string) => {
    const answered = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
    ws.send(JSON.stringify({ id: ++id, method }));
    return JSON.parse(await answered) as { result?: { usedSize?: number } };
  };
  await call('HeapProfiler.collectGarbage');
  await call('HeapProfiler.collectGarbage');
  await sleep(1_000);
  const { result } = await call('Runtime.getHeapUsage');
  ws.close();
  return result?.usedSize ?? NaN;
}

/** Resolves with the `url` of the first JSON log line whose `msg` is `message`. */
function listeningUrl(child: ChildProcess, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === message) resolve(entry.url!);
        else if (entry.msg) console.error(`server: ${entry.msg}`);
      } catch {
        console.error(`server: ${line}`);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
  });
}

async function stop(child: ChildProcess, ask: () => void = () => child.kill('SIGTERM')) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  ask();
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

const ticksPerSecond = 100; // getconf CLK_TCK on Linux
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}
function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the process has been idle (at most 2 ticks per half second, twice in a row), at
 * most 20 s: subscriptions are set up asynchronously after the load process has sent them,
 * and RSS read mid-way would count half of them.
 */
async function settle(pid: number) {
  let quiet = 0;
  let last = cpuTicks(pid);
  for (let waited = 0; waited < 20_000 && quiet < 2; waited += 500) {
    await sleep(500);
    const now = cpuTicks(pid);
    quiet = now - last <= 2 ? quiet + 1 : 0;
    last = now;
  }
}

interface Load {
  ask<Reply extends LoadReply>(command: LoadCommand): Promise<Reply>;
  /** Closing the IPC channel ends the load process (it exits on 'disconnect'). */
  stop(): Promise<void>;
}
function startLoad(): Load {
  const child = spawnNode(['--import', 'tsx', 'bench/live-load.ts'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    ask: <Reply extends LoadReply>(command: LoadCommand) =>
      new Promise<Reply>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`the load process exited with ${code}`));
        child.once('exit', onExit);
        child.once('message', (message) => {
          child.off('exit', onExit);
          const reply = message as LoadReply;
          if (reply.event === 'error') reject(new Error(`load process: ${reply.message}`));
          else resolve(reply as Reply);
        });
        child.send(command);
      }),
    stop: () => stop(child, () => child.disconnect()),
  };
}

interface Side {
  latency: RunResult;
  rssBeforeKb: number;
  rssAfterKb: number;
  heapBefore: number;
  heapAfter: number;
  /** A `next` with data, from the measured run or else the warm-up (20 subscribers). */
  sample: string | null;
  cpuMsPerDelivery: number;
}

/**
 * One server, one N: warm up (a few sockets, a few events, so that JIT and first-use
 * allocations are not counted as per-subscriber memory), then RSS before, connect N idle
 * subscribers, RSS after, then the posts with the server's CPU time around them.
 */
async function measure(
  load: Load,
  pid: number,
  inspector: string,
  wsUrl: string,
  count: number,
  subscribe: string[],
  trigger: Trigger,
): Promise<Side> {
  await load.ask({ cmd: 'connect', url: wsUrl, count: warmupSockets, subscribe: subscribe.slice(0, 1) });
  await settle(pid);
  const warm = await load.ask<RunResult>({ cmd: 'run', posts: warmupPosts, gapMs, timeoutMs: deliveryTimeoutMs, budgetMs, trigger });
  if (warm.delivered !== warm.expected)
    throw new Error(`warm-up: ${warm.delivered} of ${warm.expected} deliveries; ${warm.problems.join('; ')}`);
  await load.ask({ cmd: 'close' });
  await settle(pid);
  const heapBefore = await collectGarbage(inspector);
  const rssBeforeKb = rssKb(pid);

  const connected = await load.ask<Extract<LoadReply, { event: 'connected' }>>({ cmd: 'connect', url: wsUrl, count, subscribe });
  if (connected.failed > 0) throw new Error(`${connected.failed} of ${count} sockets failed: ${connected.problems.join('; ')}`);
  await settle(pid);
  const heapAfter = await collectGarbage(inspector);
  const rssAfterKb = rssKb(pid);

  const cpuBefore = cpuTicks(pid);
  const latency = await load.ask<RunResult>({ cmd: 'run', posts, gapMs, timeoutMs: deliveryTimeoutMs, budgetMs, trigger });
  const cpuMs = ((cpuTicks(pid) - cpuBefore) / ticksPerSecond) * 1000;
  await load.ask({ cmd: 'close' });
  // Per event delivered or failed: a `next` with errors cost the server its work too.
  const events = Math.max(1, latency.delivered + latency.errors);
  return {
    latency,
    rssBeforeKb,
    rssAfterKb,
    heapBefore,
    heapAfter,
    cpuMsPerDelivery: cpuMs / events,
    sample: latency.sample ?? warm.sample,
  };
}

const secret = secretFrom(secretText);
// A moderator posts (exempt from the per-author rate limits); an administrator creates the article.
const token = await signToken({ handle: 'live-bench', name: 'Live Bench', role: 'MODERATOR' }, secret);
const adminToken = await signToken({ handle: 'live-admin', name: 'Live Admin', role: 'ADMIN' }, secret);
const subscription =
  'subscription ($articleId: ID!) { commentAdded(articleId: $articleId) { cursor comment { id number body author { name } } } }';
const mutation =
  'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename ... on PostCommentSuccess { comment { id number } } } }';
const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];

/**
 * `groups` different documents (the same fields, and an alias named after the group): each is
 * its own live group, executed once per event, as 10 different widgets of one article would be.
 */
const documentsFor = (groups: number) =>
  groups === 1
    ? [subscription]
    : Array.from({ length: groups }, (_, group) => subscription.replace('cursor', `cursor group${group}: cursor`));

async function threadline(load: Load, count: number, groups = 1): Promise<Side> {
  const dir = mkdtempSync(join(work, 'db-'));
  const server = spawnNode([...profile, '--inspect=127.0.0.1:0', '--import', 'tsx', 'src/server.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      DATABASE_URL: `file:${join(dir, 'bench.db')}`,
      THREADLINE_JWT_SECRET: secretText,
      THREADLINE_WS_MAX_CONNECTIONS_PER_IP: String(count + warmupSockets + 100),
      // An empty database and one new article: the demo thread's import leaves a heap whose
      // collection swings RSS by more than 1,000 idle subscribers weigh.
      SEED_DEMO: 'false',
      NODE_ENV: 'production',
      // `info`, not `warn`: the URL with the OS-picked port is in the info line "Threadline is listening".
      // Nothing else is logged at info per request or per socket, so it costs nothing during the run.
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const inspector = inspectorUrl(server);
    const url = await listeningUrl(server, 'Threadline is listening');
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({
        query: 'mutation ($input: CreateArticleInput!) { createArticle(input: $input) { ... on CreateArticleSuccess { article { id } } } }',
        variables: { input: { title: 'Live benchmark', body: 'An article to subscribe to.', publishedAt: new Date().toISOString() } },
      }),
    });
    const created = (await response.json()) as { data?: { createArticle?: { article?: { id: string } } } };
    const articleId = created.data?.createArticle?.article?.id;
    if (!articleId) throw new Error(`createArticle failed: ${JSON.stringify(created).slice(0, 300)}`);
    const subscribe = documentsFor(groups).map((query) =>
      JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { articleId } } }),
    );
    const trigger: Trigger = {
      url,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: mutation, variables: { input: { articleId, body: 'Live benchmark comment %n' } } }),
      expect: 'PostCommentSuccess',
    };
    return await measure(load, server.pid!, await inspector, url.replace(/^http/, 'ws'), count, subscribe, trigger);
  } finally {
    await stop(server);
  }
}

async function floor(load: Load, count: number, message: string): Promise<Side> {
  const payloadFile = join(work, 'next-message.json');
  writeFileSync(payloadFile, message);
  const server = spawnNode(['--inspect=127.0.0.1:0', '--import', 'tsx', 'bench/live-floor-server.ts', payloadFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const inspector = inspectorUrl(server);
    const url = await listeningUrl(server, 'floor is listening');
    const trigger: Trigger = { url: url.replace(/\/graphql$/, '/broadcast'), headers: {}, body: '%n' };
    return await measure(
      load,
      server.pid!,
      await inspector,
      url.replace(/^http/, 'ws'),
      count,
      ['{"id":"1","type":"subscribe","payload":{}}'],
      trigger,
    );
  } finally {
    await stop(server);
  }
}

const grouping = /^(\d+)x(\d+)$/.exec(values.groups);
if (values.groups !== '' && !grouping) throw new Error('--groups takes <groups>x<subscribers per group>, e.g. 10x1000, or "" for none');
const runs = counts.map((count) => ({ count, groups: 1 }));
if (grouping) {
  const [groups, each] = [Number(grouping[1]), Number(grouping[2])];
  if (groups * each + fdMargin <= childFds) runs.push({ count: groups * each, groups });
  else notes.push(`skipped ${values.groups}: the open-file limit is ${childFds} per process`);
}
const results: { count: number; groups: number; ours: Side; base: Side }[] = [];
const started = performance.now();
for (const { count, groups } of runs) {
  // A fresh load process per N: its heap, after 10,000 sockets, would otherwise burden the next N.
  const load = startLoad();
  const ours = await threadline(load, count, groups);
  if (!ours.sample) throw new Error('no next message was captured from Threadline');
  const base = await floor(load, count, ours.sample);
  await load.stop();
  results.push({ count, groups, ours, base });
  for (const [name, side] of [
    ['Threadline', ours],
    ['floor', base],
  ] as const) {
    for (const problem of side.latency.problems) notes.push(`N = ${count}, ${name}: ${problem}`);
  }
  console.error(
    `N = ${count}${groups > 1 ? ` in ${groups} groups` : ''} done after ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

function table(header: string[], rows: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
// Null when nothing was delivered (every `next` carried errors).
const label = (count: number, groups: number) => `${count.toLocaleString('en-US')}${groups > 1 ? ` in ${groups} groups` : ''}`;
const ms = (value: number | null) => (value === null ? '—' : value < 10 ? value.toFixed(2) : value.toFixed(1));
const ratio = (a: number | null, b: number | null) => (a === null || b === null ? '—' : `${(a / b).toFixed(1)}×`);
const kb = (side: Side, count: number) => (side.rssAfterKb - side.rssBeforeKb) / count;
const mb = (value: number) => (value / 1024).toFixed(1);
const heapKb = (side: Side, count: number) => (side.heapAfter - side.heapBefore) / 1024 / count;

console.log(
  `Node ${process.version}, ${posts} posts ${gapMs} ms apart per N (each after the previous one's deliveries), ` +
    `all on 127.0.0.1; open-file limit ${softFds} soft / ${hardFds} hard, children run with ${childFds}\n`,
);
console.log('S4: postComment sent → `next` received by each subscriber, over N × posts deliveries\n');
console.log(
  table(
    [
      'subscribers',
      'posts',
      'delivered (Threadline / floor)',
      'errors',
      'Threadline p50 ms',
      'p99 ms',
      'max ms',
      'floor p50 ms',
      'p99 ms',
      'max ms',
      'ratio (p99)',
      'target',
    ],
    results.map(({ count, groups, ours, base }) => [
      label(count, groups),
      ours.latency.posts === base.latency.posts ? String(ours.latency.posts) : `${ours.latency.posts} / ${base.latency.posts}`,
      `${ours.latency.delivered} / ${base.latency.delivered}`,
      String(ours.latency.errors + base.latency.errors),
      ms(ours.latency.p50),
      ms(ours.latency.p99),
      ms(ours.latency.max),
      ms(base.latency.p50),
      ms(base.latency.p99),
      ms(base.latency.max),
      ratio(ours.latency.p99, base.latency.p99),
      '≤ 2×',
    ]),
  ),
);
console.log('\nServer CPU during S4 (from /proc/<pid>/stat, 10 ms ticks), and the trigger request itself\n');
console.log(
  table(
    [
      'subscribers',
      'Threadline CPU ms per delivery',
      'floor CPU ms per delivery',
      'ratio',
      'target',
      'postComment p50 ms',
      'floor trigger p50 ms',
      'ratio',
      'target',
    ],
    results.map(({ count, groups, ours, base }) => [
      label(count, groups),
      ours.cpuMsPerDelivery.toFixed(3),
      base.cpuMsPerDelivery.toFixed(4),
      `${(ours.cpuMsPerDelivery / base.cpuMsPerDelivery).toFixed(1)}×`,
      '≤ 2×',
      ms(ours.latency.triggerP50),
      ms(base.latency.triggerP50),
      ratio(ours.latency.triggerP50, base.latency.triggerP50),
      '≤ 2×',
    ]),
  ),
);
console.log('\nS5: server RSS (VmRSS) before and after N idle subscribers connect and subscribe, each after forced full GCs\n');
console.log(
  table(
    [
      'subscribers',
      'Threadline before MB',
      'after MB',
      'KB per subscriber',
      'floor before MB',
      'after MB',
      'KB per subscriber',
      'ratio',
      'target',
      'JS heap KB per subscriber (Threadline / floor)',
    ],
    results.map(({ count, groups, ours, base }) => [
      label(count, groups),
      mb(ours.rssBeforeKb),
      mb(ours.rssAfterKb),
      kb(ours, count).toFixed(1),
      mb(base.rssBeforeKb),
      mb(base.rssAfterKb),
      kb(base, count).toFixed(1),
      `${(kb(ours, count) / kb(base, count)).toFixed(1)}×`,
      '≤ 2×',
      `${heapKb(ours, count).toFixed(1)} / ${heapKb(base, count).toFixed(1)}`,
    ]),
  ),
);
if (notes.length > 0) console.log(`\n${notes.map((n) => `- ${n}`).join('\n')}`);
