/**
 * Where cached answers live: this process's memory, or Redis shared by every instance. Either
 * may lose an entry at any time; an entry found is checked against the database's versions
 * before it is served (src/http/response-cache.ts), so a store never has to be invalidated.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

export interface CachedAnswer {
  /** The serialized answer, as sent. */
  json: string;
  etag: string;
  /** The versions the answer was computed at (src/domain/versions.ts). */
  site: number;
  /** Set when the answer may depend on any write at all (lists across articles, say). */
  epoch: number | null;
  articles: [id: number, seq: number][];
  /** When a scheduled article goes public, in ms since the epoch: the answer may change then. */
  expiresAt: number | null;
}

export interface AnswerStore {
  get(key: string): Promise<CachedAnswer | undefined>;
  set(key: string, answer: CachedAnswer): Promise<void>;
  close(): Promise<void>;
}

/** Answers by key, least recently used first out, at most `maxBytes` of JSON (counted as UTF-16). */
export class MemoryAnswerStore implements AnswerStore {
  private readonly entries = new Map<string, CachedAnswer>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  async get(key: string): Promise<CachedAnswer | undefined> {
    const answer = this.entries.get(key);
    if (answer) {
      this.entries.delete(key);
      this.entries.set(key, answer);
    }
    return answer;
  }

  async set(key: string, answer: CachedAnswer): Promise<void> {
    const size = sizeOf(key, answer);
    if (size > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= sizeOf(key, old);
    }
    this.entries.set(key, answer);
    this.bytes += size;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= sizeOf(oldest, entry);
    }
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.bytes = 0;
  }
}

const sizeOf = (key: string, answer: CachedAnswer) =>
  2 * (key.length + answer.json.length + answer.etag.length) + 16 * answer.articles.length + 64;

/**
 * Answers in Redis, shared by every instance. Each entry expires after `ttlSeconds` so that
 * Redis holds the answers being read, not every answer ever computed. Redis being down is a
 * miss, never an error: the answer is computed as if nothing were cached.
 */
export class RedisAnswerStore implements AnswerStore {
  private readonly redis: Redis;
  private warned = false;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly logger: Logger,
  ) {
    // A Redis that hangs is a miss after a moment, not a stalled read.
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 250 });
    this.redis.on('error', () => {});
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    try {
      const text = await this.redis.get(this.prefix + key);
      return text === null ? undefined : (JSON.parse(text) as CachedAnswer);
    } catch (error) {
      this.unavailable(error);
      return undefined;
    }
  }

  async set(key: string, answer: CachedAnswer): Promise<void> {
    try {
      await this.redis.set(this.prefix + key, JSON.stringify(answer), 'EX', this.ttlSeconds);
    } catch (error) {
      this.unavailable(error);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private unavailable(error: unknown) {
    if (this.warned) return;
    this.warned = true;
    this.logger.warn({ err: error }, 'response cache: Redis is unavailable; answers are computed without it');
    setTimeout(() => {
      this.warned = false;
    }, 60_000).unref();
  }
}
