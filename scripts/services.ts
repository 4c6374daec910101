/**
 * Real PostgreSQL and Redis servers for tests, benchmarks and `migrate:create`, from the
 * machine's Debian packages: each in a fresh temporary folder, on a free loopback port,
 * nothing persisted, and stopped by the caller (`stop()`), also when a test fails.
 *
 *   tsx scripts/services.ts     start both, print their URLs, stop both on Ctrl-C
 */
import { execFile as execFileCallback, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';

const execFile = promisify(execFileCallback);

/** A port nobody listens on now; the server started on it right after rarely loses the race. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => server.once('error', fail).listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

function missing(what: string, packageName: string): Error {
  return new Error(`${what} was not found: install Debian's "${packageName}" package (scripts/ensure-test-packages.sh does, as root).`);
}

export interface PostgresServer {
  /** `postgresql://` URL of the server's `threadline` database. */
  url: string;
  port: number;
  /** The URL of another database on the same server. */
  urlOf(database: string): string;
  /** Stops the server and deletes its files. */
  stop(): Promise<void>;
  /** Stops the server, keeping its data, until `start()`. */
  halt(): Promise<void>;
  start(): Promise<void>;
}

/**
 * initdb refuses to run as root: when we are root, the server runs as the `postgres` user
 * that Debian's package creates, and owns its folder.
 */
async function postgresUser(): Promise<{ uid: number; gid: number; prefix: string[] } | null> {
  if (process.getuid?.() !== 0) return null;
  const { stdout: uid } = await execFile('id', ['-u', 'postgres']).catch(() => {
    throw new Error('PostgreSQL cannot run as root and there is no "postgres" user: install Debian\'s "postgresql-15" package.');
  });
  const { stdout: gid } = await execFile('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()), prefix: ['runuser', '-u', 'postgres', '--'] };
}

export async function startPostgres({ maxConnections = 300 } = {}): Promise<PostgresServer> {
  const bindir = await execFile('pg_config', ['--bindir']).then(
    ({ stdout }) => stdout.trim(),
    () => {
      throw missing('pg_config', 'postgresql-15');
    },
  );
  if (!existsSync(join(bindir, 'initdb'))) throw missing(`${bindir}/initdb`, 'postgresql-15');
  const user = await postgresUser();
  const root = mkdtempSync(join(tmpdir(), 'threadline-pg-'));
  chmodSync(root, 0o700);
  if (user) chownSync(root, user.uid, user.gid);
  const dataDir = join(root, 'data');
  const run = (command: string, args: string[]) => {
    const [file, ...rest] = [...(user?.prefix ?? []), join(bindir, command), ...args];
    return execFile(file!, rest, { timeout: 60_000 });
  };
  await run('initdb', ['-D', dataDir, '-U', 'threadline', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${root}`,
    `-c listen_addresses=127.0.0.1`,
    `-c max_connections=${maxConnections}`,
    // A throwaway server: durability buys nothing here.
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
  ].join(' ');
  const start = () =>
    run('pg_ctl', ['-D', dataDir, '-l', join(root, 'server.log'), '-o', options, '-w', '-t', '60', 'start']).then(() => {});
  const halt = () => run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']).then(() => {});
  await start();
  const urlOf = (database: string) => `postgresql://threadline@127.0.0.1:${port}/${database}`;
  await execFile(join(bindir, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'threadline', 'threadline']);
  let stopped = false;
  return {
    url: urlOf('threadline'),
    port,
    urlOf,
    halt,
    start,
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Creates database `name` on the server at `serverUrl` (a copy of `template` when given);
 * returns its URL.
 */
export async function createDatabase(serverUrl: string, name: string, template?: string): Promise<string> {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.href;
}

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stops the server (it keeps nothing) until `start()` brings it back on the same port. */
  halt(): Promise<void>;
  start(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = server;
    await new Promise<void>((ready, fail) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        fail(error.code === 'ENOENT' ? missing('redis-server', 'redis-server') : error),
      );
      server.once('exit', (code) => fail(new Error(`redis-server exited with code ${code} before it was ready`)));
      // With loglevel warning it prints nothing on a clean start: poll with PING.
      const poll = async () => {
        for (let attempt = 0; attempt < 200; attempt++) {
          const ok = await execFile('redis-cli', ['-p', String(port), 'ping']).then(
            ({ stdout }) => stdout.trim() === 'PONG',
            () => false,
          );
          if (ok) return ready();
          await new Promise((wait) => setTimeout(wait, 25));
        }
        fail(new Error('redis-server did not answer PING within 5 s'));
      };
      void poll();
    });
    server.removeAllListeners('exit');
  };
  const halt = async () => {
    const server = child;
    child = null;
    if (!server || server.exitCode !== null) return;
    await new Promise<void>((done) => {
      server.once('exit', () => done());
      server.kill('SIGKILL');
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    halt,
    stop: halt,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  console.log(`DATABASE_URL=${postgres.url}\nREDIS_URL=${redis.url}\n(Ctrl-C stops both and deletes their files)`);
  const stop = async () => {
    await Promise.all([postgres.stop(), redis.stop()]);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
