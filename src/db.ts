import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { defaultDatabaseUrl } from './config.js';
import { sqliteFilePath } from './db-url.js';
import { PrismaClient } from './generated/prisma/client.js';

export type { PrismaClient } from './generated/prisma/client.js';
export type Db = PrismaClient;
/** A Prisma client or the transaction client handed to `$transaction(async (tx) => …)`. */
export type DbTx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

type QueryListener = (sql: string) => void;
const queryListeners = new Set<QueryListener>();

/** Calls `listener` with every SQL statement Prisma sends; returns the unsubscribe function. */
export function onQuery(listener: QueryListener): () => void {
  queryListeners.add(listener);
  return () => queryListeners.delete(listener);
}

/**
 * better-sqlite3 waits for a busy database synchronously, holding the event loop, so the busy
 * timeout stays short where waiting can happen (the writer) and writeTransaction retries
 * asynchronously instead (see also prisma/orm#29933 on SQLITE_BUSY at COMMIT).
 */
export function createPrismaClient(databaseUrl: string, { busyTimeoutMs = 5000 } = {}) {
  const adapter = new PrismaBetterSqlite3({ url: sqliteFilePath(databaseUrl), timeout: busyTimeoutMs });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', (event) => {
    for (const listener of queryListeners) listener(event.query);
  });
  return client;
}

/** The application's one Prisma client, on DATABASE_URL. */
export const prisma = createPrismaClient(process.env.DATABASE_URL || defaultDatabaseUrl);

/**
 * A second connection, for writes only. better-sqlite3 is one connection per client, and
 * Prisma runs every query of a client on it: a read arriving while a write transaction is
 * open would see (and a plain write would join) that uncommitted transaction. Writes go
 * here; reads, on `prisma`, see only what has committed (WAL gives each its snapshot).
 */
export const writer = createPrismaClient(process.env.DATABASE_URL || defaultDatabaseUrl, { busyTimeoutMs: 50 });

const isBusy = (error: unknown) =>
  error instanceof Error && /SQLITE_BUSY|database is locked/.test(`${error.message} ${JSON.stringify((error as { meta?: unknown }).meta ?? '')}`);

/**
 * A write transaction, on the writer connection. SQLite starts a transaction reading and
 * upgrades it to writing at its first write; two processes upgrading at once deadlock, and
 * one fails with SQLITE_BUSY without waiting. Writing first takes the write lock up front,
 * as BEGIN IMMEDIATE would, so a second writer waits its turn instead.
 */
export async function writeTransaction<T>(
  work: (tx: DbTx) => Promise<T>,
  { timeout, maxWait, retryForMs = 10_000 }: { timeout?: number; maxWait?: number; retryForMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + retryForMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await writer.$transaction(
        async (tx) => {
          await tx.$executeRaw`UPDATE "Article" SET "id" = "id" WHERE 0 = 1`;
          return work(tx);
        },
        { timeout, maxWait },
      );
    } catch (error) {
      // Another process holds the write lock: the whole transaction rolled back; try again.
      if (!isBusy(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 10 * 2 ** attempt)));
    }
  }
}

/** Settings kept in the SQLite file: write-ahead logging lets readers go on while one process writes. */
export async function configureDatabase(db: Db): Promise<void> {
  await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
}
