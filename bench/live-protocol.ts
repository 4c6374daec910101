/**
 * What bench/live.ts and its load process (bench/live-load.ts) say to each other over Node's
 * IPC channel. One command at a time; every command gets exactly one reply.
 */

/** The HTTP request that makes the server send one event: a postComment, or the floor's broadcast. */
export interface Trigger {
  url: string;
  headers: Record<string, string>;
  /** Every `%n` is replaced by a number unique within the load process (bodies must differ: duplicate check). */
  body: string;
  /** The response must contain this, or the run fails (a postComment that returned an error type). */
  expect?: string;
}

export type LoadCommand =
  /**
   * Open `count` sockets (graphql-transport-ws: connection_init, wait for the ack), then subscribe
   * each: socket i sends `subscribe[i % subscribe.length]`, so k messages make k equal groups.
   */
  | { cmd: 'connect'; url: string; count: number; subscribe: string[] }
  /** Fire the trigger `posts` times, one after another; after each, wait until every socket got its `next`. */
  | { cmd: 'run'; posts: number; gapMs: number; timeoutMs: number; budgetMs: number; trigger: Trigger }
  /** Close the sockets opened by the last `connect`. */
  | { cmd: 'close' };

export interface RunResult {
  event: 'ran';
  /** Posts actually made: fewer than asked when the time budget ran out. */
  posts: number;
  expected: number;
  /** `next` messages with data: the latencies are theirs. */
  delivered: number;
  /** `next` messages carrying errors instead: counted, not timed. */
  errors: number;
  /** Null when nothing was delivered. */
  p50: number | null;
  p99: number | null;
  max: number | null;
  /** How long the trigger's own HTTP request took (for Threadline: the whole postComment). */
  triggerP50: number | null;
  /** The first `next` message received, verbatim: the floor broadcasts these bytes. */
  sample: string | null;
  problems: string[];
}

export type LoadReply =
  | { event: 'connected'; open: number; failed: number; ms: number; problems: string[] }
  | RunResult
  | { event: 'closed' }
  | { event: 'error'; message: string };
