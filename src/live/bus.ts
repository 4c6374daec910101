import { randomUUID } from 'node:crypto';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.js';
import type { LiveEvent } from './events.js';

/**
 * How one instance tells the others about the events it committed. The database's event log
 * stays the source of truth: a message the bus loses is found again by resync (the log
 * checked after a reconnect and every few seconds) or by a client resuming with `after`.
 */
export interface EventBus {
  /** Announces a committed event to the other instances (never back to this one). */
  publish(event: LiveEvent): void;
  /** Starts receiving the other instances' events of an article. */
  listen(articleId: number): void;
  stopListening(articleId: number): void;
  close(): Promise<void>;
}

type Envelope = { origin: string; event: LiveEvent };
type BusEvent = CustomEvent<Envelope>;

export interface RedisBusOptions {
  url: string;
  /** Channel names start with this, so that several deployments can share one Redis. */
  prefix: string;
  logger: Logger;
  /** The events received from other instances. */
  deliver: (event: LiveEvent) => void;
  /** The subscribing connection came back after losing Redis: messages may have been missed. */
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
  const common: RedisOptions = {
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  };
  // Publishing is fire and forget: with no offline queue a publish fails at once while Redis
  // is down instead of piling up, and the failure is only logged.
  const publisher = new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  // Subscribing waits for the connection (ioredis resubscribes every channel after a reconnect).
  const subscriber = new Redis(url, { ...common, maxRetriesPerRequest: null });

  let down = false;
  for (const [name, client] of [
    ['publisher', publisher],
    ['subscriber', subscriber],
  ] as const) {
    client.on('error', (error: Error) => {
      if (!down) log.warn({ err: error, connection: name }, 'lost Redis: live events from other instances wait for it');
      down = true;
    });
  }
  let readyBefore = false;
  subscriber.on('ready', () => {
    if (readyBefore) {
      log.info('Redis is back: checking the event log for what it missed');
      down = false;
      onReconnect();
    }
    readyBefore = true;
  });

  const target = createRedisEventTarget<BusEvent>({
    publishClient: quiet(publisher, ['publish'], (error) => log.debug({ err: error }, 'could not publish an event to Redis')),
    subscribeClient: quiet(subscriber, ['subscribe', 'unsubscribe'], (error) => log.debug({ err: error }, 'Redis subscription change failed')),
  });
  const channel = (articleId: number) => `${prefix}article:${articleId}`;
  const onMessage = (message: BusEvent) => {
    if (message.detail.origin !== origin) deliver(message.detail.event);
  };

  return {
    publish(event) {
      target.dispatchEvent(new CustomEvent(channel(event.articleId), { detail: { origin, event } }));
    },
    listen(articleId) {
      target.addEventListener(channel(articleId), onMessage);
    },
    stopListening(articleId) {
      target.removeEventListener(channel(articleId), onMessage);
    },
    async close() {
      publisher.disconnect();
      subscriber.disconnect();
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
