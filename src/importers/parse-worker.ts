/**
 * Parsing beside writing: the CLI runs a WordPress or Disqus parser in this worker thread, so
 * that the next threads are parsed while the main thread writes one (on SQLite a write holds
 * the main thread). Threads come back as structured clones, a few at a time: the main thread
 * hands out credit as it takes them, so the worker never runs far ahead and memory stays one
 * handful of threads. See `parseInWorker`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseDisqus } from './disqus.js';
import { openExport } from './input.js';
import { ImportFormatError } from './records.js';
import { parseWxr } from './wxr.js';

export interface WorkerInput {
  path: string;
  format: 'wxr' | 'disqus';
  includeSpam: boolean;
}

export type WorkerMessage =
  | { kind: 'thread'; thread: unknown; bytesRead: number }
  | { kind: 'done'; report: unknown; bytesRead: number }
  | { kind: 'failed'; message: string; line: number | null; column: number | null; format: boolean };

const port = parentPort!;
const { path, format, includeSpam } = workerData as WorkerInput;
let credit = 0;
let wake: (() => void) | null = null;
port.on('message', (granted: number) => {
  credit += granted;
  wake?.();
  wake = null;
});

/** Parses the file, a thread per credit; then the file's report, or what went wrong. */
async function run(): Promise<void> {
  try {
    const input = await openExport(path);
    const parsed = format === 'wxr' ? parseWxr(input.chunks, { includeSpam }) : parseDisqus(input.chunks, { includeSpam });
    for await (const thread of parsed.threads) {
      while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
      credit--;
      port.postMessage({ kind: 'thread', thread, bytesRead: input.bytesRead() } satisfies WorkerMessage);
    }
    port.postMessage({ kind: 'done', report: parsed.report, bytesRead: input.bytesRead() } satisfies WorkerMessage);
  } catch (error) {
    const known = error instanceof ImportFormatError;
    port.postMessage({
      kind: 'failed',
      message: known ? error.message.replace(/^line \d+(, column \d+)?: /, '') : error instanceof Error ? error.message : String(error),
      line: known ? error.line : null,
      column: known ? error.column : null,
      format: known,
    } satisfies WorkerMessage);
  }
  port.close();
}

void run();
