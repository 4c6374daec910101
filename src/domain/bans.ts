/**
 * Bans (issue 14, item 5): an administrator bans an author, for a time or without end, and the
 * author's writes are refused with BannedError until the ban ends or is lifted. A ban whose end
 * has passed is simply not in force: nothing needs to run when it expires.
 *
 * Every ban and unban is written to the moderation log in its own transaction.
 */
import type { Viewer } from '../auth.js';
import type { Database, DbTx } from '../db.js';
import { ensureAuthor } from './authors.js';
import { BannedError, ForbiddenError, NotFoundError, ValidationError } from './errors.js';
import { recordModeration } from './moderation-log.js';
import { unstorableText } from './text.js';

export const maxBanReason = 500;

/**
 * A ban rejects at most this many of the author's pending comments, oldest first: the update
 * and its log entries stay one short transaction. Any beyond stay in the queue for moderators
 * (a ban on an author with more is rare: the rules hold few comments per author).
 */
export const maxRejectedOnBan = 1000;

/** Why the log gives for each comment a ban rejects. */
export const banRejectionReason = 'author banned';

/*
 * Nothing a shared answer shows changes with a ban: whether an author is banned shows to
 * moderators and administrators only, whose answers the response cache never shares, and the
 * comments a ban rejects were pending, which the public never saw (no count, no event, no
 * tombstone changes for them). The narrow scope keeps every cached public answer; the epoch
 * still moves, as with every write.
 */
const banWrite = <T>(db: Database, work: (tx: DbTx) => Promise<T>) => db.writeTransaction(work, { scope: 'comments' });

type BanState = { bannedAt: Date | null; bannedUntil: Date | null };

/** Whether a ban is in force at `now`: set, and without end or ending after `now`. */
export const isBanned = (author: BanState, now: Date): boolean =>
  author.bannedAt !== null && (author.bannedUntil === null || author.bannedUntil.getTime() > now.getTime());

/** Throws BannedError while the author's ban is in force. */
export async function assertNotBanned(tx: DbTx, authorId: number, now: Date): Promise<void> {
  const author = await tx.author.findUnique({ where: { id: authorId }, select: { bannedAt: true, bannedUntil: true } });
  if (author && isBanned(author, now)) throw new BannedError(author.bannedUntil);
}

export interface BanInput {
  authorId: number;
  /** When the ban ends; null or absent: no end. */
  until?: Date | null;
  reason?: string | null;
  /** Reject the author's pending comments at once (at most `maxRejectedOnBan`). */
  rejectPending?: boolean | null;
}

export interface BanResult {
  authorId: number;
  /** The pending comments the ban rejected. */
  rejectedCommentIds: number[];
}

function checkReason(value: string | null | undefined): string | null {
  const text = value?.trim() ?? '';
  if (text === '') return null;
  const unstorable = unstorableText(text);
  if (unstorable) throw new ValidationError('reason', `The reason ${unstorable}`);
  if ([...text].length > maxBanReason) throw new ValidationError('reason', `At most ${maxBanReason} characters.`);
  return text;
}

async function findAuthor(tx: DbTx, authorId: number) {
  const author = await tx.author.findUnique({
    where: { id: authorId },
    select: { id: true, handle: true, role: true, bannedAt: true, bannedUntil: true },
  });
  if (!author) throw new NotFoundError('The author does not exist.');
  return author;
}

/**
 * Bans an author until `until` (null: without end), or changes the end and reason of a ban
 * in force (recorded again). With `rejectPending`, the author's pending comments are rejected
 * in the same transaction, each with its own log entry.
 */
export async function banAuthor(db: Database, viewer: Viewer, input: BanInput, now = new Date()): Promise<BanResult> {
  const reason = checkReason(input.reason);
  const until = input.until ?? null;
  if (until !== null && until.getTime() <= now.getTime()) throw new ValidationError('until', 'A ban must end in the future.');
  return banWrite(db, async (tx) => {
    const author = await findAuthor(tx, input.authorId);
    if (author.handle === viewer.handle) throw new ForbiddenError('You cannot ban yourself.');
    // The role as the author's token last gave it (src/domain/authors.ts, ensureAuthor).
    if (author.role === 'ADMIN') throw new ForbiddenError('Administrators cannot be banned.');
    // Writing the ban first locks the author's row: a post of theirs still running (it locks the
    // row too, src/domain/authors.ts) commits before the pending comments are read below.
    await tx.author.update({
      where: { id: author.id },
      data: { bannedAt: isBanned(author, now) ? author.bannedAt : now, bannedUntil: until, banReason: reason },
      select: { id: true },
    });
    await recordModeration(tx, viewer, { kind: 'BAN', authorId: author.id, reason, detail: until ? until.toISOString() : 'no end' }, now);
    if (!input.rejectPending) return { authorId: author.id, rejectedCommentIds: [] };

    const pending = await tx.comment.findMany({
      where: { authorId: author.id, status: 'PENDING' },
      orderBy: { id: 'asc' },
      take: maxRejectedOnBan,
      select: { id: true, articleId: true, openReports: true },
    });
    if (pending.length === 0) return { authorId: author.id, rejectedCommentIds: [] };
    const ids = pending.map((comment) => comment.id);
    // PENDING to REJECTED changes no count and no event: neither status shows to the public.
    // Their reports are dealt with, as a moderator's rejection deals with them.
    await tx.comment.updateMany({ where: { id: { in: ids } }, data: { status: 'REJECTED', openReports: 0, reportedAt: null } });
    const reported = pending.filter((comment) => comment.openReports > 0).map((comment) => comment.id);
    if (reported.length > 0)
      await tx.report.updateMany({ where: { commentId: { in: reported }, resolvedAt: null }, data: { resolvedAt: now } });
    // recordModeration's entries, in one statement rather than a thousand.
    const actor = await ensureAuthor(tx, viewer);
    await tx.moderationAction.createMany({
      data: pending.map((comment) => ({
        actorId: actor.id,
        kind: 'REJECT' as const,
        articleId: comment.articleId,
        commentId: comment.id,
        authorId: author.id,
        reason: banRejectionReason,
        createdAt: now,
      })),
    });
    return { authorId: author.id, rejectedCommentIds: ids };
  });
}

/**
 * Lifts an author's ban. An author not banned (never, or the ban has ended) is a success that
 * records nothing. Lifting is refused to nobody: an author banned before becoming an
 * administrator can be freed too.
 */
export async function unbanAuthor(
  db: Database,
  viewer: Viewer,
  input: { authorId: number },
  now = new Date(),
): Promise<{ authorId: number }> {
  return banWrite(db, async (tx) => {
    const author = await findAuthor(tx, input.authorId);
    if (author.bannedAt === null) return { authorId: author.id };
    await tx.author.update({
      where: { id: author.id },
      data: { bannedAt: null, bannedUntil: null, banReason: null },
      select: { id: true },
    });
    // An ended ban is cleared, but nobody lifted it.
    if (isBanned(author, now)) {
      await recordModeration(
        tx,
        viewer,
        { kind: 'UNBAN', authorId: author.id, detail: author.bannedUntil?.toISOString() ?? 'no end' },
        now,
      );
    }
    return { authorId: author.id };
  });
}
