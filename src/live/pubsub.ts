import type { EventBus } from './bus.js';
import type { LiveEvent } from '../domain/events.js';

/** A subscriber fell further behind than its queue holds; it must resume with `after`. */
export class SubscriberOverflowError extends Error {
  override name = 'SubscriberOverflowError';
  constructor(readonly limit: number) {
    super(
      `This subscription fell more than ${limit} events behind and was closed; resubscribe with "after" set to the last cursor you received.`,
    );
  }
}

export interface LiveSubscription extends AsyncIterableIterator<LiveEvent> {
  /** Resolves once events from other instances reach this subscription too. */
  readonly ready: Promise<void>;
  close(): void;
}

/**
 * Fan-out of committed events to this instance's subscribers, by article. Each subscriber has
 * a bounded queue: one that falls behind is ended with SubscriberOverflowError, and nobody
 * else notices (Yoga's default pubsub throws an uncaught RepeaterOverflowError there instead).
 * With a bus attached, events also travel to and from the other instances.
 */
export class LivePubSub {
  readonly #topics = new Map<number, Set<Subscriber>>();
  /** Per subscribed article, when the bus has confirmed its subscription. */
  readonly #listening = new Map<number, Promise<void>>();
  /** Per subscribed article, the highest sequence number delivered here. */
  readonly #latest = new Map<number, number>();
  /** Per topic, the events on their way to its subscribers, oldest first (see deliver). */
  readonly #outgoing = new WeakMap<Set<Subscriber>, LiveEvent[]>();
  #bus: EventBus | null = null;

  constructor(
    readonly maxQueue = 1000,
    /** Subscribers an event goes to in one turn of the event loop. */
    readonly fanOutSlice = 256,
  ) {}

  /** Sends events to and takes events from other instances through `bus`. */
  attach(bus: EventBus): void {
    if (this.#bus) throw new Error('this pubsub already has a bus');
    this.#bus = bus;
    for (const articleId of this.#topics.keys()) this.#listening.set(articleId, bus.listen(articleId));
  }

  /** An event this instance committed: to its subscribers here, and to the other instances. */
  publish(event: LiveEvent): void {
    this.deliver(event);
    this.#bus?.publish(event);
  }

  /**
   * An event to this instance's subscribers only (received from the bus, or found by resync).
   * Delivered in slices of `fanOutSlice` subscribers, each slice in its own turn of the event
   * loop, so that the request that wrote it, and every other, is answered while the rest go
   * out; an article's events reach each subscriber in order. A subscriber that arrives while an
   * event is on its way gets it from the event log, as any subscriber that resumes does.
   */
  deliver(event: LiveEvent): void {
    const subscribers = this.#topics.get(event.articleId);
    if (!subscribers) return;
    if (event.seq > (this.#latest.get(event.articleId) ?? 0)) this.#latest.set(event.articleId, event.seq);
    const waiting = this.#outgoing.get(subscribers);
    if (waiting) {
      waiting.push(event);
      return;
    }
    const queue = [event];
    this.#outgoing.set(subscribers, queue);
    this.#send(subscribers, queue);
  }

  #send(topic: Set<Subscriber>, queue: LiveEvent[]): void {
    const event = queue[0]!;
    const recipients = [...topic];
    let next = 0;
    const slice = () => {
      const end = Math.min(next + this.fanOutSlice, recipients.length);
      for (; next < end; next++) recipients[next]!.push(event);
      if (next < recipients.length) {
        setImmediate(slice);
        return;
      }
      queue.shift();
      if (queue.length > 0) setImmediate(() => this.#send(topic, queue));
      else this.#outgoing.delete(topic);
    };
    slice();
  }

  /** The articles somebody here subscribes to, with the highest sequence number delivered for each. */
  subscribedArticles(): { articleId: number; latestSeq: number }[] {
    return [...this.#topics.keys()].map((articleId) => ({ articleId, latestSeq: this.#latest.get(articleId) ?? 0 }));
  }

  /**
   * `onOverflow` runs the moment the subscriber's queue overflows, so its transport can end it
   * at once. `stands` says how many subscriptions this one serves (a group's: its members).
   */
  subscribe(articleId: number, onOverflow?: () => void, stands: () => number = one): LiveSubscription {
    let subscribers = this.#topics.get(articleId);
    if (!subscribers) {
      subscribers = new Set<Subscriber>();
      this.#topics.set(articleId, subscribers);
      this.#listening.set(articleId, this.#bus?.listen(articleId) ?? Promise.resolve());
    }
    const topic = subscribers;
    const subscriber = new Subscriber(this.#listening.get(articleId)!, this.maxQueue, onOverflow, stands, () => {
      topic.delete(subscriber);
      if (topic.size === 0 && this.#topics.get(articleId) === topic) {
        this.#topics.delete(articleId);
        this.#listening.delete(articleId);
        this.#latest.delete(articleId);
        this.#bus?.stopListening(articleId);
      }
    });
    topic.add(subscriber);
    return subscriber;
  }

  /**
   * Open subscriptions that are listening, all articles together: each counts once where it
   * starts is fixed, so an event committed after it counts reaches it. Zero once every client
   * has gone.
   */
  get listenerCount(): number {
    let count = 0;
    for (const subscribers of this.#topics.values()) for (const subscriber of subscribers) count += subscriber.stands();
    return count;
  }
}

const one = () => 1;

class Subscriber implements LiveSubscription {
  readonly #queue: LiveEvent[] = [];
  #waiting: ((result: IteratorResult<LiveEvent>) => void) | null = null;
  #closed = false;
  #overflowed = false;

  constructor(
    readonly ready: Promise<void>,
    readonly maxQueue: number,
    readonly onOverflow: (() => void) | undefined,
    readonly stands: () => number,
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
