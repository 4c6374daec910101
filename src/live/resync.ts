import type { Database } from '../db.js';
import type { Logger } from '../logger.js';
import type { LivePubSub } from './pubsub.js';

/**
 * Finds events that no message announced here (another instance's message lost while Redis
 * was away, or a write by another process on the same SQLite file) and delivers each
 * article's latest one: the subscriptions' gap filling then takes everything before it from
 * the log. One query when nothing was missed.
 */
export async function resync(db: Database, pubsub: LivePubSub): Promise<number> {
  const subscribed = pubsub.subscribedArticles();
  if (subscribed.length === 0) return 0;
  const latest = new Map(subscribed.map(({ articleId, latestSeq }) => [articleId, latestSeq]));
  const articles = await db.reader.article.findMany({
    where: { id: { in: [...latest.keys()] } },
    select: { id: true, lastEventSeq: true },
  });
  const behind = articles.filter((article) => article.lastEventSeq > (latest.get(article.id) ?? 0));
  if (behind.length === 0) return 0;
  const events = await db.reader.commentEvent.findMany({
    where: { OR: behind.map((article) => ({ articleId: article.id, seq: article.lastEventSeq })) },
    select: { articleId: true, seq: true, commentId: true, kind: true, comment: { select: { path: true } } },
  });
  for (const { comment, ...event } of events) pubsub.deliver({ ...event, path: comment.path });
  return events.length;
}

/** Runs `resync` every `intervalMs`, and at once on `now()`; never two at a time. */
export function startResync(db: Database, pubsub: LivePubSub, intervalMs: number, logger: Logger) {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = resync(db, pubsub)
      .then(
        (found) => found > 0 && logger.debug({ articles: found }, 'resync found events no message announced'),
        (error: unknown) => logger.warn({ err: error }, 'resync could not read the event log'),
      )
      .then(() => {
        running = null;
        if (again) {
          again = false;
          run();
        }
      });
  };
  const timer = setInterval(run, intervalMs).unref();
  return {
    now: run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      again = false;
      await running;
    },
  };
}
