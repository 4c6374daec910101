/**
 * A comment's way through moderation (issue 14): what a new comment becomes under the rules,
 * readers' reports, and moderators' approvals and rejections. Each change of status keeps the
 * public's counts and the article's event log in step with what the public sees:
 *
 * - a comment that is not PUBLISHED counts nowhere (`Article.commentCount`, its parent's
 *   `replyCount`) and has no event: the public hears of it when it is published, as ADDED the
 *   first time (`publishedAt` was null) and as RESTORED after it was sent back to review;
 * - a published comment sent back to review (reports) or rejected logs HELD or REJECTED, which
 *   everyone but moderators and its author hear as DELETED.
 *
 * Holds, reports and every moderator's decision are written to the moderation log in the same
 * transaction (src/domain/moderation-log.ts), where moderators hear of them (moderationEvents).
 */
import type { Viewer } from '../auth.js';
import type { Database, DbTx } from '../db.js';
import type { CommentStatus, ReportReason } from '../generated/prisma/client.js';
import type { SpamVerdict } from '../moderation/akismet.js';
import { ensureAuthor } from './authors.js';
import { assertNotBanned } from './bans.js';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.js';
import { appendEvent, type LiveEvent } from './events.js';
import { recordModeration } from './moderation-log.js';
import { judge } from './moderation-rules.js';
import { loadModeration } from './moderation-settings.js';
import { isModerator, showsArticle, showsComment } from './visibility.js';

/** What moderation makes of a new comment. */
export interface Decision {
  status: CommentStatus;
  /** Why it is not published, one reason a line; null when it is. */
  heldBy: string | null;
}

const published: Decision = { status: 'PUBLISHED', heldBy: null };

/** The spam checkers' verdict, as a reason to hold or reject; null when they found nothing. */
function spamReason(verdict: SpamVerdict | null): { action: 'HOLD' | 'REJECT'; reason: string } | null {
  if (!verdict || verdict.verdict === 'HAM') return null;
  if (verdict.verdict === 'UNKNOWN') return { action: 'HOLD', reason: `SPAM_CHECK: no verdict (${verdict.reason})` };
  const detail = 'detail' in verdict && verdict.detail ? verdict.detail : 'flagged';
  return { action: verdict.discard ? 'REJECT' : 'HOLD', reason: `SPAM: ${detail}` };
}

/**
 * What a new comment of `authorId` on the article becomes, inside the posting transaction.
 * Moderators' comments are published. Otherwise the article's mode decides: POST publishes,
 * PRE holds, RULES applies the site's rules and, when they say so, the spam checkers' verdict
 * (reached before the transaction: `spam`, null when no check ran). A rejecting rule rejects;
 * every rule that holds is named.
 */
export async function decideNewComment(
  tx: DbTx,
  viewer: Viewer,
  comment: { articleId: number; authorId: number; body: string },
  spam: SpamVerdict | null,
): Promise<Decision> {
  if (isModerator(viewer)) return published;
  const { mode, rules, holdSpam } = await loadModeration(tx, comment.articleId);
  if (mode === 'POST') return published;
  if (mode === 'PRE') return { status: 'PENDING', heldBy: 'PRE: every comment on this article waits for a moderator' };
  const authorPublished =
    rules.holdFirstComments === 0
      ? 0
      : await tx.comment.count({ where: { authorId: comment.authorId, status: 'PUBLISHED' }, take: rules.holdFirstComments });
  const reasons: string[] = [];
  let rejected = false;
  const verdict = judge(comment.body, rules, { authorPublished });
  if (verdict.action !== 'PUBLISH') {
    reasons.push(`${verdict.rule}: ${verdict.detail}`);
    rejected = verdict.action === 'REJECT';
  }
  const flagged = holdSpam ? spamReason(spam) : null;
  if (flagged) {
    reasons.push(flagged.reason);
    rejected ||= flagged.action === 'REJECT';
  }
  if (reasons.length === 0) return published;
  return { status: rejected ? 'REJECTED' : 'PENDING', heldBy: reasons.join('\n') };
}

/** Whether the article's mode may need the spam checkers' verdict for a comment by `viewer`: read before the transaction. */
export async function wantsSpamCheck(db: Database, viewer: Viewer, articleId: number): Promise<boolean> {
  if (isModerator(viewer)) return false;
  const { mode, holdSpam } = await loadModeration(db.reader, articleId);
  return mode === 'RULES' && holdSpam;
}

/** The columns a change of status reads, the comment's row locked. */
const statusColumns = {
  id: true,
  articleId: true,
  parentId: true,
  path: true,
  authorId: true,
  status: true,
  publishedAt: true,
  heldBy: true,
  deletedAt: true,
  hiddenAt: true,
  openReports: true,
  article: { select: { publishedAt: true } },
} as const;

type StatusRow = NonNullable<Awaited<ReturnType<typeof lockedForStatus>>>;

async function lockedForStatus(db: Database, tx: DbTx, commentId: number) {
  await db.lockRow(tx, 'Comment', commentId);
  return tx.comment.findUnique({ where: { id: commentId }, select: statusColumns });
}

/**
 * Moves a comment to `to`, keeping the public's counts and the event log in step (see the top
 * of this file); returns the event to publish once committed, if the public's view changed.
 */
async function changeStatus(
  tx: DbTx,
  comment: StatusRow,
  to: CommentStatus,
  now: Date,
  extra: { heldBy?: string | null; resolveReports?: boolean } = {},
): Promise<LiveEvent | null> {
  const wasPublic = comment.status === 'PUBLISHED';
  const isPublic = to === 'PUBLISHED';
  await tx.comment.update({
    where: { id: comment.id },
    data: {
      status: to,
      ...(isPublic && comment.publishedAt === null ? { publishedAt: now } : {}),
      ...(extra.heldBy !== undefined ? { heldBy: extra.heldBy } : {}),
      ...(extra.resolveReports ? { openReports: 0, reportedAt: null } : {}),
    },
    select: { id: true },
  });
  if (extra.resolveReports && comment.openReports > 0) {
    await tx.report.updateMany({ where: { commentId: comment.id, resolvedAt: null }, data: { resolvedAt: now } });
  }
  if (wasPublic === isPublic) return null;
  const step = isPublic ? 1 : -1;
  await tx.article.update({ where: { id: comment.articleId }, data: { commentCount: { increment: step } }, select: { id: true } });
  if (comment.parentId !== null) {
    await tx.comment.update({ where: { id: comment.parentId }, data: { replyCount: { increment: step } }, select: { id: true } });
  }
  // A deleted comment is a tombstone either way: its status changes nothing anyone sees.
  if (comment.deletedAt) return null;
  const kind = isPublic ? (comment.publishedAt === null ? 'ADDED' : 'RESTORED') : to === 'PENDING' ? 'HELD' : 'REJECTED';
  return appendEvent(tx, { articleId: comment.articleId, commentId: comment.id, path: comment.path, kind });
}

/** A moderator's decisions apply to at most this many comments at once. */
export const maxBulkComments = 100;

export interface ModerationResult {
  commentIds: number[];
  events: LiveEvent[];
}

/**
 * Approves (publishes) or rejects comments, in one transaction: every comment or none. A
 * comment already where the decision puts it is left alone (approving a published comment
 * still clears its reports: the moderator saw them and kept it). Deleted comments can be
 * rejected or approved too (their reports are dealt with), and stay tombstones.
 */
export async function decideComments(
  db: Database,
  viewer: Viewer,
  input: { commentIds: readonly number[]; decision: 'APPROVE' | 'REJECT'; reason?: string | null },
  now = new Date(),
): Promise<ModerationResult> {
  const ids = [...new Set(input.commentIds)];
  if (ids.length === 0) throw new ValidationError('commentIds', 'Name at least one comment.');
  if (ids.length > maxBulkComments) {
    throw new ValidationError('commentIds', `At most ${maxBulkComments} comments at once; got ${ids.length}.`);
  }
  const reason = checkReason(input.reason, 'reason');
  return db.writeTransaction(
    async (tx) => {
      const events: LiveEvent[] = [];
      // In id order: two moderators deciding on overlapping sets lock rows in the same order.
      for (const id of [...ids].sort((a, b) => a - b)) {
        const comment = await lockedForStatus(db, tx, id);
        if (!comment || !showsArticle(comment.article, viewer, now)) {
          throw new NotFoundError(`commentIds.${input.commentIds.indexOf(id)}: the comment does not exist.`);
        }
        const to = input.decision === 'APPROVE' ? 'PUBLISHED' : 'REJECTED';
        if (comment.status === to && comment.openReports === 0) continue;
        const event = await changeStatus(tx, comment, to, now, { resolveReports: true });
        if (event) events.push(event);
        await recordModeration(tx, viewer, { kind: input.decision, articleId: comment.articleId, commentId: comment.id, reason }, now);
      }
      return { commentIds: ids, events };
    },
    { scope: 'comments' },
  );
}

export const maxReportNote = 1000;
export const maxModerationReason = 500;

function checkReason(value: string | null | undefined, field: string, limit = maxModerationReason): string | null {
  const text = value?.trim() ?? '';
  if (text === '') return null;
  if ([...text].length > limit) throw new ValidationError(field, `At most ${limit} characters.`);
  return text;
}

export interface ReportInput {
  commentId: number;
  reason: ReportReason;
  note?: string | null;
}

export interface ReportResult {
  commentId: number;
  /** False when the viewer had reported the comment already: nothing changed. */
  recorded: boolean;
  events: LiveEvent[];
}

/**
 * A reader reports a comment, once per comment (a second report is an idempotent success that
 * changes nothing). `reportsToHold` open reports send a published comment back to review: it
 * then reads as a tombstone to everyone but moderators and its author until a moderator decides.
 */
export async function reportComment(
  db: Database,
  viewer: Viewer,
  input: ReportInput,
  reportsToHold: number,
  now = new Date(),
): Promise<ReportResult> {
  const note = checkReason(input.note, 'note', maxReportNote);
  return db.writeTransaction(
    async (tx) => {
      const reporter = await ensureAuthor(tx, viewer);
      await assertNotBanned(tx, reporter.id, now);
      const comment = await lockedForStatus(db, tx, input.commentId);
      if (!comment || !showsArticle(comment.article, viewer, now)) throw new NotFoundError('The comment does not exist.');
      if (!showsComment(comment, viewer, reporter.id)) throw new NotFoundError('The comment was removed.');
      if (comment.authorId === reporter.id) throw new ForbiddenError('You cannot report your own comment; edit or delete it instead.');
      const earlier = await tx.report.findUnique({
        where: { commentId_authorId: { commentId: comment.id, authorId: reporter.id } },
        select: { id: true },
      });
      if (earlier) return { commentId: comment.id, recorded: false, events: [] };
      await tx.report.create({ data: { commentId: comment.id, authorId: reporter.id, reason: input.reason, note, createdAt: now } });
      const { openReports } = await tx.comment.update({
        where: { id: comment.id },
        data: { openReports: { increment: 1 }, ...(comment.openReports === 0 ? { reportedAt: now } : {}) },
        select: { openReports: true },
      });
      await recordModeration(
        tx,
        viewer,
        { kind: 'REPORT', articleId: comment.articleId, commentId: comment.id, reason: note, detail: input.reason },
        now,
      );
      const events: LiveEvent[] = [];
      if (comment.status === 'PUBLISHED' && openReports >= reportsToHold) {
        const heldBy = `REPORTS: ${openReports} open reports`;
        const event = await changeStatus(tx, { ...comment, openReports }, 'PENDING', now, {
          heldBy: comment.heldBy ? `${comment.heldBy}\n${heldBy}` : heldBy,
        });
        if (event) events.push(event);
        await recordModeration(tx, null, { kind: 'HOLD', articleId: comment.articleId, commentId: comment.id, reason: heldBy }, now);
      }
      return { commentId: comment.id, recorded: true, events };
    },
    { scope: 'comments' },
  );
}
