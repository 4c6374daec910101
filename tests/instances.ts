// Threadline as real processes (`npm start`'s server, the CLIs), for tests that need more
// than one instance, a restart, or a SIGKILL. Every process a test file starts is killed
// after each test.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Runs `script` (TypeScript, through tsx) with `env` added to ours. */
export function startProcess(script: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

export async function runProcess(script: string, args: string[], env: Record<string, string>) {
  const proc = startProcess(script, args, env);
  const code = await proc.exited;
  return { code, ...proc.output() };
}

/** Starts `npm start`'s server on a free port; resolves with its GraphQL URL and its log so far. */
export async function startServer(env: Record<string, string>) {
  const server = startProcess('src/server.ts', [], { PORT: '0', HOST: '127.0.0.1', ...env });
  const logs: Record<string, unknown>[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: server.child.stdout! });
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry.msg === 'Threadline is listening') resolve(entry.url as string);
    });
    server.exited.then((code) => reject(new Error(`server exited with ${code}: ${JSON.stringify(logs)} ${server.output().stderr}`)));
  });
  return { server, url, logs };
}
