import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyMigrations, createMigration, driftFromSchema, migrationsDir } from '../prisma/migrate.js';
import { printSchemaSorted } from '../src/schema/print.js';

describe('schema/schema.graphql', () => {
  it('is the printed, sorted Pothos schema (run `npm run schema:print` after changing the schema)', () => {
    expect(readFileSync(new URL('../schema/schema.graphql', import.meta.url), 'utf8')).toBe(printSchemaSorted());
  });

  it('keeps the names of the public contract', () => {
    const sdl = printSchemaSorted();
    for (const name of [
      'node(id: ID!): Node',
      'nodes(ids: [ID!]!): [Node]!',
      'article(slug: String!): Article',
      'author(handle: String!): Author',
      'tag(slug: String!): Tag',
      'commentCount: Int!',
      'commentsLocked: Boolean!',
      'replyCount: Int!',
      'quotes: [Quote!]!',
      'mentions: [Author!]!',
      'revisions: [CommentRevision!]!',
      'sourceChanged: Boolean!',
      'parent: Comment',
      'enum CommentOrder',
    ]) {
      expect(sdl).toContain(name);
    }
    expect(sdl).toMatch(/comments\(\s*after: String\s*before: String\s*first: Int\s*last: Int\s*orderBy: CommentOrder = OLDEST[\s\S]*?topLevelOnly: Boolean = false\s*\): CommentConnection!/);
    expect(sdl).toMatch(/articles\(\s*after: String\s*\n\s*"""An author handle."""\s*author: String/);
  });
});

describe('migrations', () => {
  it('applied to an empty database leave no difference from schema.prisma, and apply once', async () => {
    const url = `file:${join(mkdtempSync(join(tmpdir(), 'threadline-migrate-')), 'fresh.db')}`;
    const applied = await applyMigrations(url);
    expect(applied.length).toBeGreaterThan(0);
    expect(await driftFromSchema(url)).toBe('');
    expect(await applyMigrations(url)).toEqual([]);
  });

  it('have nothing left to create: the checked-in migrations build schema.prisma', async () => {
    expect(await createMigration('nothing')).toBeNull();
  });

  it('notice a database that differs from schema.prisma', async () => {
    const url = `file:${join(mkdtempSync(join(tmpdir(), 'threadline-migrate-')), 'drifted.db')}`;
    await applyMigrations(url);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(url.slice('file:'.length));
    db.exec('DROP INDEX "Comment_articleId_path_idx"');
    db.close();
    expect(await driftFromSchema(url)).toMatch(/CREATE INDEX "Comment_articleId_path_idx"/);
  });
});

describe('the writes migration', () => {
  it('continues each existing article\'s numbering after its latest comment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadline-upgrade-'));
    const before = join(dir, 'migrations');
    const writes = readdirSync(migrationsDir).find((name) => name.endsWith('_writes'))!;
    // The migrations before the writes one, as a database made before it would have them.
    cpSync(migrationsDir, before, {
      recursive: true,
      filter: (source) => {
        const name = source.slice(migrationsDir.length + 1).split('/')[0]!;
        return name === '' || !/^\d{14}_/.test(name) || name < writes;
      },
    });
    const url = `file:${join(dir, 'old.db')}`;
    await applyMigrations(url, before);

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
