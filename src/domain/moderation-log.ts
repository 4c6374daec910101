/**
 * The audit log (issue 14, item 7): every moderator's and administrator's action is recorded
 * with its actor, time, target and reason, in the transaction that makes it, so the log holds
 * exactly what happened.
 */
import type { Viewer } from '../auth.js';
import type { DbTx } from '../db.js';
import type { ModerationActionKind } from '../generated/prisma/client.js';
import { ensureAuthor } from './authors.js';

export interface ModerationRecord {
  kind: ModerationActionKind;
  articleId?: number | null;
  commentId?: number | null;
  /** The author acted on: a ban's, an identity link's. */
  authorId?: number | null;
  reason?: string | null;
  /** What changed, for a rule change or an identity link. */
  detail?: string | null;
}

/** Records an action; `actor` null stands for an operator's command on the server. */
export async function recordModeration(tx: DbTx, actor: Viewer | null, record: ModerationRecord, now: Date): Promise<void> {
  const actorId = actor ? (await ensureAuthor(tx, actor)).id : null;
  await tx.moderationAction.create({
    data: {
      actorId,
      kind: record.kind,
      articleId: record.articleId ?? null,
      commentId: record.commentId ?? null,
      authorId: record.authorId ?? null,
      reason: record.reason ?? null,
      detail: record.detail ?? null,
      createdAt: now,
    },
  });
}
