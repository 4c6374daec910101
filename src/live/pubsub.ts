import type { LiveEvent } from './events.js';

/** A subscriber fell further behind than its queue holds; it must resume with `after`. */
export class SubscriberOverflowError extends Error {
  override name = 'SubscriberOverflowError';
  constructor(readonly limit: number) {
    super(`This subscription fell more than ${limit} events behind and was closed; resubscribe with "after" set to the last cursor you received.`);
  }
}

export interface LiveSubscription extends AsyncIterableIterator<LiveEvent> {
  close(): void;
}

/**
 * In-process fan-out of committed events, by article. Each subscriber has a bounded queue:
 * one that falls behind is ended with SubscriberOverflowError, and nobody else notices
 * (Yoga's default pubsub throws an uncaught RepeaterOverflowError there instead).
 */
export class LivePubSub {
  readonly #topics = new Map<number, Set<Subscriber>>();

  constructor(readonly maxQueue = 1000) {}

  publish(event: LiveEvent): void {
    for (const subscriber of this.#topics.get(event.articleId) ?? []) subscriber.push(event);
  }

  /** `onOverflow` runs the moment the subscriber's queue overflows, so its transport can end it at once. */
  subscribe(articleId: number, onOverflow?: () => void): LiveSubscription {
    const subscribers = this.#topics.get(articleId) ?? new Set<Subscriber>();
    this.#topics.set(articleId, subscribers);
    const subscriber = new Subscriber(this.maxQueue, onOverflow, () => {
      subscribers.delete(subscriber);
      if (subscribers.size === 0 && this.#topics.get(articleId) === subscribers) this.#topics.delete(articleId);
    });
    subscribers.add(subscriber);
    return subscriber;
  }

  /** Open subscriptions, all articles together; zero once every client has gone. */
  get listenerCount(): number {
    let count = 0;
    for (const subscribers of this.#topics.values()) count += subscribers.size;
    return count;
  }
}

class Subscriber implements LiveSubscription {
  readonly #queue: LiveEvent[] = [];
  #waiting: ((result: IteratorResult<LiveEvent>) => void) | null = null;
  #closed = false;
  #overflowed = false;

  constructor(
    readonly maxQueue: number,
    readonly onOverflow: (() => void) | undefined,
    readonly onClose: () => void,
  ) {}

  push(event: LiveEvent) {
    if (this.#closed || this.#overflowed) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = null;
      resolve({ value: event, done: false });
      return;
    }
    if (this.#queue.length >= this.maxQueue) {
      this.#overflowed = true;
      this.#queue.length = 0;
      this.onClose();
      this.onOverflow?.();
      return;
    }
    this.#queue.push(event);
  }

  next(): Promise<IteratorResult<LiveEvent>> {
    const event = this.#queue.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.#overflowed) {
      this.#closed = true;
      return Promise.reject(new SubscriberOverflowError(this.maxQueue));
    }
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<LiveEvent>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.length = 0;
    this.onClose();
    const resolve = this.#waiting;
    this.#waiting = null;
    resolve?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}
