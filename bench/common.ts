/**
 * What the read benchmarks share: the generated threads S1 and S2 read, the HTTP call, the
 * timing loop and the table printer. Used by bench/run.ts (SQLite) and bench/postgres.ts.
 */
import { loadavg } from 'node:os';
import type { ThreadRecord } from '../src/importers/records.js';
import { generatedThread } from '../tests/fixtures/threads.js';

/** S1: 25 top-level comments, three replies each on three levels: 1,000 comments, four levels, read in two pages. */
export const s1Thread = (): ThreadRecord => generatedThread('bench-s1', { topLevel: 25, fanout: [3, 3, 3] });
/** S2: 100 top-level comments × 3 replies × 2 replies; the first page of 50 holds 500 comments. */
export const s2Thread = (): ThreadRecord => generatedThread('bench-s2', { topLevel: 100, fanout: [3, 2] });

/** POSTs one GraphQL query and returns the body as text; throws on an HTTP error or an `errors` entry. */
export async function postGraphQL(endpoint: string, query: string, variables: Record<string, unknown>): Promise<string> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  if (!response.ok || text.includes('"errors"')) throw new Error(`benchmark query to ${endpoint} failed: ${text.slice(0, 300)}`);
  return text;
}

/**
 * How many comments Threadline responses (or the floor's) hold: one `number` each (counting
 * `Comment:` ids would count S1's `parent { id }` too).
 */
export const threadlineCommentCount = (data: unknown) => JSON.stringify(data).match(/"number":/g)?.length ?? 0;

/** S1's page size: the whole 1,000-comment thread in two requests of `Article.thread`. */
export const threadPageSize = 500;

/**
 * The `endCursor` of a thread page's JSON text, as a client reads it to ask for the next page.
 * S1's queries put `pageInfo` before `edges`, so it is found near the start; a body cannot
 * match, since JSON escapes its quotes.
 */
export function endCursorOf(json: string): string {
  const match = /"endCursor":"([^"]+)"/.exec(json);
  if (!match) throw new Error(`no endCursor in ${json.slice(0, 300)}`);
  return match[1]!;
}

/** Reads a thread in two pages, the second after the first's `endCursor`: S1 for every reader. */
export async function twoPages(page: (after: string | null) => string | Promise<string>): Promise<string[]> {
  const first = await page(null);
  return [first, await page(endCursorOf(first))];
}

export const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

export interface Timing {
  p50: number;
  p99: number;
  mean: number;
  /** Requests per second, one at a time: 1000 / mean ms. */
  perSecond: number;
}

/** Summarises request times in milliseconds. */
export function summarise(times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, t) => sum + t, 0) / sorted.length;
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), mean, perSecond: 1000 / mean };
}

/** Runs `run` `warmup` times untimed, then `iterations` times one after another; returns each time in ms. */
export async function sample(run: () => unknown, { iterations, warmup }: { iterations: number; warmup: number }): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times;
}

/**
 * Times `run` as `sample` does, and the process's CPU time (user and system) per run in ms: on a
 * shared machine the wall time swings with the load, the CPU time a run costs much less.
 */
export async function measure(
  run: () => unknown,
  { iterations, warmup }: { iterations: number; warmup: number },
): Promise<Timing & { cpuMs: number }> {
  await sample(run, { iterations: 0, warmup });
  const before = process.cpuUsage();
  const times = await sample(run, { iterations, warmup: 0 });
  const { user, system } = process.cpuUsage(before);
  return { ...summarise(times), cpuMs: (user + system) / 1000 / iterations };
}

/** The machine's 1-minute load average now, to note how busy it was during a run. */
export const loadAverage = () => loadavg()[0]!.toFixed(1);

/** A Markdown table with padded columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
