import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database } from './db.js';
import { loadThread, type LoadSummary } from './importers/load.js';
import { parseTextThread } from './importers/text.js';

export const demoThreadPath = fileURLToPath(new URL('../prisma/demo-thread.txt', import.meta.url));

/** Fills a database that has no articles with the demo thread; returns null when there was something already. */
export async function seedDemoIfEmpty(db: Database): Promise<LoadSummary | null> {
  if ((await db.reader.article.count()) > 0) return null;
  const thread = parseTextThread(await readFile(demoThreadPath, 'utf8'));
  try {
    return await loadThread(db, thread);
  } catch (error) {
    // Several instances started together on one empty PostgreSQL database: one seeds it, and
    // the others' inserts of the same rows fail on a unique constraint once it has committed.
    if ((error as { code?: unknown }).code === 'P2002' && (await db.reader.article.count()) > 0) return null;
    throw error;
  }
}
