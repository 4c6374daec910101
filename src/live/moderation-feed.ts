/**
 * What moderators hear live (`moderationEvents`): every entry of the moderation log, in order
 * (src/domain/moderation-log.ts): comments held for review, reports, and every moderator's and
 * administrator's action. Writers put them there in their own transactions, on any instance.
 *
 * One poller per instance reads the log's new rows while somebody here listens: once a
 * second, and at once after a write on this instance (`nudge`). Moderators are few, so this
 * costs one small indexed statement a second, whatever their number, and needs no Redis.
 *
 * Ids come from a sequence, which PostgreSQL hands out before commit: id 11 may commit before
 * id 10. The poller delivers ids in order and, at a hole, waits up to `gapGraceMs` for it to
 * fill (a transaction still committing) before it steps over it (a rolled-back insert).
 */
import { GraphQLError } from 'graphql';
import type { Database } from '../db.js';

/** A moderator fell further behind than their queue: they resubscribe with `after`. */
export class FeedOverflowError extends GraphQLError {
  constructor(limit: number) {
    super(
      `This subscription fell more than ${limit} events behind and was closed; resubscribe with "after" set to the last cursor you received.`,
      {
        extensions: { code: 'SUBSCRIBER_TOO_SLOW' },
      },
    );
  }
}

const batch = 200;

class FeedSubscriber implements AsyncIterableIterator<number> {
  #queue: number[] = [];
  #waiting: { resolve: (result: IteratorResult<number>) => void; reject: (error: Error) => void } | null = null;
  #failed: Error | null = null;
  #closed = false;
  /** Until the replay is done, live ids wait here. */
  #held: number[] | null = [];
  /** The last id handed over. */
  last = 0;

  constructor(
    readonly maxQueue: number,
    readonly onClose: () => void,
  ) {}

  push(id: number): void {
    if (this.#closed || id <= this.last) return;
    if (this.#held) {
      this.#held.push(id);
      return;
    }
    this.#give(id);
  }

  /** The replay is over: what came meanwhile follows it. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const id of held) if (id > this.last) this.#give(id);
  }

  replayed(id: number): void {
    this.#give(id);
  }

  #give(id: number): void {
    if (this.#closed) return;
    this.last = id;
    if (this.#waiting) {
      const { resolve } = this.#waiting;
      this.#waiting = null;
      resolve({ value: id, done: false });
      return;
    }
    if (this.#queue.length >= this.maxQueue) {
      this.fail(new FeedOverflowError(this.maxQueue));
      return;
    }
    this.#queue.push(id);
  }

  fail(error: Error): void {
    if (this.#closed) return;
    this.#failed = error;
    this.#queue.length = 0;
    this.#finish();
  }

  next(): Promise<IteratorResult<number>> {
    const id = this.#queue.shift();
    if (id !== undefined) return Promise.resolve({ value: id, done: false });
    if (this.#failed) {
      const error = this.#failed;
      this.#failed = null;
      return Promise.reject(error);
    }
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<number>> {
    this.#finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onClose();
    const waiting = this.#waiting;
    this.#waiting = null;
    if (!waiting) return;
    // Somebody is waiting: they get the failure now (nobody would call next() again for it).
    if (this.#failed) {
      waiting.reject(this.#failed);
      this.#failed = null;
    } else waiting.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

export interface ModerationFeedOptions {
  intervalMs?: number;
  gapGraceMs?: number;
  maxQueue?: number;
}

export class ModerationFeed {
  readonly #db: Database;
  readonly #intervalMs: number;
  readonly #gapGraceMs: number;
  readonly #maxQueue: number;
  readonly #subscribers = new Set<FeedSubscriber>();
  /** The last id delivered (every id up to it was delivered or stepped over); null before the first listener. */
  #cursor: number | null = null;
  #starting: Promise<number> | null = null;
  #gapSince: number | null = null;
  #timer: NodeJS.Timeout | null = null;
  #polling: Promise<void> | null = null;
  #again = false;

  constructor(db: Database, { intervalMs = 1000, gapGraceMs = 5000, maxQueue = 1000 }: ModerationFeedOptions = {}) {
    this.#db = db;
    this.#intervalMs = intervalMs;
    this.#gapGraceMs = gapGraceMs;
    this.#maxQueue = maxQueue;
  }

  get listeners(): number {
    return this.#subscribers.size;
  }

  /** Where the log stands: the newest id delivered here (read from the log for the first listener). */
  async current(): Promise<number> {
    if (this.#cursor !== null) return this.#cursor;
    this.#starting ??= this.#db.reader.moderationAction.findFirst({ orderBy: { id: 'desc' }, select: { id: true } }).then((row) => {
      this.#cursor ??= row?.id ?? 0;
      return this.#cursor;
    });
    return this.#starting;
  }

  /** The log's entries after `after` (null: from now on), as ids, in order. */
  async subscribe(after: number | null): Promise<AsyncIterableIterator<number>> {
    const now = await this.current();
    const subscriber = new FeedSubscriber(this.#maxQueue, () => {
      this.#subscribers.delete(subscriber);
      if (this.#subscribers.size === 0) this.#stop();
    });
    subscriber.last = after === null ? now : Math.min(after, now);
    this.#subscribers.add(subscriber);
    this.#start();
    if (after !== null && after < now) {
      // Replay up to where this instance stands; what it delivers meanwhile waits in `held`.
      void this.#replay(subscriber, after, now).catch((error: Error) => subscriber.fail(error));
    } else subscriber.release();
    return subscriber;
  }

  async #replay(subscriber: FeedSubscriber, after: number, upTo: number): Promise<void> {
    for (let from = after; from < upTo; ) {
      const rows = await this.#db.reader.moderationAction.findMany({
        where: { id: { gt: from, lte: upTo } },
        orderBy: { id: 'asc' },
        take: batch,
        select: { id: true },
      });
      for (const { id } of rows) subscriber.replayed(id);
      if (rows.length < batch) break;
      from = rows[rows.length - 1]!.id;
    }
    subscriber.release();
  }

  /** A write here added to the log: look now rather than at the next tick. */
  nudge(): void {
    if (this.#subscribers.size > 0) void this.#poll();
  }

  #start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#poll(), this.#intervalMs);
    this.#timer.unref();
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  close(): void {
    this.#stop();
    for (const subscriber of [...this.#subscribers]) void subscriber.return();
  }

  #poll(): Promise<void> {
    if (this.#polling) {
      this.#again = true;
      return this.#polling;
    }
    this.#polling = (async () => {
      try {
        do {
          this.#again = false;
          await this.#pollOnce();
        } while (this.#again);
      } catch {
        // The next tick tries again; a database hiccup must not end anyone's subscription.
      } finally {
        this.#polling = null;
      }
    })();
    return this.#polling;
  }

  async #pollOnce(): Promise<void> {
    const cursor = await this.current();
    const rows = await this.#db.reader.moderationAction.findMany({
      where: { id: { gt: cursor } },
      orderBy: { id: 'asc' },
      take: batch,
      select: { id: true },
    });
    let at = cursor;
    for (const { id } of rows) {
      if (id !== at + 1) {
        this.#gapSince ??= Date.now();
        if (Date.now() - this.#gapSince < this.#gapGraceMs) break;
      }
      this.#gapSince = null;
      at = id;
      for (const subscriber of this.#subscribers) subscriber.push(id);
    }
    this.#cursor = at;
    if (rows.length === batch && at === rows[rows.length - 1]!.id) this.#again = true;
  }
}
