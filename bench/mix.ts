/**
 * S6, a read-mostly mix like a popular article's (run by bench/postgres.ts): `readers`
 * concurrent anonymous readers ask S2 (the first 50 top-level comments with two levels of
 * replies, and the article's comment count) over and over while one writer posts a reply to
 * the first comment every `writeEveryMs`, for `seconds`, through HTTP. Each server under test gets the same
 * reads and the same writes, one after the other, on the same database.
 *
 * Every read is checked: the comment count it answers must include every write acknowledged
 * before the read was sent. A read that misses one is counted as stale; the run fails if any is.
 */
import { quantile } from './common.js';

export interface MixTarget {
  name: string;
  /** One S2 read: the number of comments the answer counts. */
  read(): Promise<number>;
  /** One write: a new comment, acknowledged when the promise resolves. */
  write(n: number): Promise<void>;
}

export interface MixResult {
  name: string;
  reads: number;
  readsPerSecond: number;
  p50: number;
  p99: number;
  writes: number;
  writeP50: number;
  stale: number;
}

export async function runMix(
  target: MixTarget,
  { seconds, readers, writeEveryMs }: { seconds: number; readers: number; writeEveryMs: number },
): Promise<MixResult> {
  const initial = await target.read();
  let acknowledged = 0;
  let stale = 0;
  const latencies: number[] = [];
  const writeLatencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;

  // One writer: each reply is sent `writeEveryMs` after the one before was sent, or as soon as
  // that one is answered if it took longer (a writer waits for its answer, as a person does).
  const writer = (async () => {
    for (let n = 0; ; n++) {
      const wait = started + n * writeEveryMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (performance.now() >= deadline) break;
      const sent = performance.now();
      await target.write(n);
      writeLatencies.push(performance.now() - sent);
      acknowledged++;
    }
  })();

  const reader = async () => {
    while (performance.now() < deadline) {
      const mustSee = initial + acknowledged;
      const sent = performance.now();
      const count = await target.read();
      latencies.push(performance.now() - sent);
      if (count < mustSee) stale++;
    }
  };
  await Promise.all([writer, ...Array.from({ length: readers }, reader)]);
  const elapsed = (performance.now() - started) / 1000;

  const sorted = [...latencies].sort((a, b) => a - b);
  const writesSorted = [...writeLatencies].sort((a, b) => a - b);
  return {
    name: target.name,
    reads: latencies.length,
    readsPerSecond: latencies.length / elapsed,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    writes: acknowledged,
    writeP50: writesSorted.length > 0 ? quantile(writesSorted, 0.5) : Number.NaN,
    stale,
  };
}

/** POSTs `query` and returns the number `pattern` finds in the answer (a count), failing on errors. */
export async function countFrom(endpoint: string, query: string, variables: Record<string, unknown>, pattern: RegExp): Promise<number> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  const match = pattern.exec(text);
  if (!response.ok || !match || text.includes('"errors"')) throw new Error(`S6 read from ${endpoint} failed: ${text.slice(0, 300)}`);
  return Number(match[1]);
}

/** POSTs a mutation as `authorization`, failing unless the answer's `__typename` ends in Success (or there is no typename). */
export async function mutateOrFail(endpoint: string, query: string, variables: Record<string, unknown>, authorization?: string) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  if (!response.ok || text.includes('"errors"') || (text.includes('__typename') && !/"__typename":"\w+Success"/.test(text))) {
    throw new Error(`S6 write to ${endpoint} failed: ${text.slice(0, 300)}`);
  }
}
