// The test file's own database, made when a test file first imports this module: a migrated
// SQLite file, or on PostgreSQL a copy of the migrated template database (and a Redis prefix
// of its own, so that apps built in the file share live events through Redis and no other
// file's). Nothing here touches process.env: apps and processes are handed these settings.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { applyMigrations } from '../prisma/migrate.js';
import { createDatabase } from '../scripts/services.js';
import { type DatabaseSettings, databaseSettings } from '../src/config.js';

export interface TestServices {
  database: DatabaseSettings;
  /** PostgreSQL runs only: the Redis every app of the file shares, and the file's channel prefix. */
  redisUrl: string | undefined;
  redisPrefix: string | undefined;
}

/** A fresh, migrated SQLite file in a temporary folder. */
export async function migratedSqlite(): Promise<DatabaseSettings> {
  const url = `file:${join(mkdtempSync(join(tmpdir(), 'threadline-test-')), 'test.db')}`;
  await applyMigrations(url);
  return databaseSettings({ ...process.env, DATABASE_URL: url });
}

async function prepare(): Promise<TestServices> {
  if (process.env.THREADLINE_TEST_DATABASE === 'postgresql') {
    const prefix = inject('databasePrefix');
    const name = `${prefix}${randomBytes(6).toString('hex')}`;
    const url = await createDatabase(inject('postgresUrl'), name, `${prefix}template`);
    return { database: databaseSettings({ ...process.env, DATABASE_URL: url }), redisUrl: inject('redisUrl'), redisPrefix: `${name}:` };
  }
  return { database: await migratedSqlite(), redisUrl: undefined, redisPrefix: undefined };
}

export const testServices: TestServices = await prepare();

/** Another migrated, empty database of this run's kind, for tests that restore into one. */
export async function emptyDatabase(): Promise<DatabaseSettings> {
  if (process.env.THREADLINE_TEST_DATABASE !== 'postgresql') return migratedSqlite();
  const prefix = inject('databasePrefix');
  const url = await createDatabase(inject('postgresUrl'), `${prefix}${randomBytes(6).toString('hex')}`, `${prefix}template`);
  return databaseSettings({ ...process.env, DATABASE_URL: url });
}
