/**
 * What one idle live subscription holds in the server's JS heap, part by part (issue 11):
 * `npx tsx bench/live-memory.ts [--subscribers 2000] [--top 25]`.
 *
 * For Threadline (`src/server.ts`, production mode, a fresh SQLite file, one new article, as
 * bench/live.ts runs it) and for the floor (bench/live-floor-server.ts: a raw `ws` server that
 * answers connection_init with connection_ack and holds the sockets), each in a child process
 * of its own with bench/live-memory-probe.ts loaded beside it:
 *
 * 1. RSS and heapUsed (process.memoryUsage() after full collections) with no subscriber, then
 *    with N idle ones (N sockets, each `connection_init`, one `commentAdded` subscription).
 * 2. In a second, fresh server process, a heap snapshot with no subscriber and one with N; the
 *    self sizes of both are summed by category (constructor, closure, context, string…) and the
 *    difference is divided by N. For the objects only the second snapshot has, the most common
 *    chains of retainers are printed too. Between the two snapshots V8's sampling heap
 *    profiler runs: what it sampled and is still alive at the end says which code allocated
 *    the new objects (graphql-ws, envelop, a file of ours…), which the snapshot alone does not.
 *    Functions V8 has inlined count for the function they were inlined into.
 *
 * Two processes, because writing a snapshot leaves the process's RSS larger, and the first
 * snapshot would blur the second RSS reading. Both start with a warm-up (a few subscribers
 * that connect, settle and leave), so that what is created once, on first use, is not counted.
 *
 * The subscribers are bench/live-load.ts (raw `ws` sockets, driven over IPC), in a process of
 * their own: nothing of theirs is in the server's heap.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { secretFrom, signToken } from '../src/auth.js';
import { table } from './common.js';
import type { ProbeCommand, ProbeReply, ProfileNode } from './live-memory-probe.js';
import {
  type Category,
  type Census,
  census,
  compiledSites,
  isCompiled,
  readHeapSnapshot,
  retainerChains,
  SnapshotGraph,
  shortScript,
  siteKey,
} from './live-memory-snapshot.js';
import type { LoadCommand, LoadReply } from './live-protocol.js';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '2000' },
    top: { type: 'string', default: '25' },
  },
});
const count = Number(values.subscribers);
const top = Number(values.top);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(top) || top < 1) {
  throw new Error('usage: live-memory.ts [--subscribers <N ≥ 1>] [--top <rows>]');
}
const warmupSockets = 20;
/** The sampling heap profiler's mean interval, in bytes allocated. */
const samplingInterval = 1024;
/** Steps up from an object in the retainer chains printed. */
const chainDepth = 4;
const secretText = 'bench-secret-0123456789abcdef0123456789';
const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'threadline-bench-memory-'));

const fdMargin = 256;
const childFds = (() => {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))!;
  const hard = line.split(/\s+/)[4];
  return Math.min(hard === 'unlimited' ? 1_048_576 : Number(hard), 1_048_576);
})();
if (count + warmupSockets + fdMargin > childFds) throw new Error(`${count} subscribers do not fit the open-file limit of ${childFds}`);

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a rejection naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Node with the open-file limit raised to the hard limit (a soft limit may be lower). */
function spawnNode(args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  const child = spawn('bash', ['-c', `ulimit -n ${childFds} && exec "$0" "$@"`, process.execPath, ...args], { cwd: root, ...options });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** One command over a child's IPC channel, one reply; rejected if the child exits first or takes longer than `ms`. */
function ask<Reply extends { event: string }>(child: ChildProcess, command: object, ms: number, what: string): Promise<Reply> {
  const reply = new Promise<Reply>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${what}: the process exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      const answer = message as Reply & { message?: string };
      if (answer.event === 'error') reject(new Error(`${what}: ${answer.message}`));
      else resolve(answer);
    });
    child.send(command);
  });
  return within(reply, ms, what);
}

async function stop(child: ChildProcess, request: () => void = () => child.kill('SIGTERM')) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  request();
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Until the server has been idle (at most 2 ticks of CPU per half second, twice running), at
 * most 20 s, then one more second: subscriptions are set up after the load process has sent them.
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
  await sleep(1_000);
}

/** Resolves with the `url` of the first JSON line on stdout whose `msg` is `message`. */
function listeningUrl(child: ChildProcess, message: string): Promise<string> {
  const url = new Promise<string>((resolve, reject) => {
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
  return within(url, 60_000, 'server start');
}

interface Server {
  child: ChildProcess;
  wsUrl: string;
  /** The `subscribe` message every socket sends after its ack. */
  subscribe: string;
}

const secret = secretFrom(secretText);
const adminToken = await signToken({ handle: 'live-admin', name: 'Live Admin', role: 'ADMIN' }, secret);
// The document and variables of bench/live.ts.
const subscription =
  'subscription ($articleId: ID!) { commentAdded(articleId: $articleId) { cursor comment { id number body author { name } } } }';
const probe = ['--expose-gc', '--import', 'tsx', '--import', './bench/live-memory-probe.ts'];
const ipcStdio: ['ignore', 'pipe', 'inherit', 'ipc'] = ['ignore', 'pipe', 'inherit', 'ipc'];

async function startThreadline(): Promise<Server> {
  const dir = mkdtempSync(join(work, 'db-'));
  const child = spawnNode([...probe, 'src/server.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      DATABASE_URL: `file:${join(dir, 'bench.db')}`,
      THREADLINE_JWT_SECRET: secretText,
      THREADLINE_WS_MAX_CONNECTIONS_PER_IP: String(count + warmupSockets + 100),
      // As bench/live.ts: an empty database and one new article, so the demo thread's import
      // leaves nothing behind for the collector to be busy with.
      SEED_DEMO: 'false',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
    },
    stdio: ipcStdio,
  });
  const url = await listeningUrl(child, 'Threadline is listening');
  const response = await within(
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({
        query: 'mutation ($input: CreateArticleInput!) { createArticle(input: $input) { ... on CreateArticleSuccess { article { id } } } }',
        variables: { input: { title: 'Live benchmark', body: 'An article to subscribe to.', publishedAt: new Date().toISOString() } },
      }),
    }).then((r) => r.json() as Promise<{ data?: { createArticle?: { article?: { id: string } } } }>),
    30_000,
    'createArticle',
  );
  const articleId = response.data?.createArticle?.article?.id;
  if (!articleId) throw new Error(`createArticle failed: ${JSON.stringify(response).slice(0, 300)}`);
  const subscribe = JSON.stringify({ id: '1', type: 'subscribe', payload: { query: subscription, variables: { articleId } } });
  return { child, wsUrl: url.replace(/^http/, 'ws'), subscribe };
}

async function startFloor(): Promise<Server> {
  // The floor broadcasts this file's bytes on request; nothing here asks it to.
  const payloadFile = join(work, 'next-message.json');
  writeFileSync(payloadFile, '{"id":"1","type":"next","payload":{"data":null}}');
  const child = spawnNode([...probe, 'bench/live-floor-server.ts', payloadFile], { stdio: ipcStdio });
  const url = await listeningUrl(child, 'floor is listening');
  return { child, wsUrl: url.replace(/^http/, 'ws'), subscribe: '{"id":"1","type":"subscribe","payload":{}}' };
}

const load = spawnNode(['--import', 'tsx', 'bench/live-load.ts'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const loadAsk = <Reply extends LoadReply>(command: LoadCommand, ms: number) => ask<Reply>(load, command, ms, `load: ${command.cmd}`);
const probeAsk = <Reply extends ProbeReply>(server: Server, command: ProbeCommand) =>
  ask<Reply>(server.child, command, 300_000, `probe: ${command.cmd}`);

async function connect(server: Server, sockets: number) {
  const reply = await loadAsk<Extract<LoadReply, { event: 'connected' }>>(
    { cmd: 'connect', url: server.wsUrl, count: sockets, subscribe: [server.subscribe] },
    120_000,
  );
  if (reply.failed > 0) throw new Error(`${reply.failed} of ${sockets} sockets failed: ${reply.problems.join('; ')}`);
  await settle(server.child.pid!);
}

async function disconnect(server: Server) {
  await loadAsk({ cmd: 'close' }, 60_000);
  await settle(server.child.pid!);
}

interface Usage {
  rss: number;
  heapUsed: number;
  external: number;
}

interface Side {
  before: Usage;
  after: Usage;
  categories: Map<string, { before: Category; after: Category }>;
  /** The same, summed by kind (see Census.kinds). */
  kinds: Map<string, { before: Category; after: Category }>;
  snapshotBytes: { before: number; after: number };
  /** Per category, the retainer chains of the objects new in the second snapshot. */
  chains: Map<string, Map<string, number>>;
  /** heapUsed when each snapshot was taken. */
  snapshotHeapUsed: { before: number; after: number };
  allocations: Allocators;
}

/**
 * What allocated the objects still alive at the second snapshot, from V8's sampling heap
 * profiler (started just after the first): bytes per part (a package, a file of ours, a Node
 * module) and per function, estimated from the samples. Each sample is attributed to the first
 * frame of its stack, from the allocation outwards, that is neither Node's own code nor V8's:
 * an EventEmitter's listener array goes to whoever added the listener. Only when there is no such
 * frame (a socket Node creates for a new connection) does it go to Node's.
 */
interface Allocators {
  parts: Map<string, number>;
  functions: Map<string, number>;
  total: number;
}

const partOf = ({ url, functionName }: ProfileNode) => {
  // Objects Node's C++ creates (a connection's handle, say) come "from" the V8 API.
  if (url === '') return functionName === '(V8 API)' ? "Node's C++ (V8 API)" : 'V8 built-ins';
  const path = shortScript(url, root);
  const inModules = url.includes('/node_modules/');
  if (!inModules) return path;
  const [scope, name] = path.split('/');
  return scope?.startsWith('@') ? `${scope}/${name}` : scope!;
};

function allocators(nodes: ProfileNode[], located: Map<string, string>): Allocators {
  const parts = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  const ours = (node: ProfileNode) => node.url !== '' && !node.url.startsWith('node:');
  const label = (node: ProfileNode) => {
    // esbuild's keepNames helper, which tsx turns on: it renames each function it is handed.
    if (node.functionName === '__name' && isCompiled(node.url, root)) return `__name (tsx keepNames, in ${shortScript(node.url, root)})`;
    const site = { script: node.url, line: node.line, column: node.column };
    const where = node.url === '' ? 'V8 built-in' : (located.get(siteKey(site)) ?? `${shortScript(node.url, root)}:${node.line + 1}`);
    return `${node.functionName || '(anonymous)'} (${where})`;
  };
  // What the probe allocates to answer (the profile itself) is not the server's. A parent comes
  // before its children in `nodes`.
  const probing: boolean[] = [];
  nodes.forEach((node, i) => {
    probing[i] = (probing[node.parent] ?? false) || node.url.endsWith('/bench/live-memory-probe.ts');
  });
  for (const [i, leaf] of nodes.entries()) {
    if (leaf.selfSize === 0 || probing[i]) continue;
    let frame: ProfileNode | undefined = leaf;
    while (frame && !ours(frame)) frame = nodes[frame.parent];
    // Nothing but Node and V8 on the stack: the innermost frame of Node's own code, if any.
    if (!frame) {
      frame = leaf;
      while (frame && frame.url === '') frame = nodes[frame.parent];
      frame ??= leaf;
    }
    const part = partOf(frame);
    const name = frame === leaf ? label(frame) : `${label(frame)} → ${leaf.functionName || '(anonymous)'}`;
    parts.set(part, (parts.get(part) ?? 0) + leaf.selfSize);
    functions.set(name, (functions.get(name) ?? 0) + leaf.selfSize);
    total += leaf.selfSize;
  }
  return { parts, functions, total };
}

const usageOf = ({ rss, heapUsed, external }: NodeJS.MemoryUsage): Usage => ({ rss, heapUsed, external });

async function measure(name: string, start: () => Promise<Server>): Promise<Side> {
  const started = performance.now();
  const log = (step: string) => console.error(`${name}: ${step} (${((performance.now() - started) / 1000).toFixed(0)} s)`);

  let server = await start();
  let before: Usage;
  let after: Usage;
  try {
    await connect(server, warmupSockets);
    await disconnect(server);
    before = usageOf((await probeAsk<Extract<ProbeReply, { event: 'memory' }>>(server, { cmd: 'memory' })).usage);
    await connect(server, count);
    after = usageOf((await probeAsk<Extract<ProbeReply, { event: 'memory' }>>(server, { cmd: 'memory' })).usage);
    await loadAsk({ cmd: 'close' }, 60_000);
  } finally {
    await stop(server.child);
  }
  log('RSS and heapUsed measured');

  server = await start();
  const files = { before: join(work, `${name}-0.heapsnapshot`), after: join(work, `${name}-${count}.heapsnapshot`) };
  let heapUsed: { before: number; after: number };
  let without: Census;
  let withAll: Census;
  let allocations: Allocators;
  const located = new Map<string, string>();
  try {
    await connect(server, warmupSockets);
    await disconnect(server);
    const first = await probeAsk<Extract<ProbeReply, { event: 'snapshot' }>>(server, { cmd: 'snapshot', file: files.before });
    await probeAsk(server, { cmd: 'sample', interval: samplingInterval });
    await connect(server, count);
    const second = await probeAsk<Extract<ProbeReply, { event: 'snapshot' }>>(server, { cmd: 'snapshot', file: files.after });
    heapUsed = { before: first.usage.heapUsed, after: second.usage.heapUsed };
    log('snapshots written');
    const { nodes: profileNodes } = await probeAsk<Extract<ProbeReply, { event: 'profile' }>>(server, { cmd: 'profile' });
    const graphs = [files.before, files.after].map((file) => new SnapshotGraph(readHeapSnapshot(file)));
    for (const file of Object.values(files)) rmSync(file);
    // Asked while the server still runs: the source maps of what tsx compiled are in its memory.
    const wanted = [
      ...graphs.flatMap((graph) => compiledSites(graph, root)),
      ...profileNodes.filter((node) => isCompiled(node.url, root)).map(({ url, line, column }) => ({ script: url, line, column })),
    ];
    const sites = [...new Map(wanted.map((site) => [siteKey(site), site])).values()];
    const { places } = await probeAsk<Extract<ProbeReply, { event: 'located' }>>(server, { cmd: 'locate', sites });
    sites.forEach((site, i) => {
      const place = places[i];
      if (place) located.set(siteKey(site), shortScript(place, root));
    });
    allocations = allocators(profileNodes, located);
    [without, withAll] = graphs.map((graph) => census(graph, root, located)) as [Census, Census];
    await loadAsk({ cmd: 'close' }, 60_000);
  } finally {
    await stop(server.child);
  }
  const categories = new Map<string, { before: Category; after: Category }>();
  const none: Category = { bytes: 0, count: 0 };
  for (const label of new Set([...without.categories.keys(), ...withAll.categories.keys()])) {
    categories.set(label, { before: without.categories.get(label) ?? none, after: withAll.categories.get(label) ?? none });
  }
  const kinds = new Map<string, { before: Category; after: Category }>();
  for (const [label, { before: was, after: is }] of categories) {
    const kind = withAll.kinds.get(label) ?? without.kinds.get(label)!;
    const sum = kinds.get(kind) ?? { before: { bytes: 0, count: 0 }, after: { bytes: 0, count: 0 } };
    sum.before = { bytes: sum.before.bytes + was.bytes, count: sum.before.count + was.count };
    sum.after = { bytes: sum.after.bytes + is.bytes, count: sum.after.count + is.count };
    kinds.set(kind, sum);
  }
  const largest = [...categories].sort(([, a], [, b]) => growth(b) - growth(a)).slice(0, top);
  const chains = retainerChains(without, withAll, chainDepth, new Set(largest.map(([label]) => label)));
  log('snapshots read');
  return {
    before,
    after,
    categories,
    kinds,
    snapshotBytes: { before: without.totalBytes, after: withAll.totalBytes },
    chains,
    snapshotHeapUsed: heapUsed,
    allocations,
  };
}

const growth = ({ before, after }: { before: Category; after: Category }) => after.bytes - before.bytes;

let threadline: Side;
let floor: Side;
try {
  threadline = await measure('threadline', startThreadline);
  floor = await measure('floor', startFloor);
} finally {
  await stop(load, () => load.disconnect());
}

const perSubscriber = (bytes: number) => bytes / count;
const bytes = (value: number) => Math.round(value).toLocaleString('en-US');
const objects = (value: number) => (Math.abs(value) >= 10 ? value.toFixed(0) : value.toFixed(2));
const share = (part: number, whole: number) => `${((part / whole) * 100).toFixed(0)}%`;

function rows(side: Side, other: Side | null): string[][] {
  const total = side.snapshotBytes.after - side.snapshotBytes.before;
  const ranked = [...side.categories].sort(([, a], [, b]) => growth(b) - growth(a));
  const shown = ranked.slice(0, top);
  const rest = ranked.slice(top).reduce((sum, [, c]) => sum + growth(c), 0);
  const row = (label: string, grew: number, counted: number, otherCategory: { before: Category; after: Category } | undefined) => [
    label,
    bytes(perSubscriber(grew)),
    objects(counted / count),
    share(grew, total),
    ...(other
      ? [
          otherCategory ? bytes(perSubscriber(growth(otherCategory))) : '0',
          otherCategory ? objects((otherCategory.after.count - otherCategory.before.count) / count) : '0',
        ]
      : []),
  ];
  return [
    ...shown.map(([label, c]) => row(label, growth(c), c.after.count - c.before.count, other?.categories.get(label))),
    [
      `everything else (${ranked.length - shown.length} categories)`,
      bytes(perSubscriber(rest)),
      '',
      share(rest, total),
      ...(other ? ['', ''] : []),
    ],
    [
      'total (heap snapshot self sizes)',
      bytes(perSubscriber(total)),
      '',
      '100%',
      ...(other ? [bytes(perSubscriber(other.snapshotBytes.after - other.snapshotBytes.before)), ''] : []),
    ],
  ];
}

function retainers(side: Side): string {
  const ranked = [...side.categories].sort(([, a], [, b]) => growth(b) - growth(a)).slice(0, top);
  const lines: string[] = [];
  for (const [label] of ranked) {
    const chains = side.chains.get(label);
    if (!chains) continue;
    const all = [...chains.values()].reduce((sum, n) => sum + n, 0);
    const common = [...chains].sort(([, a], [, b]) => b - a).slice(0, 2);
    lines.push(`- ${label} (${objects(all / count)} new per subscriber):`);
    for (const [chain, n] of common) lines.push(`    ${share(n, all)} ← ${chain || '(no strong retainer)'}`);
  }
  return lines.join('\n');
}

const mb = (value: number) => (value / 1048576).toFixed(1);
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
const usageRow = (label: string, pick: (side: Side) => [number, number]) => {
  const [ours0, ours1] = pick(threadline);
  const [floor0, floor1] = pick(floor);
  return [
    label,
    `${mb(ours0)} → ${mb(ours1)}`,
    bytes(perSubscriber(ours1 - ours0)),
    `${mb(floor0)} → ${mb(floor1)}`,
    bytes(perSubscriber(floor1 - floor0)),
    ratio(ours1 - ours0, floor1 - floor0),
  ];
};

console.log(
  `Node ${process.version}, ${count.toLocaleString('en-US')} idle subscribers (one commentAdded each), all on 127.0.0.1; ` +
    `load average ${loadavg()[0]!.toFixed(1)} at the end\n`,
);
console.log(`Threadline: bytes of JS heap per idle subscription, by category (the ${top} that grew most)\n`);
console.log(
  table(
    ['category', 'bytes per subscriber', 'objects per subscriber', 'share', 'floor bytes per subscriber', 'floor objects'],
    rows(threadline, floor),
  ),
);
console.log('\nFloor (raw ws, connection_ack, nothing else): the same, its own ranking\n');
console.log(table(['category', 'bytes per subscriber', 'objects per subscriber', 'share'], rows(floor, null)));
console.log('\nBoth, by kind of heap object\n');
console.log(
  table(
    ['kind', 'Threadline bytes per subscriber', 'objects per subscriber', 'floor bytes per subscriber', 'objects per subscriber'],
    [...new Set([...threadline.kinds.keys(), ...floor.kinds.keys()])]
      .map((kind) => [kind, threadline.kinds.get(kind), floor.kinds.get(kind)] as const)
      .sort(([, a], [, b]) => (b ? growth(b) : 0) - (a ? growth(a) : 0))
      .map(([kind, ours, theirs]) => [
        kind,
        ours ? bytes(perSubscriber(growth(ours))) : '0',
        ours ? objects((ours.after.count - ours.before.count) / count) : '0',
        theirs ? bytes(perSubscriber(growth(theirs))) : '0',
        theirs ? objects((theirs.after.count - theirs.before.count) / count) : '0',
      ]),
  ),
);
function partRows(): string[][] {
  const names = new Set([...threadline.allocations.parts.keys(), ...floor.allocations.parts.keys()]);
  const ranked = [...names]
    .map((part) => [part, threadline.allocations.parts.get(part) ?? 0, floor.allocations.parts.get(part) ?? 0] as const)
    .sort((a, b) => b[1] - a[1] || b[2] - a[2]);
  // Parts under 16 bytes per subscriber on both sides, together.
  const small = (bytesOf: number) => bytesOf / count < 16;
  const shown = ranked.filter(([, ours, theirs]) => !small(ours) || !small(theirs));
  const rest = ranked.filter(([, ours, theirs]) => small(ours) && small(theirs));
  const sum = (side: 1 | 2) => rest.reduce((total, row) => total + row[side], 0);
  return [
    ...shown.map(([part, ours, theirs]) => [
      part,
      bytes(perSubscriber(ours)),
      share(ours, threadline.allocations.total),
      bytes(perSubscriber(theirs)),
    ]),
    [
      `the rest (${rest.length} parts)`,
      bytes(perSubscriber(sum(1))),
      share(sum(1), threadline.allocations.total),
      bytes(perSubscriber(sum(2))),
    ],
    ['total', bytes(perSubscriber(threadline.allocations.total)), '100%', bytes(perSubscriber(floor.allocations.total))],
  ];
}

function functionRows(side: Side, rowsShown: number): string[][] {
  const ranked = [...side.allocations.functions].sort(([, a], [, b]) => b - a);
  return ranked.slice(0, rowsShown).map(([name, size]) => [name, bytes(perSubscriber(size)), share(size, side.allocations.total)]);
}

console.log(
  `\nWhat allocated it: live objects allocated after the first snapshot, by allocating code (V8's sampling heap profiler, one sample per ~${samplingInterval} bytes allocated; estimates; objects freed meanwhile are not subtracted)\n`,
);
console.log(
  table(['part (package, file, Node module)', 'Threadline bytes per subscriber', 'share', 'floor bytes per subscriber'], partRows()),
);
console.log(
  `\nThreadline: the ${top} functions that allocated most (the first frame outside Node and V8 → the function that allocated, when another)\n`,
);
console.log(table(['function', 'bytes per subscriber', 'share'], functionRows(threadline, top)));
console.log('\nFloor: the same, 10 rows\n');
console.log(table(['function', 'bytes per subscriber', 'share'], functionRows(floor, 10)));
console.log('\nWhole process, after full collections (process.memoryUsage(); MB with none → with all, then bytes per subscriber)\n');
console.log(
  table(
    ['measure', 'Threadline MB', 'Threadline per subscriber', 'floor MB', 'floor per subscriber', 'ratio'],
    [
      usageRow('heap snapshot, self sizes', (side) => [side.snapshotBytes.before, side.snapshotBytes.after]),
      usageRow('heapUsed (snapshot run)', (side) => [side.snapshotHeapUsed.before, side.snapshotHeapUsed.after]),
      usageRow('heapUsed', (side) => [side.before.heapUsed, side.after.heapUsed]),
      usageRow('external', (side) => [side.before.external, side.after.external]),
      usageRow('RSS', (side) => [side.before.rss, side.after.rss]),
    ],
  ),
);
const heapRatio =
  (threadline.snapshotBytes.after - threadline.snapshotBytes.before) / (floor.snapshotBytes.after - floor.snapshotBytes.before);
const rssRatio = (threadline.after.rss - threadline.before.rss) / (floor.after.rss - floor.before.rss);
console.log(`\nThreadline / floor per subscriber: JS heap ${heapRatio.toFixed(1)}×, RSS ${rssRatio.toFixed(1)}×`);
console.log(
  `\nWhat holds the objects new with the subscribers (on a shortest path from the GC roots, ${chainDepth} steps up; the two most common chains)\n`,
);
console.log('Threadline:');
console.log(retainers(threadline));
console.log('\nFloor:');
console.log(retainers(floor));
