/**
 * Loaded into a measured server with `node --expose-gc --import tsx --import ./bench/live-memory-probe.ts`
 * by bench/live-memory.ts, so that the server measured is the real one (src/server.ts, or
 * bench/live-floor-server.ts) with nothing changed but this listener on its IPC channel and an
 * inspector session of its own (no port is opened).
 *
 * Commands that measure collect garbage first: what is left is what something still holds.
 */
import { findSourceMap } from 'node:module';
import { Session } from 'node:inspector/promises';
import { writeHeapSnapshot } from 'node:v8';
import type { Site } from './live-memory-snapshot.js';

/** One node of a sampling heap profile, flattened: its parent's index (-1 for the root) and its frame. */
export interface ProfileNode {
  parent: number;
  functionName: string;
  /** The script's URL; empty for V8's own code. */
  url: string;
  /** 0-based. */
  line: number;
  column: number;
  /** Estimated bytes, still live, allocated in this frame itself since sampling began. */
  selfSize: number;
}

export type ProbeCommand =
  /** Full collections, a second for freed pages to go back to the OS, then process.memoryUsage(). */
  | { cmd: 'memory' }
  /** Full collections, process.memoryUsage(), then a heap snapshot written to `file`. */
  | { cmd: 'snapshot'; file: string }
  /** Starts V8's sampling heap profiler: one allocation sampled per `interval` bytes on average. */
  | { cmd: 'sample'; interval: number }
  /** Full collections, then what the sampled allocations still alive were allocated by; sampling stops. */
  | { cmd: 'profile' }
  /**
   * Where each compiled position (0-based, in the script tsx produced) is in its source: tsx
   * compiles TypeScript to code on one line, with a source map only this process holds.
   */
  | { cmd: 'locate'; sites: Site[] };

export type ProbeReply =
  | { event: 'memory'; usage: NodeJS.MemoryUsage }
  | { event: 'snapshot'; file: string; usage: NodeJS.MemoryUsage }
  | { event: 'sampling' }
  | { event: 'profile'; nodes: ProfileNode[] }
  /** Per site, `file:line` (the file as its source map names it, the line 1-based), or null if no map has it. */
  | { event: 'located'; places: (string | null)[] }
  | { event: 'error'; message: string };

if (!globalThis.gc) throw new Error('bench/live-memory-probe.ts needs node --expose-gc');
const collect = globalThis.gc;
if (!process.send) throw new Error('bench/live-memory-probe.ts needs an IPC channel to its parent');
// Opened now, so that the session's own objects are there before anything is measured.
const session = new Session();
session.connect();

function locate(sites: Site[]): (string | null)[] {
  return sites.map(({ script, line, column }) => {
    const entry = findSourceMap(script)?.findEntry(line, column);
    return entry && 'originalSource' in entry ? `${entry.originalSource}:${entry.originalLine + 1}` : null;
  });
}

async function profile(): Promise<ProfileNode[]> {
  const { profile } = await session.post('HeapProfiler.getSamplingProfile');
  await session.post('HeapProfiler.stopSampling');
  const nodes: ProfileNode[] = [];
  const pending = [{ node: profile.head, parent: -1 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { callFrame, selfSize, children } = next.node;
    const index = nodes.length;
    nodes.push({
      parent: next.parent,
      functionName: callFrame.functionName,
      url: callFrame.url,
      line: callFrame.lineNumber,
      column: callFrame.columnNumber,
      selfSize,
    });
    for (const child of children) pending.push({ node: child, parent: index });
  }
  return nodes;
}

async function answer(command: ProbeCommand): Promise<ProbeReply> {
  if (command.cmd === 'locate') return { event: 'located', places: locate(command.sites) };
  collect();
  collect();
  switch (command.cmd) {
    case 'memory':
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return { event: 'memory', usage: process.memoryUsage() };
    case 'snapshot': {
      const usage = process.memoryUsage();
      return { event: 'snapshot', file: writeHeapSnapshot(command.file), usage };
    }
    case 'sample':
      await session.post('HeapProfiler.startSampling', { samplingInterval: command.interval });
      return { event: 'sampling' };
    case 'profile':
      return { event: 'profile', nodes: await profile() };
  }
}

process.on('message', (command: ProbeCommand) => {
  answer(command).then(
    (reply) => process.send!(reply),
    (error: unknown) =>
      process.send!({ event: 'error', message: error instanceof Error ? error.message : String(error) } satisfies ProbeReply),
  );
});
// The parent gone, nobody will stop this server.
process.on('disconnect', () => process.exit(0));
