/**
 * Bans (issue 14, item 5): a banned author's writes are refused with BannedError until the ban ends.
 */
import type { DbTx } from '../db.js';
import { BannedError } from './errors.js';

/** Throws BannedError while the author's ban is in force: set, and without end or ending after `now`. */
export async function assertNotBanned(tx: DbTx, authorId: number, now: Date): Promise<void> {
  const author = await tx.author.findUnique({ where: { id: authorId }, select: { bannedAt: true, bannedUntil: true } });
  if (!author?.bannedAt) return;
  if (author.bannedUntil === null || author.bannedUntil.getTime() > now.getTime()) throw new BannedError(author.bannedUntil);
}
