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
  articleId: number;
  commentId?: number;
  reason?: string | null;
}

export async function recordModeration(tx: DbTx, actor: Viewer, record: ModerationRecord, now: Date): Promise<void> {
  const { id: actorId } = await ensureAuthor(tx, actor);
  await tx.moderationAction.create({
    data: {
      actorId,
      kind: record.kind,
      articleId: record.articleId,
      commentId: record.commentId ?? null,
      reason: record.reason ?? null,
      createdAt: now,
    },
  });
}
