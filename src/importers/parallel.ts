/**
 * A WordPress or Disqus export parsed in a worker thread (parse-worker.ts) while the caller
 * writes: the same threads, in the same order, as `parseWxr` or `parseDisqus` in this thread.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { WorkerInput, WorkerMessage } from './parse-worker.js';
import { emptyReport, ImportFormatError, type ParsedExport, type ThreadRecord } from './records.js';

const workerPath = fileURLToPath(new URL('./parse-worker.ts', import.meta.url));
let bundled: Promise<string> | undefined;

/**
 * The worker's code as one CommonJS bundle, made once per process: a worker that loaded
 * TypeScript through tsx would start tsx's own loader thread beside it (a third V8 isolate).
 */
function workerSource(): Promise<string> {
  bundled ??= build({
    entryPoints: [workerPath],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]!.text);
  return bundled;
}

/** Threads parsed ahead of the writer at most. */
const ahead = 2;

export function parseInWorker(input: WorkerInput): ParsedExport & { bytesRead(): number } {
  const report = emptyReport();
  let bytesRead = 0;
  async function* threads(): AsyncGenerator<ThreadRecord> {
    const worker = new Worker(await workerSource(), {
      eval: true,
      workerData: input,
      // A parser's garbage is short-lived and small: a small young generation keeps RSS down.
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    const queue: WorkerMessage[] = [];
    let failure: Error | null = null;
    let wake: (() => void) | null = null;
    const notify = () => {
      wake?.();
      wake = null;
    };
    worker.on('message', (message: WorkerMessage) => {
      queue.push(message);
      notify();
    });
    worker.on('error', (error) => {
      failure = error;
      notify();
    });
    worker.on('exit', (code) => {
      if (code !== 0) failure ??= new Error(`the parsing worker stopped with code ${code}`);
      notify();
    });
    worker.postMessage(ahead);
    try {
      for (;;) {
        while (queue.length === 0 && !failure) await new Promise<void>((resolve) => (wake = resolve));
        const message = queue.shift();
        if (!message) throw failure;
        bytesRead = message.kind === 'failed' ? bytesRead : message.bytesRead;
        if (message.kind === 'failed') {
          throw message.format ? new ImportFormatError(message.message, message.line, message.column) : new Error(message.message);
        }
        if (message.kind === 'done') {
          Object.assign(report, message.report);
          return;
        }
        worker.postMessage(1);
        yield message.thread as ThreadRecord;
      }
    } finally {
      await worker.terminate();
    }
  }
  return { threads: threads(), report, bytesRead: () => bytesRead };
}
