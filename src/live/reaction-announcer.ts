/**
 * Tells live subscribers that a comment's reactions changed: at most once a second per comment
 * (src/domain/reactions.ts `announceReactions` decides, in the database), a second after the
 * first change of a burst, so a storm of clicks makes one event a second, not one per click.
 * One per instance; whichever instance's timer comes first announces, the others find nothing left.
 * Every `sweepMs` it also looks for changes no timer is waiting for (an instance stopped or died
 * before its timer ran), so none stays unannounced.
 */
import type { Database } from '../db.js';
import { announceReactions, reactionEventIntervalMs } from '../domain/reactions.js';
import type { Logger } from '../logger.js';
import type { LivePubSub } from './pubsub.js';

export class ReactionAnnouncer {
  readonly #timers = new Map<number, NodeJS.Timeout>();
  #stopped = false;
  #sweeper: NodeJS.Timeout | null = null;

  constructor(
    readonly db: Database,
    readonly pubsub: LivePubSub,
    readonly logger: Pick<Logger, 'warn'>,
    readonly delayMs = reactionEventIntervalMs,
  ) {}

  /** Starts the sweep for changes nobody's timer covers. */
  start(sweepMs = 10_000): void {
    if (this.#sweeper || this.#stopped) return;
    this.#sweeper = setInterval(() => void this.sweep(), sweepMs);
    this.#sweeper.unref();
  }

  /** Schedules an announcement for every comment whose reactions changed unannounced (at most 100 a sweep). */
  async sweep(): Promise<void> {
    try {
      const dirty = await this.db.reader.comment.findMany({ where: { reactionsDirty: true }, select: { id: true }, take: 100 });
      for (const { id } of dirty) this.changed(id);
    } catch (error) {
      if (!this.#stopped) this.logger.warn({ err: error }, 'looking for unannounced reactions failed');
    }
  }

  /** A reaction to the comment committed. */
  changed(commentId: number): void {
    this.#schedule(commentId, this.delayMs);
  }

  #schedule(commentId: number, delayMs: number): void {
    if (this.#stopped || this.#timers.has(commentId)) return;
    const timer = setTimeout(() => void this.#announce(commentId), delayMs);
    timer.unref();
    this.#timers.set(commentId, timer);
  }

  async #announce(commentId: number): Promise<void> {
    this.#timers.delete(commentId);
    if (this.#stopped) return;
    try {
      const { event, retryInMs } = await announceReactions(this.db, commentId);
      if (event) this.pubsub.publish(event);
      else if (retryInMs !== null) this.#schedule(commentId, retryInMs);
    } catch (error) {
      if (this.#stopped) return;
      this.logger.warn({ err: error, commentId }, 'announcing reactions failed; retrying');
      this.#schedule(commentId, this.delayMs * 5);
    }
  }

  /** Pending announcements are dropped: their changes are counted, and a sweep (here or elsewhere) announces them. */
  stop(): void {
    this.#stopped = true;
    if (this.#sweeper) clearInterval(this.#sweeper);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
