import type { BulkColumn, Database, DbTx } from '../db.js';
import { decodeBase64Strict, parseDatabaseId } from './ids.js';
import type { CommentEventKind } from '../generated/prisma/client.js';
import { enqueue } from '../notify/outbox.js';

export type { CommentEventKind };

/** What a write tells live subscribers: small and JSON-safe; subscribers load the rest. */
export interface LiveEvent {
  articleId: number;
  /** The event's place in its article's log: 1, 2, 3, … in commit order. */
  seq: number;
  commentId: number;
  /** The comment's materialized path, so "replies below X" needs no query. */
  path: string;
  kind: CommentEventKind;
}

/**
 * Logs an event inside the write's transaction. The sequence number comes from the article's
 * row, which the transaction holds locked from here to its commit, so an article's events
 * commit in sequence order and a subscriber resuming after seq N misses nothing. The event
 * goes to the outbox too (webhooks, emails: src/notify/outbox.ts), in the same transaction.
 */
export async function appendEvent(
  tx: DbTx,
  event: { articleId: number; commentId: number; path: string; kind: CommentEventKind },
  createdAt = new Date(),
): Promise<LiveEvent> {
  const { lastEventSeq: seq } = await tx.article.update({
    where: { id: event.articleId },
    data: { lastEventSeq: { increment: 1 } },
    select: { lastEventSeq: true },
  });
  await tx.commentEvent.create({
    // Stamped by this process's clock; pruning takes whole prefixes of seq, so instances whose
    // clocks disagree a little cannot cut a hole in an article's log.
    data: { articleId: event.articleId, seq, commentId: event.commentId, kind: event.kind, createdAt },
  });
  await enqueue(tx, [event], createdAt);
  return { ...event, seq };
}

/**
 * Logs several events of one article at once (an import's comments), in order: the same
 * sequence numbers, one after another, that as many `appendEvent` calls would hand out. Not
 * to the outbox: an import's comments are history, not news (a post enqueues its own event).
 */
export async function appendEvents(
  tx: DbTx,
  articleId: number,
  events: readonly { commentId: number; path: string; kind: CommentEventKind }[],
  db: Database,
): Promise<LiveEvent[]> {
  if (events.length === 0) return [];
  const { lastEventSeq: last } = await tx.article.update({
    where: { id: articleId },
    data: { lastEventSeq: { increment: events.length } },
    select: { lastEventSeq: true },
  });
  const first = last - events.length + 1;
  const createdAt = new Date();
  const logged = events.map((event, index) => ({ ...event, articleId, seq: first + index }));
  await db.insertRows(
    tx,
    'CommentEvent',
    eventColumns,
    logged.map(({ seq, commentId, kind }) => [articleId, seq, commentId, kind, createdAt]),
  );
  return logged;
}

const eventColumns: readonly BulkColumn[] = [
  ['articleId', 'int'],
  ['seq', 'int'],
  ['commentId', 'int'],
  ['kind', 'enum:CommentEventKind'],
  ['createdAt', 'datetime'],
];

/** Opaque to clients: base64 of "CommentEvent:<article id>:<seq>". */
export const encodeCursor = (articleId: number, seq: number) => Buffer.from(`CommentEvent:${articleId}:${seq}`).toString('base64');

/** The article and sequence number an event cursor names; null for anything this API did not write. */
export function decodeCursor(cursor: string): { articleId: number; seq: number } | null {
  const text = decodeBase64Strict(cursor);
  const match = text === null ? null : /^CommentEvent:(.*):(0|.*)$/s.exec(text);
  if (!match) return null;
  const articleId = parseDatabaseId(match[1]!);
  // Sequence numbers are 32-bit too; 0 stands before an article's first event.
  const seq = match[2] === '0' ? 0 : parseDatabaseId(match[2]!);
  return articleId === null || seq === null ? null : { articleId, seq };
}

/**
 * Drops events older than the retention; cursors before them then ask the client to refetch.
 * Per article it drops a prefix of the sequence, up to its newest event older than the
 * cut-off: with several instances stamping events, a later seq may carry a slightly earlier
 * time, and dropping by time alone could leave a hole that expires cursors still kept.
 */
export async function pruneEvents(db: Database, retentionDays: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  return db.writeTransaction(
    async (tx) => {
      const expired = await tx.commentEvent.groupBy({ by: ['articleId'], where: { createdAt: { lt: cutoff } }, _max: { seq: true } });
      if (expired.length === 0) return 0;
      const { count } = await tx.commentEvent.deleteMany({
        where: { OR: expired.map(({ articleId, _max }) => ({ articleId, seq: { lte: _max.seq! } })) },
      });
      return count;
    },
    // Old events are nothing a reader sees: no cached answer needs to go.
    { scope: 'comments' },
  );
}
