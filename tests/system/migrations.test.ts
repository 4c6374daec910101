import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { applyMigrations, createMigration, driftFromSchema, migrationsDirOf } from '../../prisma/migrate.js';
import { createDatabase } from '../../scripts/services.js';
import { testDatabase } from '../helpers.js';

const migrationsDir = migrationsDirOf('sqlite');

/** A new, empty database of the suite's provider. */
async function emptyDatabase(): Promise<string> {
  if (testDatabase === 'sqlite') return `file:${join(mkdtempSync(join(tmpdir(), 'threadline-migrate-')), 'fresh.db')}`;
  return createDatabase(inject('postgresUrl'), `${inject('databasePrefix')}empty_${Math.random().toString(36).slice(2, 10)}`);
}

/** Runs SQL on a database of the suite's provider. */
async function execute(url: string, sql: string) {
  if (testDatabase === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(url.slice('file:'.length));
    db.exec(sql);
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(sql);
  await client.end();
}

describe(`${testDatabase} migrations`, () => {
  it('applied to an empty database leave no difference from the models, and apply once', async () => {
    const url = await emptyDatabase();
    const applied = await applyMigrations(url);
    expect(applied.length).toBeGreaterThan(0);
    expect(await driftFromSchema(url)).toBe('');
    expect(await applyMigrations(url)).toEqual([]);
  });

  it('have nothing left to create: the checked-in migrations build the models', async () => {
    if (testDatabase === 'postgresql') process.env.THREADLINE_SCRATCH_DATABASE_URL = await emptyDatabase();
    expect(await createMigration('nothing', testDatabase)).toBeNull();
  });

  it('notice a database that differs from the models', async () => {
    const url = await emptyDatabase();
    await applyMigrations(url);
    await execute(url, 'DROP INDEX "Comment_articleId_path_idx"');
    expect(await driftFromSchema(url)).toMatch(/CREATE INDEX "Comment_articleId_path_idx"/);
  });

  // (Tests of one database only are registered on that database's run: none is reported skipped.)
  if (testDatabase === 'postgresql')
    it('apply once when several instances start together', async () => {
      const url = await emptyDatabase();
      const results = await Promise.all([applyMigrations(url), applyMigrations(url), applyMigrations(url)]);
      expect(results.flat()).toEqual(readdirSync(migrationsDirOf('postgresql')).filter((name) => /^\d{14}_/.test(name)));
      expect(await driftFromSchema(url)).toBe('');
    });
});

/** A SQLite file with the migrations before the one named `…<suffix>`, as a database made before it would have them. */
async function databaseBefore(suffix: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-upgrade-'));
  const before = join(dir, 'migrations');
  const migration = readdirSync(migrationsDir).find((name) => name.endsWith(suffix))!;
  cpSync(migrationsDir, before, {
    recursive: true,
    filter: (source) => {
      const name = source.slice(migrationsDir.length + 1).split('/')[0]!;
      return name === '' || !/^\d{14}_/.test(name) || name < migration;
    },
  });
  const url = `file:${join(dir, 'old.db')}`;
  await applyMigrations(url, before);
  return url;
}

if (testDatabase === 'sqlite')
  describe('the writes migration', () => {
    it("continues each existing article's numbering after its latest comment", async () => {
      const url = await databaseBefore('_writes');

      const { default: Database } = await import('better-sqlite3');
      const db = new Database(url.slice('file:'.length));
      db.exec(`
      INSERT INTO Author (id, handle, name) VALUES (1, 'a', 'A');
      INSERT INTO Article (id, slug, title, body, authorId) VALUES (1, 'one', 'One', 'b', 1), (2, 'two', 'Two', 'b', 1);
      INSERT INTO Comment (articleId, number, authorId, depth, path, body) VALUES
        (1, 1, 1, 0, '00000001/', 'x'), (1, 2, 1, 0, '00000002/', 'y'), (1, 7, 1, 0, '00000007/', 'z');
    `);
      await applyMigrations(url);
      expect(db.prepare('SELECT slug, lastCommentNumber FROM Article ORDER BY id').all()).toEqual([
        { slug: 'one', lastCommentNumber: 7 },
        { slug: 'two', lastCommentNumber: 0 },
      ]);
      db.close();
    });
  });

if (testDatabase === 'sqlite')
  describe('the identities, counts and limits migration', () => {
    it('counts every existing comment’s replies, and keeps one quote of a span quoted twice', async () => {
      const url = await databaseBefore('_identities_counts_limits');

      const { default: Database } = await import('better-sqlite3');
      const db = new Database(url.slice('file:'.length));
      db.exec(`
      INSERT INTO Author (id, handle, name) VALUES (1, 'a', 'A');
      INSERT INTO Article (id, slug, title, body, authorId) VALUES (1, 'one', 'One', 'b', 1);
      INSERT INTO Comment (id, articleId, number, authorId, parentId, depth, path, body) VALUES
        (1, 1, 1, 1, NULL, 0, '00000001/', 'source text'),
        (2, 1, 2, 1, 1, 1, '00000001/00000002/', 'x'),
        (3, 1, 3, 1, 1, 1, '00000001/00000003/', 'y'),
        (4, 1, 4, 1, 3, 2, '00000001/00000003/00000004/', 'z');
      INSERT INTO Quote (commentId, quotedCommentId, ordinal, text, start, "end") VALUES
        (4, 1, 0, 'source', 0, 6), (4, 1, 1, 'source', 0, 6), (4, 1, 2, 'text', 7, 11);
    `);
      await applyMigrations(url);
      expect(db.prepare('SELECT id, replyCount FROM Comment ORDER BY id').all()).toEqual([
        { id: 1, replyCount: 2 },
        { id: 2, replyCount: 0 },
        { id: 3, replyCount: 1 },
        { id: 4, replyCount: 0 },
      ]);
      // …and, since the article comment count migration, every article's comments.
      expect(db.prepare('SELECT commentCount FROM Article').all()).toEqual([{ commentCount: 4 }]);
      expect(db.prepare('SELECT ordinal, start, "end" FROM Quote ORDER BY ordinal').all()).toEqual([
        { ordinal: 0, start: 0, end: 6 },
        { ordinal: 2, start: 7, end: 11 },
      ]);
      db.close();
    });
  });
