/**
 * Threadline's migration runner. Prisma's CLI needs a native schema engine that cannot be
 * downloaded on our machines, so migrations go through Prisma's WebAssembly schema engine,
 * driven through the same driver adapter the application uses.
 *
 *   tsx prisma/migrate.ts apply [DATABASE_URL]   apply pending migrations (npm start does this too)
 *   tsx prisma/migrate.ts create <name>          write the next migration from changes to schema.prisma
 *   tsx prisma/migrate.ts check [DATABASE_URL]   exit 1 when the database differs from schema.prisma
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import { bindMigrationAwareSqlAdapterFactory, type SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import * as wasmModule from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { DiffTarget, MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { sqliteFilePath } from '../src/db-url.js';

const prismaDir = dirname(fileURLToPath(import.meta.url));
export const schemaPath = join(prismaDir, 'schema.prisma');
export const migrationsDir = join(prismaDir, 'migrations');
const lockfileName = 'migration_lock.toml';
const noFilters = { externalTables: [], externalEnums: [] };

let wasmReady: Promise<void> | undefined;

function loadWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const wasmPath = join(dirname(fileURLToPath(import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg'))), 'schema_engine_bg.wasm');
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
  close(): Promise<void>;
}

/** Opens a schema engine bound to the SQLite database at `url` (`file:<path>`). */
export async function openEngine(url: string, log: (message: string) => void = () => {}): Promise<EngineHandle> {
  await loadWasm();
  const filePath = sqliteFilePath(url);
  if (filePath !== ':memory:') await mkdir(dirname(resolve(filePath)), { recursive: true });
  // The engine does not close the connections it opens; left open, one holds SQLite's lock
  // and the next engine on the same file times out. Track them and close them with the engine.
  const base = new PrismaBetterSqlite3({ url: filePath, timeout: 5000 });
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
  const schema = await readFile(schemaPath, 'utf8');
  const engine = await wasmModule.SchemaEngine.new(
    { datamodels: [[schemaPath, schema]] },
    (line: string) => log(line),
    factory,
  );
  return {
    engine,
    close: async () => {
      engine.free();
      await Promise.all(opened.map((adapter) => adapter.dispose()));
    },
  };
}

async function loadMigrations(directory: string): Promise<MigrationList> {
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
  const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
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

/** Names of the migrations recorded as applied, read without the engine (which locks the file). */
function appliedMigrations(filePath: string): Set<string> | null {
  if (filePath === ':memory:' || !existsSync(filePath)) return null;
  const db = new Database(filePath, { readonly: true, timeout: 5000 });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
    if (!table) return null;
    const rows = db
      .prepare('SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL')
      .all() as { name: string }[];
    return new Set(rows.map((row) => row.name));
  } finally {
    db.close();
  }
}

/** Applies every pending migration in `directory`; returns the names of those applied now. */
export async function applyMigrations(url: string, directory = migrationsDir): Promise<string[]> {
  const migrationsList = await loadMigrations(directory);
  // Prisma's SQLite engine takes the file in EXCLUSIVE locking mode. Skipping it when nothing
  // is pending lets a second process (another server, an import) start beside a running one.
  const applied = appliedMigrations(sqliteFilePath(url));
  if (applied && migrationsList.migrationDirectories.every((migration) => applied.has(migration.path))) return [];
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
 * The SQL that would bring the database at `url` to schema.prisma; empty when they agree.
 * Diffs are schema to schema (the engine reads the live database through the adapter):
 * replaying migrations on a shadow database does not work with SQLite adapters.
 */
export async function driftFromSchema(url: string): Promise<string> {
  const { engine, close } = await openEngine(url);
  try {
    const files = [{ path: schemaPath, content: await readFile(schemaPath, 'utf8') }];
    const script = await diffScript(engine, { tag: 'schemaDatasource', files, configDir: prismaDir }, { tag: 'schemaDatamodel', files });
    return isEmptyScript(script) ? '' : script;
  } finally {
    await close();
  }
}

/** Writes the next migration: the difference between the schema the migrations build and schema.prisma. */
export async function createMigration(name: string): Promise<string | null> {
  const scratch = join(prismaDir, '..', '.tmp', `migrate-${process.pid}.db`);
  const scratchUrl = `file:${scratch}`;
  await applyMigrations(scratchUrl);
  const sql = await driftFromSchema(scratchUrl);
  await rm(scratch, { force: true });
  if (sql === '') return null;
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const folder = `${stamp}_${name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
  await mkdir(join(migrationsDir, folder), { recursive: true });
  await writeFile(join(migrationsDir, folder, 'migration.sql'), sql);
  const lockfile = join(migrationsDir, lockfileName);
  const hasLockfile = await readFile(lockfile, 'utf8').then(() => true, () => false);
  if (!hasLockfile) {
    await writeFile(lockfile, '# Written by prisma/migrate.ts; the provider must match schema.prisma.\nprovider = "sqlite"\n');
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
      const folder = await createMigration(arg);
      console.log(folder ? `wrote prisma/migrations/${folder}/migration.sql` : 'schema.prisma has no changes to migrate');
      return 0;
    }
    case 'check': {
      const drift = await driftFromSchema(url);
      if (drift) console.error(`the database differs from schema.prisma:\n${drift}`);
      else console.log('the database matches schema.prisma');
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
