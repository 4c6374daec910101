import { GraphQLError } from 'graphql';
import { prisma } from '../db.js';
import { decodeCursor, type LiveEvent } from './events.js';
import { type LivePubSub, SubscriberOverflowError } from './pubsub.js';

const replayBatch = 500;

/** Logged events of an article with `after < seq ≤ upTo`, oldest first. */
async function* logged(articleId: number, after: number, upTo = Number.MAX_SAFE_INTEGER): AsyncGenerator<LiveEvent> {
  for (let from = after; ; ) {
    const rows = await prisma.commentEvent.findMany({
      where: { articleId, seq: { gt: from, lte: upTo } },
      orderBy: { seq: 'asc' },
      take: replayBatch,
      select: { articleId: true, seq: true, commentId: true, kind: true, comment: { select: { path: true } } },
    });
    for (const { comment, ...event } of rows) yield { ...event, path: comment.path };
    if (rows.length < replayBatch) return;
    from = rows[rows.length - 1]!.seq;
  }
}

/** The sequence number `after` stands for, checked against the article and the log's retention. */
export async function resumePoint(articleId: number, after: string | null | undefined): Promise<number | null> {
  if (after == null) return null;
  const cursor = decodeCursor(after);
  if (!cursor) throw new GraphQLError(`"${after}" is not an event cursor.`, { extensions: { code: 'BAD_USER_INPUT' } });
  if (cursor.articleId !== articleId) {
    throw new GraphQLError('This cursor belongs to another article.', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  const oldest = await prisma.commentEvent.findFirst({ where: { articleId }, orderBy: { seq: 'asc' }, select: { seq: true } });
  const article = await prisma.article.findUnique({ where: { id: articleId }, select: { lastEventSeq: true } });
  const firstKept = oldest?.seq ?? (article?.lastEventSeq ?? 0) + 1;
  if (cursor.seq < firstKept - 1) {
    throw new GraphQLError('The events after this cursor are no longer kept; refetch the thread and subscribe without "after".', {
      extensions: { code: 'CURSOR_EXPIRED' },
    });
  }
  return cursor.seq;
}

/**
 * An article's events for one subscriber: subscribe to live events first, replay the log
 * after `afterSeq` (when given), then go on live, skipping what was already sent and filling
 * any gap in the sequence from the log. Every accepted event arrives once, in order.
 *
 * Not an async generator: a generator waiting for the next event cannot be stopped (its
 * return() queues behind the wait), which would leak a listener per departed client. Here
 * return() closes the live subscription first, which ends the wait.
 */
export function articleEvents(
  pubsub: LivePubSub,
  articleId: number,
  afterSeq: number | null,
  accept: (event: LiveEvent) => boolean,
  onOverflow?: () => void,
): AsyncIterableIterator<LiveEvent> {
  const live = pubsub.subscribe(articleId);
  const events = (async function* () {
    try {
      let last: number;
      if (afterSeq == null) {
        const article = await prisma.article.findUnique({ where: { id: articleId }, select: { lastEventSeq: true } });
        last = article?.lastEventSeq ?? 0;
      } else {
        last = afterSeq;
        for await (const event of logged(articleId, last)) {
          last = event.seq;
          if (accept(event)) yield event;
        }
      }
      for await (const event of live) {
        if (event.seq <= last) continue;
        if (event.seq > last + 1) {
          // Publishing follows commits, which may finish out of order: take the missing ones from the log.
          for await (const missed of logged(articleId, last, event.seq - 1)) {
            last = missed.seq;
            if (accept(missed)) yield missed;
          }
        }
        last = event.seq;
        if (accept(event)) yield event;
      }
    } catch (error) {
      if (error instanceof SubscriberOverflowError) onOverflow?.();
      throw error;
    } finally {
      live.close();
    }
  })();
  return {
    next: () => events.next(),
    return: (value?: unknown) => {
      live.close();
      return events.return(value as undefined);
    },
    throw: (error?: unknown) => {
      live.close();
      return events.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
