/**
 * Tells live subscribers that a comment's reactions changed: at most once a second per comment
 * (src/domain/reactions.ts `announceReactions` decides, in the database), a second after the
 * first change of a burst, so a storm of clicks makes one event a second, not one per click.
 * One per instance; whichever instance's timer comes first announces, the others find nothing left.
 */
import type { Database } from '../db.js';
import { announceReactions, reactionEventIntervalMs } from '../domain/reactions.js';
import type { Logger } from '../logger.js';
import type { LivePubSub } from './pubsub.js';

export class ReactionAnnouncer {
  readonly #timers = new Map<number, NodeJS.Timeout>();
  #stopped = false;

  constructor(
    readonly db: Database,
    readonly pubsub: LivePubSub,
    readonly logger: Pick<Logger, 'warn'>,
    readonly delayMs = reactionEventIntervalMs,
  ) {}

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

  /** Pending announcements are dropped: their changes are counted, and the next change announces them. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
