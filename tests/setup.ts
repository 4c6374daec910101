// Each test file gets a database of its own, chosen before src/db.ts reads DATABASE_URL: a
// migrated SQLite file, or on PostgreSQL a copy of the migrated template database (with
// REDIS_URL set, so that apps built in tests share live events through Redis).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { applyMigrations } from '../prisma/migrate.js';
import { createDatabase } from '../scripts/services.js';

if (process.env.THREADLINE_TEST_DATABASE === 'postgresql') {
  const prefix = inject('databasePrefix');
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  process.env.DATABASE_URL = await createDatabase(inject('postgresUrl'), name, `${prefix}template`);
  process.env.REDIS_URL = inject('redisUrl');
  process.env.THREADLINE_REDIS_PREFIX = `${name}:`;
} else {
  const url = `file:${join(mkdtempSync(join(tmpdir(), 'threadline-test-')), 'test.db')}`;
  process.env.DATABASE_URL = url;
  await applyMigrations(url);
}
