/**
 * Reads that every request makes, prepared once on connections of their own: Prisma's raw
 * queries prepare each statement anew and map every value of every row, which for the
 * response cache's one-row version check was about a quarter of a cached answer's cost
 * (bench/README.md). Read-only, committed data only; writes never come here.
 */
import { createHash } from 'node:crypto';
import type { DatabaseSettings } from './config.js';
import { sqliteFilePath } from './db-url.js';

export interface DirectReader {
  /**
   * The rows of `sql` (`?` placeholders on SQLite, `$1`… on PostgreSQL), as the driver returns
   * them: integers as numbers on both (PostgreSQL's 64-bit `count` comes as text), booleans as
   * 0/1 on SQLite, DateTime columns as SQLite stores them (Prisma's ISO text) and as Dates on
   * PostgreSQL. A Date parameter is bound as Prisma binds it; listeners hear it as a Date.
   */
  all<Row>(sql: string, params: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

/** Statements kept prepared, per connection: the app's statements are a few dozen shapes. */
const maxPrepared = 256;

export async function openDirectReader(
  settings: DatabaseSettings,
  report: ((sql: string, params: unknown[]) => void) | undefined,
): Promise<DirectReader> {
  return settings.provider === 'postgresql' ? postgresReader(settings, report) : sqliteReader(settings, report);
}

async function sqliteReader(settings: DatabaseSettings, report: ((sql: string, params: unknown[]) => void) | undefined) {
  const { default: Sqlite } = await import('better-sqlite3');
  type Connection = InstanceType<typeof Sqlite>;
  type Statement = import('better-sqlite3').Statement<unknown[]>;
  // Opened at the first read: the file may not exist before the migrations have run.
  let connection: Connection | undefined;
  const prepared = new Map<string, Statement>();
  return {
    async all<Row>(sql: string, params: readonly unknown[]): Promise<Row[]> {
      connection ??= new Sqlite(sqliteFilePath(settings.url), { readonly: true, fileMustExist: true, timeout: 5000 });
      let statement = prepared.get(sql);
      if (!statement) {
        if (prepared.size >= maxPrepared) prepared.clear();
        statement = connection.prepare<unknown[]>(sql);
        prepared.set(sql, statement);
      }
      report?.(sql, [...params]);
      return statement.all(...params.map(sqliteParam)) as Row[];
    },
    async close() {
      prepared.clear();
      connection?.close();
      connection = undefined;
    },
  } satisfies DirectReader;
}

async function postgresReader(settings: DatabaseSettings, report: ((sql: string, params: unknown[]) => void) | undefined) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: settings.url,
    // Prisma's DateTime is `timestamp(3)` holding UTC, which pg would read as local time.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === timestampOid && format !== 'binary'
          ? parseUtcTimestamp
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
    max: Math.max(2, Math.ceil(settings.poolMax / 2)),
    connectionTimeoutMillis: settings.connectTimeoutMs,
  });
  // A connection the server dropped while idle is replaced on demand, as the other pools do.
  pool.on('error', () => {});
  const names = new Map<string, string>();
  return {
    async all<Row>(sql: string, params: readonly unknown[]): Promise<Row[]> {
      // A named statement is prepared once per connection, at its first use there; the name is
      // the text's hash, so that a name never stands for two texts.
      let name = names.get(sql);
      if (!name) {
        if (names.size >= maxPrepared) names.clear();
        name = `threadline_${createHash('sha1').update(sql).digest('hex')}`;
        names.set(sql, name);
      }
      report?.(sql, [...params]);
      const { rows } = await pool.query({ name, text: sql, values: params.map(postgresParam) });
      return rows as Row[];
    },
    async close() {
      await pool.end();
    },
  } satisfies DirectReader;
}

/** A Date as Prisma's SQLite adapter writes it (ISO 8601, `+00:00`), so that text comparisons agree. */
const sqliteParam = (value: unknown) =>
  value instanceof Date ? value.toISOString().replace('Z', '+00:00') : typeof value === 'boolean' ? Number(value) : value;

/** A Date in UTC: pg would send it in local time, whose offset a `timestamp` column ignores. */
const postgresParam = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

const timestampOid = 1114;

/** `timestamp` text (`2026-01-02 03:04:05.678`) read as UTC. */
const parseUtcTimestamp = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
