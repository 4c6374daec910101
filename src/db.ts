import type { DatabaseSettings } from './config.js';
import { type Provider, sqliteFilePath } from './db-url.js';
import { type DirectReader, openDirectReader } from './db-direct.js';
import { commitVersions, type WriteScope } from './domain/versions.js';
import type { PrismaClient } from './generated/prisma/client.js';

export type { PrismaClient } from './generated/prisma/client.js';
/** A Prisma client (a Database's reader or writer). */
export type Db = PrismaClient;
/** A Prisma client or the transaction client handed to `$transaction(async (tx) => …)`. */
export type DbTx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export interface WriteTransactionOptions {
  timeout?: number;
  maxWait?: number;
  retryForMs?: number;
  /** What the work changes, for cached answers (src/domain/versions.ts): when unsure, `site`. */
  scope?: WriteScope;
}

/** An opened database: what every read, write and tool of Threadline goes through. */
export interface Database {
  readonly provider: Provider;
  /** Reads: they see only what has committed. */
  readonly reader: PrismaClient;
  /**
   * The client writes go through, on connections of its own. With SQLite that is a second
   * connection: better-sqlite3 is one connection per client, and Prisma runs every query of a
   * client on it, so a read arriving while a write transaction is open would see (and a plain
   * write would join) that uncommitted transaction. Writes go here; reads, on `reader`, see only
   * what has committed (WAL gives each its snapshot). With PostgreSQL it is a second pool: write
   * transactions waiting for a busy article's row lock hold their connections, and must not take
   * every connection reads need.
   */
  readonly writer: PrismaClient;
  /**
   * A write transaction, on the writer. Retried, with backoff, when the database rolled it back
   * for a reason that running it again resolves.
   *
   * SQLite starts a transaction reading and upgrades it to writing at its first write; two
   * processes upgrading at once deadlock, and one fails with SQLITE_BUSY without waiting.
   * Writing first takes the write lock up front, as BEGIN IMMEDIATE would, so a second writer
   * waits its turn instead. PostgreSQL runs writers side by side at READ COMMITTED; each write
   * locks the rows it changes (the author, the article's counters) until it commits.
   */
  writeTransaction<T>(work: (tx: DbTx) => Promise<T>, options?: WriteTransactionOptions): Promise<T>;
  /**
   * Locks a row until the transaction ends, before the transaction reads it to decide what to
   * write: a concurrent write to the same row waits, then decides on what this one wrote. For
   * PostgreSQL, whose writers run side by side; SQLite's writers already take turns, whole.
   */
  lockRow(tx: DbTx, table: 'Article' | 'Comment', id: number): Promise<void>;
  /**
   * `count` new ids of the table, ascending, for rows the transaction then inserts with them:
   * rows written together (an import) then have ids in the order the caller gives, whatever
   * order they are inserted in. SQLite: the table's sequence, which the transaction holds (its
   * writers take turns, whole); PostgreSQL: values drawn from the table's sequence.
   */
  reserveIds(tx: DbTx, table: 'Comment' | 'Author', count: number): Promise<number[]>;
  /**
   * Inserts many rows in few statements (imports): the rows travel as one JSON parameter per
   * few thousand rows, which keeps clear of bind-value limits and of the per-row work of the
   * ORM. Values are given positionally, as `columns` names them; Dates, booleans and enums are
   * written as Prisma writes them on each database.
   */
  insertRows(tx: DbTx, table: BulkTable, columns: readonly BulkColumn[], rows: readonly unknown[][]): Promise<void>;
  /**
   * Calls `listener` with every SQL statement either client sends; returns the unsubscribe
   * function. Only for a database opened with `logQueries`: without it there is nothing to hear,
   * and a listener that silently heard nothing would make a statement count pass for nothing.
   */
  onQuery(listener: (sql: string, params: unknown[]) => void): () => void;
  /** Hot reads on statements prepared once, beside Prisma (src/db-direct.ts). */
  readonly direct: DirectReader;
  /** Disconnects both clients. */
  close(): Promise<void>;
}

export type BulkTable = 'Comment' | 'Quote' | 'Mention' | 'CommentEvent' | 'Author' | 'ImportedIdentity';
/** A column and how its values are typed: `enum:<Type>` for a Prisma enum. */
export type BulkColumn = readonly [name: string, type: 'int' | 'text' | 'bool' | 'datetime' | `enum:${string}`];

/** Rows per statement of `insertRows`: a few megabytes of JSON at most. */
const bulkRowsPerStatement = 2000;

/** Prisma's DateTime text on SQLite: ISO with an explicit offset. */
const sqliteDateTime = (date: Date) => date.toISOString().replace('Z', '+00:00');

export interface OpenOptions {
  /** Feed `onQuery` listeners (tests, benchmarks); off, the clients log nothing and pay nothing for it. */
  logQueries?: boolean;
  /** PostgreSQL: hears about connections the server dropped while idle (the pool replaces them on demand). */
  onPoolError?: (error: Error) => void;
}

type QueryListener = (sql: string, params: unknown[]) => void;
type QueryLogging = { emit: 'event'; level: 'query' }[] | undefined;
type LoggingClient = { $on(event: 'query', callback: (event: { query: string; params: string }) => void): void };

/**
 * better-sqlite3 waits for a busy database synchronously, holding the event loop, so the busy
 * timeout stays short where waiting can happen (the writer) and writeTransaction retries
 * asynchronously instead (see also prisma/orm#29933 on SQLITE_BUSY at COMMIT).
 */
async function sqliteClient(url: string, busyTimeoutMs: number, log: QueryLogging): Promise<PrismaClient> {
  const [{ PrismaBetterSqlite3 }, { PrismaClient }] = await Promise.all([
    import('@prisma/adapter-better-sqlite3'),
    import('./generated/prisma/client.js'),
  ]);
  const adapter = new PrismaBetterSqlite3({ url: sqliteFilePath(url), timeout: busyTimeoutMs });
  return new PrismaClient({ adapter, log }) as unknown as PrismaClient;
}

/**
 * The PostgreSQL client, generated from the same models as the SQLite one: the rest of the
 * code is written once, against the SQLite client's types. TypeScript cannot compare the two
 * generated clients (their generic type maps are nominally distinct), so what proves the cast
 * is the test suite, which runs whole on both databases.
 */
async function postgresClient(
  settings: DatabaseSettings,
  max: number,
  log: QueryLogging,
  onPoolError: ((error: Error) => void) | undefined,
): Promise<PrismaClient> {
  const [{ PrismaPg }, { PrismaClient }] = await Promise.all([
    import('@prisma/adapter-pg'),
    import('./generated/prisma-postgresql/client.js'),
  ]);
  const adapter = new PrismaPg(
    { connectionString: settings.url, max, connectionTimeoutMillis: settings.connectTimeoutMs },
    // An idle connection the server dropped (a restart, say): the pool replaces it on demand.
    { onPoolError: (error) => onPoolError?.(error) },
  );
  return new PrismaClient({ adapter, log }) as unknown as PrismaClient;
}

const detailsOf = (error: unknown) =>
  error instanceof Error ? `${error.message} ${JSON.stringify((error as { meta?: unknown }).meta ?? '')}` : '';

/** SQLite: another process holds the write lock. */
const isBusy = (error: unknown) => /SQLITE_BUSY|database is locked/.test(detailsOf(error));

/** PostgreSQL: a deadlock or serialization failure rolled the transaction back; running it again is safe. */
const isConflict = (error: unknown) =>
  // P2034 when Prisma names it; through @prisma/adapter-pg a deadlock (40P01) or serialization
  // failure (40001) arrives as the driver's own code, inside the error's details.
  (error as { code?: unknown }).code === 'P2034' || /\b(40001|40P01)\b|deadlock detected|could not serialize/.test(detailsOf(error));

/**
 * Opens the database `settings` name: a reader and a writer client on the driver adapter its
 * URL calls for. Nothing connects before the first query.
 */
export async function openDatabase(settings: DatabaseSettings, { logQueries = false, onPoolError }: OpenOptions = {}): Promise<Database> {
  const { provider } = settings;
  const log: QueryLogging = logQueries ? [{ emit: 'event', level: 'query' }] : undefined;
  const [reader, writer] =
    provider === 'postgresql'
      ? await Promise.all([
          postgresClient(settings, settings.poolMax, log, onPoolError),
          postgresClient(settings, settings.writePoolMax, log, onPoolError),
        ])
      : await Promise.all([sqliteClient(settings.url, 5000, log), sqliteClient(settings.url, 50, log)]);

  const queryListeners = new Set<QueryListener>();
  if (logQueries) {
    for (const client of [reader, writer] as unknown as LoggingClient[]) {
      client.$on('query', (event) => {
        if (queryListeners.size === 0) return;
        const params = JSON.parse(event.params) as unknown[];
        for (const listener of queryListeners) listener(event.query, params);
      });
    }
  }

  const retryable = provider === 'postgresql' ? isConflict : isBusy;
  const direct = await openDirectReader(
    settings,
    logQueries
      ? (sql, params) => {
          for (const listener of queryListeners) listener(sql, params);
        }
      : undefined,
  );

  return {
    provider,
    reader,
    writer,
    direct,
    async writeTransaction(work, { timeout, maxWait, retryForMs = 10_000, scope = 'site' } = {}) {
      const deadline = Date.now() + retryForMs;
      // PostgreSQL: a write that checked a unique value was free can still lose the race for it to
      // a concurrent one. Run again, its check sees the winner and answers as usual (twice at most,
      // so that a real bug still surfaces).
      let uniqueRaces = 0;
      const lostUniqueRace = (error: unknown) =>
        provider === 'postgresql' && (error as { code?: unknown }).code === 'P2002' && uniqueRaces++ < 2;
      for (let attempt = 0; ; attempt++) {
        try {
          return await writer.$transaction(
            async (tx) => {
              if (provider === 'sqlite') await tx.$executeRaw`UPDATE "Article" SET "id" = "id" WHERE 0 = 1`;
              const result = await work(tx);
              await commitVersions(tx, scope);
              return result;
            },
            { timeout, maxWait },
          );
        } catch (error) {
          if (!(retryable(error) || lostUniqueRace(error)) || Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 10 * 2 ** attempt)));
        }
      }
    },
    async lockRow(tx, table, id) {
      if (provider !== 'postgresql') return;
      // The table name comes from the closed list above, never from input.
      await tx.$executeRawUnsafe(`SELECT 1 FROM "${table}" WHERE "id" = $1 FOR UPDATE`, id);
    },
    async reserveIds(tx, table, count) {
      if (count <= 0) return [];
      if (provider === 'postgresql') {
        const rows = await tx.$queryRawUnsafe<{ id: number }[]>(
          `SELECT nextval(pg_get_serial_sequence('"${table}"', 'id'))::int AS "id" FROM generate_series(1, $1::int)`,
          count,
        );
        return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
      }
      const [row] = await tx.$queryRawUnsafe<{ last: number | bigint | null }[]>(
        `SELECT max(coalesce((SELECT "seq" FROM "sqlite_sequence" WHERE "name" = '${table}'), 0), coalesce((SELECT max("id") FROM "${table}"), 0)) AS "last"`,
      );
      const last = Number(row?.last ?? 0);
      return Array.from({ length: count }, (_, index) => last + index + 1);
    },
    async insertRows(tx, table, columns, rows) {
      const names = columns.map(([name]) => `"${name}"`).join(', ');
      const encode = (value: unknown, type: BulkColumn[1]) => {
        if (value === null || value === undefined) return null;
        if (type === 'datetime') return provider === 'sqlite' ? sqliteDateTime(value as Date) : (value as Date).toISOString();
        if (type === 'bool') return provider === 'sqlite' ? (value ? 1 : 0) : Boolean(value);
        return value;
      };
      // Table and column names come from the callers' constant lists, never from input.
      const select =
        provider === 'sqlite'
          ? `SELECT ${columns.map((_, index) => `"value"->>${index}`).join(', ')} FROM json_each(?)`
          : `SELECT ${columns
              .map(([, type], index) => {
                const cast =
                  type === 'int'
                    ? 'int'
                    : type === 'bool'
                      ? 'boolean'
                      : type === 'datetime'
                        ? 'timestamp(3)'
                        : type === 'text'
                          ? 'text'
                          : `"${type.slice(5)}"`;
                return `("r"->>${index})::${cast}`;
              })
              .join(', ')} FROM jsonb_array_elements($1::jsonb) AS "r"`;
      for (let from = 0; from < rows.length; from += bulkRowsPerStatement) {
        const chunk = rows
          .slice(from, from + bulkRowsPerStatement)
          .map((row) => row.map((value, index) => encode(value, columns[index]![1])));
        await tx.$executeRawUnsafe(`INSERT INTO "${table}" (${names}) ${select}`, JSON.stringify(chunk));
      }
    },
    onQuery(listener) {
      if (!logQueries) throw new Error('This database was opened without logQueries: it reports no statements.');
      queryListeners.add(listener);
      return () => queryListeners.delete(listener);
    },
    async close() {
      await Promise.all([reader.$disconnect(), writer.$disconnect(), direct.close()]);
    },
  };
}

/** SQLite: write-ahead logging lets readers go on while one process writes. PostgreSQL needs nothing. */
export async function configureDatabase(database: Database): Promise<void> {
  if (database.provider === 'sqlite') await database.reader.$queryRawUnsafe('PRAGMA journal_mode = WAL');
}
