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

export function createPrismaClient(databaseUrl: string) {
  // A busy timeout lets concurrent writers wait for the lock instead of failing at once
  // (see prisma/orm#29933 on SQLITE_BUSY at COMMIT).
  const adapter = new PrismaBetterSqlite3({ url: sqliteFilePath(databaseUrl), timeout: 5000 });
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
export const writer = createPrismaClient(process.env.DATABASE_URL || defaultDatabaseUrl);

/**
 * A write transaction, on the writer connection. SQLite starts a transaction reading and
 * upgrades it to writing at its first write; two processes upgrading at once deadlock, and
 * one fails with SQLITE_BUSY without waiting. Writing first takes the write lock up front,
 * as BEGIN IMMEDIATE would, so a second writer waits its turn instead.
 */
export function writeTransaction<T>(work: (tx: DbTx) => Promise<T>, options?: { timeout?: number; maxWait?: number }): Promise<T> {
  return writer.$transaction(async (tx) => {
    await tx.$executeRaw`UPDATE "Article" SET "id" = "id" WHERE 0 = 1`;
    return work(tx);
  }, options);
}

/** Settings kept in the SQLite file: write-ahead logging lets readers go on while one process writes. */
export async function configureDatabase(db: Db): Promise<void> {
  await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
}
