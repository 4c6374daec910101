import { GraphQLError } from 'graphql';
import type { Database } from '../db.js';
import { decodeCursor, type LiveEvent } from '../domain/events.js';
import type { LivePubSub, LiveSubscription } from './pubsub.js';

const replayBatch = 500;

const expired = () =>
  new GraphQLError('The events after this cursor are no longer kept; refetch the thread and subscribe without "after".', {
    extensions: { code: 'CURSOR_EXPIRED' },
  });

/**
 * Logged events of an article with `after < seq ≤ upTo`, oldest first. The sequence has no
 * holes unless pruning took some: then the client cannot be brought up to date and is told so.
 */
export async function* logged(db: Database, articleId: number, after: number, upTo: number | null = null): AsyncGenerator<LiveEvent> {
  let expected = after + 1;
  for (let from = after; ; ) {
    const rows = await db.reader.commentEvent.findMany({
      // (No sentinel for "no upper bound": PostgreSQL's INTEGER refuses numbers past 2^31 - 1.)
      where: { articleId, seq: upTo === null ? { gt: from } : { gt: from, lte: upTo } },
      orderBy: { seq: 'asc' },
      take: replayBatch,
      select: { articleId: true, seq: true, commentId: true, kind: true, comment: { select: { path: true } } },
    });
    for (const { comment, ...event } of rows) {
      if (event.seq !== expected) throw expired();
      expected++;
      yield { ...event, path: comment.path };
    }
    if (rows.length < replayBatch) break;
    from = rows[rows.length - 1]!.seq;
  }
  if (upTo !== null && expected !== upTo + 1) throw expired();
}

/** Where an article's event log stands now: the sequence number of its latest event (0 before any). */
export async function currentSeq(db: Database, articleId: number): Promise<number> {
  const article = await db.reader.article.findUnique({ where: { id: articleId }, select: { lastEventSeq: true } });
  return article?.lastEventSeq ?? 0;
}

/** The sequence number a cursor stands for, checked against the article and the log. */
async function cursorSeq(db: Database, articleId: number, after: string): Promise<number> {
  const cursor = decodeCursor(after);
  if (!cursor) throw new GraphQLError(`"${after}" is not an event cursor.`, { extensions: { code: 'BAD_USER_INPUT' } });
  if (cursor.articleId !== articleId) {
    throw new GraphQLError('This cursor belongs to another article.', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  const [oldest, article] = await Promise.all([
    db.reader.commentEvent.findFirst({ where: { articleId }, orderBy: { seq: 'asc' }, select: { seq: true } }),
    db.reader.article.findUnique({ where: { id: articleId }, select: { lastEventSeq: true } }),
  ]);
  const last = article?.lastEventSeq ?? 0;
  if (cursor.seq > last) {
    throw new GraphQLError('This cursor is ahead of the article’s events (a restored database?); refetch and subscribe without "after".', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  if (cursor.seq < (oldest?.seq ?? last + 1) - 1) throw expired();
  return cursor.seq;
}

/**
 * Where a subscription resumes: after the later of its `after` argument and, over SSE, the
 * `Last-Event-ID` a reconnecting EventSource sends (its URL keeps the `after` it began with).
 */
export async function resumePoint(db: Database, articleId: number, ...cursors: (string | null | undefined)[]): Promise<number | null> {
  const seqs = await Promise.all(cursors.filter((c): c is string => c != null && c !== '').map((c) => cursorSeq(db, articleId, c)));
  return seqs.length > 0 ? Math.max(...seqs) : null;
}

/**
 * An article's events for one subscriber: subscribe to live events, replay the log after
 * `afterSeq` (when given) or note where the log stands, then go on live, skipping what was
 * already sent and filling any gap in the sequence from the log. Every accepted event
 * arrives once, in order.
 *
 * The listener is registered when the first event is asked for, so an iterator nobody reads
 * (a refused request) holds nothing; and this is not a bare async generator, because one
 * waiting for the next event cannot be stopped (its return() queues behind the wait): here
 * return() closes the live subscription first, which ends the wait.
 */
export function articleEvents(
  db: Database,
  pubsub: LivePubSub,
  articleId: number,
  afterSeq: number | null,
  accept: (event: LiveEvent) => boolean,
  onOverflow?: () => void,
): AsyncIterableIterator<LiveEvent> {
  let live: LiveSubscription | undefined;
  // Counted as a listener once where it starts is fixed: an event committed after that reaches it.
  let positioned = afterSeq != null;
  const events = (async function* () {
    live = pubsub.subscribe(articleId, onOverflow, () => (positioned ? 1 : 0));
    try {
      // Read the log only once other instances' events reach us too: nothing falls between.
      await live.ready;
      let last: number;
      if (afterSeq == null) {
        last = await currentSeq(db, articleId);
        positioned = true;
      } else {
        last = afterSeq;
        for await (const event of logged(db, articleId, last)) {
          last = event.seq;
          if (accept(event)) yield event;
        }
      }
      for await (const event of live) {
        if (event.seq <= last) continue;
        if (event.seq > last + 1) {
          // Publishing follows commits, which may finish out of order: take the missing ones from the log.
          for await (const missed of logged(db, articleId, last, event.seq - 1)) {
            last = missed.seq;
            if (accept(missed)) yield missed;
          }
        }
        last = event.seq;
        if (accept(event)) yield event;
      }
    } finally {
      live.close();
    }
  })();
  return {
    next: () => events.next(),
    return: (value?: unknown) => {
      live?.close();
      return events.return(value as undefined);
    },
    throw: (error?: unknown) => {
      live?.close();
      return events.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
