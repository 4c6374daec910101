/**
 * Threadline's migration runner. Prisma's CLI needs a native schema engine that cannot be
 * downloaded on our machines, so migrations go through Prisma's WebAssembly schema engine,
 * driven through the same driver adapter the application uses. Each provider has its own
 * schema (generated from prisma/models.prisma) and migrations: prisma/sqlite/ and
 * prisma/postgresql/. The DATABASE_URL picks which.
 *
 *   tsx prisma/migrate.ts apply [DATABASE_URL]   apply pending migrations (npm start does this too)
 *   tsx prisma/migrate.ts create <name>          write the next migration of both providers from changes to the models
 *   tsx prisma/migrate.ts check [DATABASE_URL]   exit 1 when the database differs from the models
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import Database from 'better-sqlite3';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as wasmModule from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { DiffTarget, MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';
import { type Provider, providerOf, sqliteFilePath } from '../src/db-url.js';

const prismaDir = dirname(fileURLToPath(import.meta.url));
export const providers: readonly Provider[] = ['sqlite', 'postgresql'];
export const schemaPathOf = (provider: Provider) => join(prismaDir, provider, 'schema.prisma');
export const migrationsDirOf = (provider: Provider) => join(prismaDir, provider, 'migrations');
const lockfileName = 'migration_lock.toml';
const noFilters = { externalTables: [], externalEnums: [] };

function provider(url: string): Provider {
  const found = providerOf(url);
  if (!found) throw new Error(`DATABASE_URL must be a SQLite "file:<path>" or a "postgresql://" URL; got "${url.split(':')[0]}:…"`);
  return found;
}

let wasmReady: Promise<void> | undefined;

function loadWasm(): Promise<void> {
  wasmReady ??= (async () => {
    // createRequire rather than import.meta.resolve, which Vite's module runner (vitest's global set-up) lacks.
    const wasmPath = join(
      dirname(createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg')),
      'schema_engine_bg.wasm',
    );
    const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
      './schema_engine_bg.js': wasmModule as unknown as WebAssembly.ModuleImports,
    });
    const exports = instance.exports as WebAssembly.Exports & { __wbindgen_start: () => void };
    wasmModule.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
  })();
  return wasmReady;
}

export interface EngineHandle {
  engine: SchemaEngine;
  schemaPath: string;
  close(): Promise<void>;
}

/**
 * The engine reads PostgreSQL's catalog, where constraint kinds are of the internal type
 * "char" (OID 18), which @prisma/adapter-pg 7.10 does not map ("Column type 'char' could not
 * be deserialized"). The values arrive as one-letter strings either way: report them as text.
 */
function catalogPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
  return Object.assign(pool, {
    query: async (config: pg.QueryConfig) => {
      const result = await query(config);
      for (const field of result.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
      return result;
    },
  });
}

async function adapterFactory(url: string): Promise<SqlMigrationAwareDriverAdapterFactory> {
  if (provider(url) === 'postgresql') return new PrismaPg(catalogPool(url), { disposeExternalPool: true });
  const filePath = sqliteFilePath(url);
  if (filePath !== ':memory:') await mkdir(dirname(resolve(filePath)), { recursive: true });
  return new PrismaBetterSqlite3({ url: filePath, timeout: 5000 });
}

/** Opens a schema engine bound to the database at `url`, with its provider's schema. */
export async function openEngine(url: string, log: (message: string) => void = () => {}): Promise<EngineHandle> {
  await loadWasm();
  // The engine does not close the connections it opens; left open, one holds SQLite's lock
  // and the next engine on the same file times out. Track them and close them with the engine.
  const base = await adapterFactory(url);
  const opened: SqlDriverAdapter[] = [];
  const track = async (connect: Promise<SqlDriverAdapter>) => {
    const adapter = await connect;
    opened.push(adapter);
    return adapter;
  };
  const factory = bindMigrationAwareSqlAdapterFactory({
    provider: base.provider,
    adapterName: base.adapterName,
    connect: () => track(base.connect()),
    connectToShadowDb: () => track(base.connectToShadowDb()),
  });
  const schemaPath = schemaPathOf(provider(url));
  const schema = await readFile(schemaPath, 'utf8');
  const engine = await wasmModule.SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, (line: string) => log(line), factory);
  return {
    engine,
    schemaPath,
    close: async () => {
      engine.free();
      await Promise.all(opened.map((adapter) => adapter.dispose()));
    },
  };
}

async function loadMigrations(directory: string): Promise<MigrationList> {
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
  const folders = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrationDirectories = await Promise.all(
    folders.map(async (path) => ({
      path,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: await readFile(join(directory, path, 'migration.sql'), 'utf8') },
      },
    })),
  );
  const lockfileContent = await readFile(join(directory, lockfileName), 'utf8').catch(() => null);
  return {
    baseDir: directory,
    lockfile: { path: lockfileName, content: lockfileContent },
    migrationDirectories,
    shadowDbInitScript: '',
  };
}

const appliedQuery = 'SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL';

/** Names of the migrations recorded as applied in a SQLite file, read without the engine (which locks the file). */
function appliedInSqlite(filePath: string): Set<string> | null {
  if (filePath === ':memory:' || !existsSync(filePath)) return null;
  const db = new Database(filePath, { readonly: true, timeout: 5000 });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
    if (!table) return null;
    return new Set((db.prepare(appliedQuery).all() as { name: string }[]).map((row) => row.name));
  } finally {
    db.close();
  }
}

async function appliedInPostgres(client: pg.Client): Promise<Set<string> | null> {
  const { rows } = await client.query<{ exists: boolean }>("SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists");
  if (!rows[0]?.exists) return null;
  return new Set((await client.query<{ name: string }>(appliedQuery)).rows.map((row) => row.name));
}

/** Any key of our own for pg_advisory_lock: "thrd". */
const migrationLockKey = 0x74687264;

/**
 * Applies every pending migration in `directory` (by default the URL's provider's); returns
 * the names of those applied now.
 */
export async function applyMigrations(url: string, directory = migrationsDirOf(provider(url))): Promise<string[]> {
  const migrationsList = await loadMigrations(directory);
  const allApplied = (applied: Set<string> | null) =>
    applied !== null && migrationsList.migrationDirectories.every((migration) => applied.has(migration.path));
  if (provider(url) === 'postgresql') {
    // Several instances starting at once: one migrates, the others wait and find nothing to do.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
      if (allApplied(await appliedInPostgres(client))) return [];
      return await applyWithEngine(url, migrationsList);
    } finally {
      await client.end();
    }
  }
  // Prisma's SQLite engine takes the file in EXCLUSIVE locking mode. Skipping it when nothing
  // is pending lets a second process (another server, an import) start beside a running one.
  if (allApplied(appliedInSqlite(sqliteFilePath(url)))) return [];
  return applyWithEngine(url, migrationsList);
}

async function applyWithEngine(url: string, migrationsList: MigrationList): Promise<string[]> {
  const { engine, close } = await openEngine(url);
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return appliedMigrationNames;
  } catch (error) {
    if (error instanceof Error && /SocketTimeout|database is locked/.test(error.message)) {
      throw new Error(
        'migrations need the database to themselves: another process has it open. Stop it (the server or an import), then start again.',
      );
    }
    throw error;
  } finally {
    await close();
  }
}

async function diffScript(engine: SchemaEngine, from: DiffTarget, to: DiffTarget): Promise<string> {
  const result = await engine.diff({ from, to, script: true, exitCode: null, filters: noFilters });
  return result.stdout ?? '';
}

const isEmptyScript = (sql: string) => sql.split('\n').every((line) => line.trim() === '' || line.trim().startsWith('--'));

/**
 * The SQL that would bring the database at `url` to its provider's schema; empty when they
 * agree. Diffs are schema to schema (the engine reads the live database through the adapter):
 * replaying migrations on a shadow database does not work with SQLite adapters.
 */
export async function driftFromSchema(url: string): Promise<string> {
  const { engine, schemaPath, close } = await openEngine(url);
  try {
    const files = [{ path: schemaPath, content: await readFile(schemaPath, 'utf8') }];
    const script = await diffScript(
      engine,
      { tag: 'schemaDatasource', files, configDir: dirname(schemaPath) },
      { tag: 'schemaDatamodel', files },
    );
    return isEmptyScript(script) ? '' : script;
  } finally {
    await close();
  }
}

/**
 * A scratch database of `provider` for working out a migration, dropped by `dispose`. For
 * PostgreSQL that takes a server: THREADLINE_SCRATCH_DATABASE_URL (a database we may fill and
 * empty) or, without it, a throwaway one started from the machine's PostgreSQL packages.
 */
async function scratchDatabase(provider: Provider): Promise<{ url: string; dispose(): Promise<void> }> {
  if (provider === 'sqlite') {
    const file = join(prismaDir, '..', '.tmp', `migrate-${process.pid}.db`);
    return { url: `file:${file}`, dispose: () => rm(file, { force: true }) };
  }
  const given = process.env.THREADLINE_SCRATCH_DATABASE_URL;
  if (given) return { url: given, dispose: async () => {} };
  const { startPostgres } = await import('../scripts/services.js');
  const server = await startPostgres();
  return { url: server.url, dispose: () => server.stop() };
}

/**
 * Writes `provider`'s next migration: the difference between the schema its migrations build
 * and the models. Returns the folder written, or null when there is nothing to migrate.
 */
export async function createMigration(name: string, target: Provider): Promise<string | null> {
  const scratch = await scratchDatabase(target);
  let sql: string;
  try {
    await applyMigrations(scratch.url);
    sql = await driftFromSchema(scratch.url);
  } finally {
    await scratch.dispose();
  }
  if (sql === '') return null;
  const directory = migrationsDirOf(target);
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const folder = `${stamp}_${name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
  await mkdir(join(directory, folder), { recursive: true });
  await writeFile(join(directory, folder, 'migration.sql'), sql);
  const lockfile = join(directory, lockfileName);
  if (!existsSync(lockfile)) {
    await writeFile(lockfile, `# Written by prisma/migrate.ts; the provider must match ${target}/schema.prisma.\nprovider = "${target}"\n`);
  }
  return folder;
}

async function main(argv: string[]): Promise<number> {
  const [command, arg] = argv;
  const url = arg ?? process.env.DATABASE_URL ?? 'file:./data/threadline.db';
  switch (command) {
    case 'apply': {
      const applied = await applyMigrations(url);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      return 0;
    }
    case 'create': {
      if (!arg) {
        console.error('usage: npm run migrate:create -- <name>');
        return 2;
      }
      for (const target of providers) {
        const folder = await createMigration(arg, target);
        console.log(
          folder ? `wrote prisma/${target}/migrations/${folder}/migration.sql` : `${target}: the models have no changes to migrate`,
        );
      }
      return 0;
    }
    case 'check': {
      const drift = await driftFromSchema(url);
      if (drift) console.error(`the database differs from the models:\n${drift}`);
      else console.log('the database matches the models');
      return drift ? 1 : 0;
    }
    default:
      console.error('usage: tsx prisma/migrate.ts apply|create <name>|check [DATABASE_URL]');
      return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
