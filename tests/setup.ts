// Each test file gets its own migrated SQLite file, chosen before src/db.ts reads DATABASE_URL.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations } from '../prisma/migrate.js';

const url = `file:${join(mkdtempSync(join(tmpdir(), 'threadline-test-')), 'test.db')}`;
process.env.DATABASE_URL = url;
await applyMigrations(url);
