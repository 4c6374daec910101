/**
 * The subscribers of bench/live.ts, in a process of their own so that the server's CPU time and
 * memory are the server's alone. Driven by bench/live.ts over IPC (see live-protocol.ts).
 *
 * Raw `ws` sockets speaking graphql-transport-ws by hand: graphql-ws's client keeps promises,
 * timers and a sink per operation, which at 10,000 sockets would slow this process more than
 * the server. The same code drives Threadline and the floor, so whatever this process costs
 * per message is paid on both sides of the ratio.
 *
 * Latency is measured on one clock: this process sends the trigger (the postComment, or the
 * floor's broadcast request) and receives the deliveries, both timed with performance.now().
 */
import WebSocket from 'ws';
import type { LoadCommand, LoadReply, RunResult, Trigger } from './live-protocol.js';

const connectConcurrency = 200;
const ackTimeoutMs = 30_000;

let sockets: WebSocket[] = [];
/** Per socket, the last post it received a `next` for: a second message for the same post is not a delivery. */
let seen = new Int32Array(0);
let closing = false;
let problems: string[] = [];
let sample: string | null = null;
/** Only the first `next` with errors of a run is quoted: they are all alike, and there may be 500,000. */
let errorSeen = false;
/** Numbers the trigger bodies: unique for the life of this process, so no two comments are duplicates. */
let triggerNumber = 0;

interface Post {
  number: number;
  sentAt: number;
  delivered: number;
  errors: number;
  expected: number;
  /** Shared by all posts of one run; `latencyCount` is where the next one goes. */
  latencies: Float64Array;
  onComplete: () => void;
}
let current: Post | null = null;
let latencyCount = 0;

function note(problem: string) {
  // Enough to see what went wrong without flooding the reply at 10,000 sockets.
  if (problems.length < 20) problems.push(problem);
}

function onDelivery(index: number, at: number, data: Buffer) {
  const post = current;
  if (!post || seen[index] === post.number) {
    note(`message outside a post or repeated: ${data.toString().slice(0, 200)}`);
    return;
  }
  // Cheap check rather than JSON.parse: this runs N times per post on the measured path.
  if (!data.includes('"type":"next"')) {
    note(`not a next message: ${data.toString().slice(0, 300)}`);
    return;
  }
  seen[index] = post.number;
  // A `next` carrying errors (Threadline's masked "Unexpected error.") arrived, but delivered nothing.
  if (data.includes('"errors"')) {
    post.errors++;
    if (!errorSeen) note(`post ${post.number}: the first next with errors: ${data.toString().slice(0, 300)}`);
    errorSeen = true;
  } else {
    post.latencies[latencyCount++] = at - post.sentAt;
    post.delivered++;
    sample ??= data.toString();
  }
  if (post.delivered + post.errors === post.expected) post.onComplete();
}

function open(url: string, index: number, subscribe: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    let acked = false;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no connection_ack within ${ackTimeoutMs} ms`));
    }, ackTimeoutMs);
    ws.on('open', () => ws.send('{"type":"connection_init","payload":{}}'));
    ws.on('message', (raw) => {
      const at = performance.now();
      // binaryType is the default 'nodebuffer', so every message, text or binary, is one Buffer.
      const data = raw as Buffer;
      if (acked) return onDelivery(index, at, data);
      const message = JSON.parse(data.toString()) as { type?: string };
      if (message.type !== 'connection_ack') {
        clearTimeout(timer);
        ws.terminate();
        reject(new Error(`expected connection_ack, got ${data.toString().slice(0, 200)}`));
        return;
      }
      acked = true;
      clearTimeout(timer);
      if (subscribe) ws.send(subscribe);
      resolve(ws);
    });
    ws.on('error', (error) => {
      clearTimeout(timer);
      if (acked) note(`socket ${index}: ${error.message}`);
      reject(error);
    });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      if (acked && !closing) note(`socket ${index} closed by the server: ${code} ${reason.toString()}`);
      reject(new Error(`closed before connection_ack: ${code} ${reason.toString()}`));
    });
  });
}

async function connect(url: string, count: number, subscribe: string[]): Promise<LoadReply> {
  const started = performance.now();
  closing = false;
  problems = [];
  sockets = new Array<WebSocket>(count);
  seen = new Int32Array(count);
  let next = 0;
  let failed = 0;
  // A bounded number of handshakes in flight: thousands at once overflow the listen backlog.
  await Promise.all(
    Array.from({ length: Math.min(connectConcurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        try {
          sockets[index] = await open(url, index, subscribe[index % subscribe.length]!);
        } catch (error) {
          failed++;
          note(`socket ${index}: ${(error as Error).message}`);
        }
      }
    }),
  );
  return { event: 'connected', open: count - failed, failed, ms: performance.now() - started, problems };
}

const quantile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(posts: number, gapMs: number, timeoutMs: number, budgetMs: number, trigger: Trigger): Promise<RunResult> {
  problems = [];
  sample = null;
  errorSeen = false;
  latencyCount = 0;
  const live = sockets.filter((ws) => ws?.readyState === WebSocket.OPEN).length;
  const latencies = new Float64Array(live * posts);
  const triggerTimes: number[] = [];
  const started = performance.now();
  let made = 0;
  let expectedTotal = 0;
  let deliveredTotal = 0;
  let errorTotal = 0;
  let postsWithErrors = 0;
  for (let number = 1; number <= posts; number++) {
    if (performance.now() - started > budgetMs) {
      note(`time budget of ${budgetMs} ms spent after ${made} posts`);
      break;
    }
    const expected = sockets.filter((ws) => ws?.readyState === WebSocket.OPEN).length;
    let timer: NodeJS.Timeout | undefined;
    let post!: Post;
    const allIn = new Promise<boolean>((resolve) => {
      post = { number, sentAt: 0, delivered: 0, errors: 0, expected, latencies, onComplete: () => resolve(true) };
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    current = post;
    const body = trigger.body.replaceAll('%n', String(++triggerNumber));
    post.sentAt = performance.now();
    const response = await fetch(trigger.url, { method: 'POST', headers: trigger.headers, body });
    const text = await response.text();
    triggerTimes.push(performance.now() - post.sentAt);
    if (!response.ok || (trigger.expect && !text.includes(trigger.expect))) {
      clearTimeout(timer);
      current = null;
      throw new Error(`trigger failed (${response.status}): ${text.slice(0, 300)}`);
    }
    const complete = expected === 0 || (await allIn);
    clearTimeout(timer);
    if (!complete)
      note(`post ${number}: ${expected - post.delivered - post.errors} of ${expected} sockets got nothing within ${timeoutMs} ms`);
    made++;
    expectedTotal += expected;
    deliveredTotal += post.delivered;
    errorTotal += post.errors;
    if (post.errors > 0) postsWithErrors++;
    // Late messages of this post must not count for the next one.
    current = null;
    await sleep(gapMs);
  }
  if (postsWithErrors > 0) note(`${postsWithErrors} of ${made} posts reached some subscribers as errors`);
  const sorted = latencies.subarray(0, latencyCount).sort();
  triggerTimes.sort((a, b) => a - b);
  return {
    event: 'ran',
    posts: made,
    expected: expectedTotal,
    delivered: deliveredTotal,
    errors: errorTotal,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? null,
    triggerP50: triggerTimes[Math.floor(triggerTimes.length / 2)] ?? null,
    sample,
    problems,
  };
}

async function close(): Promise<LoadReply> {
  closing = true;
  const closed = sockets.map(
    (ws) =>
      new Promise<void>((resolve) => {
        if (!ws || ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close(1000);
        // A server that never answers the close handshake must not hold up the benchmark.
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 5_000).unref();
      }),
  );
  await Promise.all(closed);
  sockets = [];
  return { event: 'closed' };
}

async function handle(command: LoadCommand): Promise<LoadReply> {
  switch (command.cmd) {
    case 'connect':
      return connect(command.url, command.count, command.subscribe);
    case 'run':
      return run(command.posts, command.gapMs, command.timeoutMs, command.budgetMs, command.trigger);
    case 'close':
      return close();
  }
}

if (!process.send) throw new Error('bench/live-load.ts is started by bench/live.ts, with an IPC channel');
process.on('message', (command: LoadCommand) => {
  handle(command).then(
    (reply) => process.send!(reply),
    (error: unknown) =>
      process.send!({ event: 'error', message: error instanceof Error ? error.message : String(error) } satisfies LoadReply),
  );
});
// Without its parent nobody will ever close these sockets: go.
process.on('disconnect', () => process.exit(0));
