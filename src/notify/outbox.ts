/**
 * The outbox (issue 15): what a comment write must tell the world outside is written in the
 * write's own transaction (`enqueue`), so it exists exactly when the write committed, and is
 * handed on afterwards by whichever instance's worker takes it (`dispatch`): one webhook
 * delivery per event and subscribed endpoint, and an email notification per reply or quote to
 * an author who asked for them. Nothing outside is ever called inside a write.
 */
import type { DbTx, Database } from '../db.js';
import type { LiveEvent } from '../domain/events.js';
import { encodeGlobalId } from '../domain/ids.js';
import type { CommentEventKind, NotificationKind } from '../generated/prisma/client.js';

/** The webhook event types: one per kind of comment event, `COMMENT_<kind>`; in payloads `comment.<kind>`. */
export const webhookEventTypes = [
  'COMMENT_ADDED',
  'COMMENT_EDITED',
  'COMMENT_DELETED',
  'COMMENT_HIDDEN',
  'COMMENT_RESTORED',
  'COMMENT_HELD',
  'COMMENT_REJECTED',
  'COMMENT_REACTED',
  'COMMENT_PINNED',
  'COMMENT_UNPINNED',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

export const eventTypeOf = (kind: CommentEventKind): WebhookEventType => `COMMENT_${kind}` as WebhookEventType;
/** `COMMENT_ADDED` → `comment.added`: the payload's `type`. */
export const payloadTypeOf = (type: WebhookEventType) => type.toLowerCase().replace('_', '.');

/** Inside the write's transaction: its events, for the world outside. */
export async function enqueue(
  tx: DbTx,
  events: readonly Pick<LiveEvent, 'articleId' | 'commentId' | 'kind'>[],
  now = new Date(),
): Promise<void> {
  if (events.length === 0) return;
  await tx.outboxEvent.createMany({
    data: events.map(({ articleId, commentId, kind }) => ({ articleId, commentId, kind, createdAt: now })),
  });
}

/** Two instances took the same outbox rows: the later one rolls back and leaves them to the first. */
class OutboxTaken extends Error {}

/** Where links in payloads and emails point: the site's public origin (THREADLINE_PUBLIC_URL). */
export const commentUrl = (publicUrl: string, slug: string, number: number) =>
  `${publicUrl}/articles/${encodeURIComponent(slug)}/comments#comment-${number}`;

/**
 * Turns up to `batch` outbox rows into deliveries and notifications, in one transaction that
 * also deletes them: rows another instance took first make this one roll back (the delete
 * counts fewer rows than it read), so each row is handed on once. Answers how many it took.
 */
export async function dispatch(db: Database, publicUrl: string, batch = 200, now = new Date()): Promise<number> {
  // Read first: an empty outbox, nearly every second, takes no write lock.
  if ((await db.reader.outboxEvent.findFirst({ select: { id: true } })) === null) return 0;
  try {
    return await db.writeTransaction(
      async (tx) => {
        const rows = await tx.outboxEvent.findMany({ orderBy: { id: 'asc' }, take: batch });
        if (rows.length === 0) return 0;
        const { count } = await tx.outboxEvent.deleteMany({ where: { id: { in: rows.map((row) => row.id) } } });
        if (count !== rows.length) throw new OutboxTaken();

        const webhooks = await tx.webhook.findMany({ where: { active: true }, select: { id: true, events: true } });
        const wanted = rows.filter((row) => webhooks.some((hook) => hook.events.split(',').includes(eventTypeOf(row.kind))));
        const added = rows.filter((row) => row.kind === 'ADDED');
        const commentIds = [...new Set([...wanted, ...added].map((row) => row.commentId))];
        if (commentIds.length === 0) return rows.length;
        const comments = new Map(
          (
            await tx.comment.findMany({
              where: { id: { in: commentIds } },
              select: {
                id: true,
                number: true,
                body: true,
                status: true,
                depth: true,
                createdAt: true,
                editedAt: true,
                deletedAt: true,
                hiddenAt: true,
                reactionCount: true,
                pinnedAt: true,
                authorId: true,
                author: { select: { handle: true, name: true } },
                parent: { select: { id: true, number: true, authorId: true } },
                quotes: { select: { quotedComment: { select: { authorId: true } } } },
                article: { select: { id: true, slug: true, title: true } },
              },
            })
          ).map((comment) => [comment.id, comment]),
        );

        const deliveries = wanted.flatMap((row) => {
          const comment = comments.get(row.commentId);
          if (!comment) return [];
          const type = eventTypeOf(row.kind);
          const payload = JSON.stringify({
            id: `evt_${row.id}`,
            type: payloadTypeOf(type),
            createdAt: row.createdAt.toISOString(),
            data: {
              article: {
                id: encodeGlobalId('Article', comment.article.id),
                slug: comment.article.slug,
                title: comment.article.title,
              },
              comment: {
                id: encodeGlobalId('Comment', comment.id),
                number: comment.number,
                url: commentUrl(publicUrl, comment.article.slug, comment.number),
                author: { handle: comment.author.handle, name: comment.author.name },
                parent: comment.parent ? { id: encodeGlobalId('Comment', comment.parent.id), number: comment.parent.number } : null,
                depth: comment.depth,
                status: comment.deletedAt ? 'DELETED' : comment.hiddenAt ? 'HIDDEN' : comment.status,
                body: comment.deletedAt ? '' : comment.body,
                createdAt: comment.createdAt.toISOString(),
                editedAt: comment.editedAt?.toISOString() ?? null,
                reactionCount: comment.reactionCount,
                pinned: comment.pinnedAt !== null,
              },
            },
          });
          return webhooks
            .filter((hook) => hook.events.split(',').includes(type))
            .map((hook) => ({ webhookId: hook.id, eventType: type, payload, nextAttemptAt: now, createdAt: now }));
        });
        if (deliveries.length > 0) await tx.webhookDelivery.createMany({ data: deliveries });

        const notifications = await notificationsFor(tx, added, comments, now);
        if (notifications.length > 0) await tx.emailNotification.createMany({ data: notifications });
        return rows.length;
      },
      // Nothing readers see: cached answers keep their versions.
      { scope: 'none' },
    );
  } catch (error) {
    if (error instanceof OutboxTaken) return 0;
    throw error;
  }
}

type Loaded = {
  id: number;
  authorId: number;
  parent: { authorId: number } | null;
  quotes: { quotedComment: { authorId: number } }[];
};

/**
 * A new comment's notifications: its parent's author, for a reply, and the authors it quotes,
 * each once (a reply that also quotes its parent is a reply), never its own author, and only to
 * authors who asked for that kind.
 */
async function notificationsFor(tx: DbTx, added: readonly { commentId: number }[], comments: Map<number, Loaded>, now: Date) {
  const wanted: { recipientId: number; commentId: number; kind: NotificationKind }[] = [];
  for (const { commentId } of added) {
    const comment = comments.get(commentId);
    if (!comment) continue;
    const seen = new Set<number>([comment.authorId]);
    if (comment.parent && !seen.has(comment.parent.authorId)) {
      seen.add(comment.parent.authorId);
      wanted.push({ recipientId: comment.parent.authorId, commentId, kind: 'REPLY' });
    }
    for (const { quotedComment } of comment.quotes) {
      if (seen.has(quotedComment.authorId)) continue;
      seen.add(quotedComment.authorId);
      wanted.push({ recipientId: quotedComment.authorId, commentId, kind: 'QUOTE' });
    }
  }
  if (wanted.length === 0) return [];
  const preferences = await tx.notificationPreference.findMany({
    where: { authorId: { in: [...new Set(wanted.map((w) => w.recipientId))] } },
    select: { authorId: true, replies: true, quotes: true },
  });
  const byAuthor = new Map(preferences.map((preference) => [preference.authorId, preference]));
  return wanted
    .filter(({ recipientId, kind }) => {
      const preference = byAuthor.get(recipientId);
      return preference !== undefined && (kind === 'REPLY' ? preference.replies : preference.quotes);
    })
    .map((notification) => ({ ...notification, createdAt: now, nextAttemptAt: now }));
}
