/**
 * Versions of what readers see, kept in the database so that every instance agrees on them.
 * A cached answer records the versions it was computed at and is served again only while
 * they still hold (src/http/response-cache.ts):
 *
 * - each article's `lastEventSeq`, which every comment write moves (src/live/events.ts);
 * - `CacheVersion.site`, which every other write moves: articles, tags, authors' names and
 *   roles, identities, imports;
 * - `CacheVersion.epoch`, which every write moves, last, just before it commits.
 *
 * Writes update the one CacheVersion row, so on PostgreSQL they take its lock in turn; the
 * epoch moves at the very end of each transaction, which keeps that lock for the commit only.
 */
import type { Database, DbTx } from '../db.js';

export interface Versions {
  epoch: number;
  site: number;
  /** `lastEventSeq` of each article asked for that exists. */
  articles: Map<number, number>;
}

/**
 * What a write changed, beyond its own article's comments (which move that article's seq).
 * `none`: nothing any cached answer shows (the outbox, deliveries, an author's own email
 * settings, administrators' webhooks): the versions stay as they are.
 */
export type WriteScope = 'comments' | 'site' | 'none';

const siteChanges = new WeakSet<DbTx>();

/** The last statement of a write transaction. */
export async function commitVersions(tx: DbTx, scope: WriteScope): Promise<void> {
  if (scope === 'none' && !siteChanges.has(tx)) return;
  if (scope === 'site' || siteChanges.has(tx)) {
    await tx.$executeRaw`UPDATE "CacheVersion" SET "epoch" = "epoch" + 1, "site" = "site" + 1 WHERE "id" = 1`;
  } else await tx.$executeRaw`UPDATE "CacheVersion" SET "epoch" = "epoch" + 1 WHERE "id" = 1`;
}

/**
 * For a comment write that also changed something every article shows (its author's name,
 * say). Noted, and written with the epoch at the end: taking the row's lock here, before the
 * article's, would let two writers wait for each other.
 */
export function siteChanged(tx: DbTx): void {
  siteChanges.add(tx);
}

type VersionRow = { id: number; a: number; b: number };
const versionsRow = 'SELECT -1 AS "id", "epoch" AS "a", "site" AS "b" FROM "CacheVersion" WHERE "id" = 1';

/** The epoch alone: what a computation starts at. */
export async function currentEpoch(db: Database): Promise<number> {
  const rows = await db.direct.all<{ epoch: number }>('SELECT "epoch" FROM "CacheVersion" WHERE "id" = 1', []);
  return Number(rows[0]?.epoch ?? 0);
}

/** The epoch, the site version and the given articles' sequence numbers, read in one statement. */
export async function readVersions(db: Database, articleIds: readonly number[]): Promise<Versions> {
  let rows: VersionRow[];
  if (articleIds.length === 0) rows = await db.direct.all<VersionRow>(versionsRow, []);
  else if (db.provider === 'postgresql') {
    rows = await db.direct.all<VersionRow>(
      `${versionsRow} UNION ALL SELECT "id", "lastEventSeq", 0 FROM "Article" WHERE "id" = ANY($1::int[])`,
      [articleIds],
    );
  } else {
    rows = await db.direct.all<VersionRow>(
      `${versionsRow} UNION ALL SELECT "id", "lastEventSeq", 0 FROM "Article" WHERE "id" IN (${articleIds.map(() => '?').join(', ')})`,
      articleIds,
    );
  }
  const versions: Versions = { epoch: 0, site: 0, articles: new Map() };
  for (const row of rows) {
    const id = Number(row.id);
    if (id === -1) {
      versions.epoch = Number(row.a);
      versions.site = Number(row.b);
    } else versions.articles.set(id, Number(row.a));
  }
  return versions;
}

/** When the next scheduled article goes public: answers about the articles list change then, with no write. */
export async function nextPublication(db: Database, now: Date): Promise<Date | null> {
  const { _min } = await db.reader.article.aggregate({ _min: { publishedAt: true }, where: { publishedAt: { gt: now } } });
  return _min.publishedAt;
}
