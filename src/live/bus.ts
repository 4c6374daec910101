import { randomUUID } from 'node:crypto';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { LiveEvent } from '../domain/events.js';

/**
 * How one instance tells the others about the events it committed. The database's event log
 * stays the source of truth: a message the bus loses is found again by resync (the log
 * checked after a reconnect and every few seconds) or by a client resuming with `after`.
 */
export interface EventBus {
  /** Announces a committed event to the other instances (never back to this one). */
  publish(event: LiveEvent): void;
  /**
   * Starts receiving the other instances' events of an article; resolves once Redis has
   * confirmed the subscription (or at once while Redis is away: resync covers that time).
   */
  listen(articleId: number): Promise<void>;
  stopListening(articleId: number): void;
  close(): Promise<void>;
}

type Envelope = { origin: string; event: LiveEvent };
type BusEvent = CustomEvent<Envelope | null>;

const kinds = new Set<string>(['ADDED', 'EDITED', 'DELETED', 'HIDDEN', 'RESTORED', 'HELD', 'REJECTED', 'REACTED', 'PINNED', 'UNPINNED']);
const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

/**
 * A message from the channel, or null for anything that is not one of ours: a Redis shared
 * with other software may carry anything, and the event target parses inside ioredis's
 * socket handler, where a throw would end the process.
 */
export function parseEnvelope(message: string): Envelope | null {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return null;
  }
  const { origin, event } = (value ?? {}) as Partial<Envelope>;
  if (typeof origin !== 'string' || typeof event !== 'object' || event === null) return null;
  const { articleId, seq, commentId, path, kind } = event;
  if (!isCount(articleId) || !isCount(seq) || !isCount(commentId) || typeof path !== 'string' || !kinds.has(kind)) return null;
  return { origin, event: { articleId, seq, commentId, path, kind } };
}

export interface RedisBusOptions {
  url: string;
  /** Channel names start with this, so that several deployments can share one Redis. */
  prefix: string;
  logger: Logger;
  /** The events received from other instances. */
  deliver: (event: LiveEvent) => void;
  /** The subscribing connection is (again) up, its channels subscribed: messages may have gone by unseen. */
  onReconnect: () => void;
}

/**
 * Events across instances through Redis publish/subscribe and Yoga's Redis event target: one
 * channel per article, subscribed while this instance has a subscriber to it.
 *
 * While Redis is away, nothing waits for it: publishing drops the message at once (the log
 * has it), subscriptions and local delivery go on, and ioredis reconnects and resubscribes.
 */
export function redisEventBus({ url, prefix, logger, deliver, onReconnect }: RedisBusOptions): EventBus {
  const origin = randomUUID();
  const log = logger.child({ component: 'redis' });
  const retryStrategy = (attempt: number) => Math.min(attempt * 100, 2000);
  // Publishing is fire and forget: with no offline queue a publish fails at once while Redis
  // is down instead of piling up, and the failure is only logged.
  const publisher = new Redis(url, { retryStrategy, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  // Subscribing waits for the connection (ioredis resubscribes every channel after a reconnect).
  const subscriber = new Redis(url, { retryStrategy, maxRetriesPerRequest: null });

  for (const [name, client] of [
    ['publisher', publisher],
    ['subscriber', subscriber],
  ] as const) {
    let down = false;
    client.on('error', (error: Error) => {
      if (!down) log.warn({ err: error, connection: name }, 'lost Redis: live events from other instances wait for it');
      down = true;
    });
    client.on('ready', () => {
      if (down) log.info({ connection: name }, 'Redis is back');
      down = false;
    });
  }
  // Each time the subscribing connection is ready (first connected, or back after losing
  // Redis), messages may have gone by unseen. ioredis sends the SUBSCRIBEs again after
  // 'ready'; a PING queued behind them answers once they have taken effect, and only then is
  // reading the log sure to miss nothing.
  subscriber.on('ready', () => {
    setImmediate(() => void subscriber.ping().then(onReconnect, onReconnect));
  });

  const target = createRedisEventTarget<BusEvent>({
    publishClient: quiet(publisher, ['publish'], (error) => log.debug({ err: error }, 'could not publish an event to Redis')),
    subscribeClient: quiet(subscriber, ['subscribe', 'unsubscribe'], (error) =>
      log.debug({ err: error }, 'Redis subscription change failed'),
    ),
    serializer: { stringify: JSON.stringify, parse: parseEnvelope },
  });
  const channel = (articleId: number) => `${prefix}article:${articleId}`;
  const onMessage = ({ type, detail }: BusEvent) => {
    if (detail === null) {
      log.warn({ channel: type }, 'ignored a message that is not a Threadline event');
      return;
    }
    if (detail.origin !== origin) deliver(detail.event);
  };

  return {
    publish(event) {
      target.dispatchEvent(new CustomEvent(channel(event.articleId), { detail: { origin, event } }));
    },
    async listen(articleId) {
      target.addEventListener(channel(articleId), onMessage);
      // The target subscribes without waiting; this SUBSCRIBE of the same channel queues
      // behind that one, so its reply says the channel is live. Never waits on a lost Redis.
      if (subscriber.status === 'ready') await subscriber.subscribe(channel(articleId)).catch(() => {});
    },
    stopListening(articleId) {
      target.removeEventListener(channel(articleId), onMessage);
    },
    async close() {
      const quit = (client: Redis) =>
        Promise.race([client.quit().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 1000).unref())]).then(() =>
          client.disconnect(),
        );
      await Promise.all([quit(publisher), quit(subscriber)]);
    },
  };
}

/**
 * The client with `methods` made unable to reject: the event target calls them without
 * awaiting, and a rejection nobody handles would end the process.
 */
function quiet(client: Redis, methods: readonly string[], onError: (error: unknown) => void): Redis {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (typeof property === 'string' && methods.includes(property)) {
        return (...args: unknown[]) => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch(onError);
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}
