import { dirname, resolve } from 'node:path';
import { type Provider, providerOf, sqliteFilePath } from './db-url.js';
import { parseReactionKinds } from './domain/reactions.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const defaultDatabaseUrl = 'file:./data/threadline.db';

/** The folder beside the SQLite file, where Threadline keeps its other local files. */
export function dataDirOf(databaseUrl: string): string {
  return dirname(resolve(providerOf(databaseUrl) === 'sqlite' ? sqliteFilePath(databaseUrl) : './data/threadline.db'));
}

/** What one author may write, and when. */
export interface WriteLimits {
  /** Longest comment body, in Unicode code points. */
  maxCommentLength: number;
  maxQuotes: number;
  maxQuoteLength: number;
  /** How long after posting its author may edit a comment. */
  editWindowSeconds: number;
  /** Per author: at least this long between two comments… */
  minIntervalSeconds: number;
  /** …and at most `windowMax` comments in any `windowSeconds`. Moderators are exempt. */
  windowSeconds: number;
  windowMax: number;
  /** The same body under the same parent within this long is a duplicate. */
  duplicateWindowSeconds: number;
  /** Idempotency keys are honoured for at least this long. */
  idempotencyKeySeconds: number;
}

/** What one GraphQL request may ask for, and produce. */
export interface RequestLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  /** Values the response can hold, every page at its full size (src/security/cost.ts). */
  maxCost: number;
  /** Objects the response's lists can hold, every page at its full size. */
  maxNodes: number;
  /** Bytes of response (and of text read for it) one execution may produce. */
  maxResponseBytes: number;
  /** Heavy queries (over a tenth of the cost or node limit) running at once; more wait their turn… */
  maxHeavyRequests: number;
  /** …up to this many; past it, SERVER_BUSY. */
  maxHeavyQueue: number;
  maxBodyBytes: number;
}

/** Live subscriptions and their WebSocket connections. */
export interface LiveLimits {
  /** Events a subscriber may fall behind before it is closed (it resumes with `after`). */
  maxQueue: number;
  /** How long the event log keeps events: the oldest cursor a client can resume from. */
  retentionDays: number;
  keepAliveMs: number;
  initTimeoutMs: number;
  maxConnectionsPerIp: number;
  /** Operations one WebSocket may run at once. */
  maxSubscriptionsPerSocket: number;
}

export const defaultLiveLimits: LiveLimits = {
  maxQueue: 1000,
  retentionDays: 7,
  keepAliveMs: 12_000,
  initTimeoutMs: 3_000,
  maxConnectionsPerIp: 100,
  maxSubscriptionsPerSocket: 100,
};

/** Where the data lives. */
export interface DatabaseSettings {
  url: string;
  provider: Provider;
  /** PostgreSQL: connections this process keeps at most for reads… */
  poolMax: number;
  /** …and, apart, for write transactions, so that writers waiting on a busy thread never starve reads. */
  writePoolMax: number;
  /** PostgreSQL: how long a request waits to connect before it fails with SERVICE_UNAVAILABLE. */
  connectTimeoutMs: number;
}

export interface Config {
  port: number;
  host: string;
  database: DatabaseSettings;
  /** Redis, when several instances share live events; null when this one runs alone. */
  redisUrl: string | null;
  /** Prefix of Threadline's Redis channels, so that several deployments can share one Redis. */
  redisPrefix: string;
  /** How often live subscriptions check the event log for events no message announced. */
  resyncIntervalMs: number;
  production: boolean;
  /** Import the demo thread into a database that has no articles. */
  seedDemo: boolean;
  jwtSecret: string | undefined;
  writeLimits: WriteLimits;
  requestLimits: RequestLimits;
  liveLimits: LiveLimits;
  /** Origins whose pages may call (CORS, Server-Sent Events, WebSockets); empty allows any. */
  allowedOrigins: string[];
  responseCache: ResponseCacheSettings;
  moderation: ModerationConfig;
  engagement: EngagementConfig;
}

/** Reactions, webhooks and emails (issue 15). */
export interface EngagementConfig {
  /** THREADLINE_REACTIONS: the reactions offered, `LIKE` by default. */
  reactionKinds: string[];
  /** THREADLINE_WEBHOOK_ALLOW_PRIVATE=true: webhooks may reach private, loopback and link-local addresses. */
  webhookAllowPrivate: boolean;
  /** THREADLINE_WEBHOOK_TIMEOUT_MS: how long one delivery attempt may take. */
  webhookTimeoutMs: number;
  /** THREADLINE_SMTP_URL (`smtp://user:pass@host:587`, `smtps://…`); null: no emails are sent. */
  smtpUrl: string | null;
  /** THREADLINE_MAIL_FROM: the sender of notification emails. */
  mailFrom: string;
  /** THREADLINE_PUBLIC_URL: the site's address for links in emails and webhook payloads; null: the address the server listens on. */
  publicUrl: string | null;
}

/** Moderation set by the environment (issue 14); the rules themselves live in the database. */
export interface ModerationConfig {
  /** `THREADLINE_REPORTS_TO_HOLD`: open reports that send a published comment back to review. */
  reportsToHold: number;
  /** An Akismet-compatible service (`THREADLINE_AKISMET_URL`, `THREADLINE_AKISMET_KEY`); null without one. */
  akismet: { url: string; key: string } | null;
  /** `THREADLINE_SPAM_CHECK_TIMEOUT_MS`: how long the spam checkers may take; past it the comment is held. */
  spamTimeoutMs: number;
}

/** Public answers kept for reuse (src/http/response-cache.ts): in memory, or in Redis when REDIS_URL is set. */
export interface ResponseCacheSettings {
  /** Bytes of answers this process keeps in memory; 0 turns the cache off. */
  maxBytes: number;
  /** How long Redis keeps an answer nobody reads. */
  redisTtlSeconds: number;
  /** Characters of persisted queries (APQ) this process remembers. */
  persistedQueryChars: number;
}

export const defaultResponseCache: ResponseCacheSettings = {
  maxBytes: 64 * 1024 * 1024,
  redisTtlSeconds: 600,
  persistedQueryChars: 4 * 1024 * 1024,
};

export const defaultWriteLimits: WriteLimits = {
  maxCommentLength: 5000,
  maxQuotes: 10,
  maxQuoteLength: 1000,
  editWindowSeconds: 15 * 60,
  minIntervalSeconds: 3,
  windowSeconds: 5 * 60,
  windowMax: 10,
  duplicateWindowSeconds: 10 * 60,
  idempotencyKeySeconds: 24 * 60 * 60,
};

/**
 * The heaviest client document, schema/operations' ArticleThread (a 500-comment page of the
 * flat thread with every comment's quotes and mentions), counts 10,550 nodes and costs 64,670:
 * it passes with room for the fields around it. Three aliases of a 100 × 100 `quotedBy` fan
 * (30,300 nodes) do not. 4 MiB of response holds a 500-comment page of ordinary comments five
 * times over; at 3 to 4 times its size in memory while it is built, fifty such answers at once
 * stay under a gigabyte.
 */
export const defaultRequestLimits: RequestLimits = {
  maxDepth: 8,
  maxAliases: 15,
  maxTokens: 2000,
  maxCost: 100_000,
  maxNodes: 12_000,
  maxResponseBytes: 4 * 1024 * 1024,
  maxHeavyRequests: 4,
  maxHeavyQueue: 64,
  maxBodyBytes: 64 * 1024,
};

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}; got "${value}"`);
  }
  return number;
}

/** DATABASE_URL and the pool settings: what `openDatabase` (src/db.ts) opens, checked at start-up. */
export function databaseSettings(env: NodeJS.ProcessEnv = process.env): DatabaseSettings {
  const url = env.DATABASE_URL || defaultDatabaseUrl;
  const provider = providerOf(url);
  if (!provider || url === 'file:') {
    throw new ConfigError(
      `DATABASE_URL must be a SQLite "file:<path>" or a "postgresql://user@host:port/database" URL; got "${url.split(':')[0]}:…"`,
    );
  }
  return {
    url,
    provider,
    poolMax: integer(env, 'THREADLINE_PG_POOL_MAX', 10, 1, 1000),
    writePoolMax: integer(env, 'THREADLINE_PG_WRITE_POOL_MAX', 5, 1, 1000),
    connectTimeoutMs: integer(env, 'THREADLINE_PG_CONNECT_TIMEOUT_MS', 5000, 100, 600_000),
  };
}

function akismet(env: NodeJS.ProcessEnv): ModerationConfig['akismet'] {
  const url = env.THREADLINE_AKISMET_URL || null;
  const key = env.THREADLINE_AKISMET_KEY || null;
  if (url === null && key === null) return null;
  if (url === null || key === null)
    throw new ConfigError('THREADLINE_AKISMET_URL and THREADLINE_AKISMET_KEY go together: set both, or neither');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('THREADLINE_AKISMET_URL must be an http:// or https:// URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(`THREADLINE_AKISMET_URL must be an http:// or https:// URL; got "${parsed.protocol}…"`);
  }
  return { url, key };
}

function redisUrl(env: NodeJS.ProcessEnv): string | null {
  const url = env.REDIS_URL || null;
  if (url !== null && !/^rediss?:\/\//.test(url)) {
    throw new ConfigError(`REDIS_URL must be a "redis://host:port" or "rediss://" URL; got "${url.split(':')[0]}:…"`);
  }
  return url;
}

/**
 * THREADLINE_ALLOWED_ORIGINS, or its older name THREADLINE_WS_ALLOWED_ORIGINS: comma-separated
 * origins such as `https://news.example`, each a scheme, a host and an optional port.
 */
function allowedOrigins(env: NodeJS.ProcessEnv): string[] {
  const name = env.THREADLINE_ALLOWED_ORIGINS !== undefined ? 'THREADLINE_ALLOWED_ORIGINS' : 'THREADLINE_WS_ALLOWED_ORIGINS';
  const origins = (env[name] ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {}
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(
        `${name} must list origins such as "https://news.example" (scheme, host, optional port, no path); got "${origin}"`,
      );
    }
  }
  return origins;
}

function engagement(env: NodeJS.ProcessEnv): EngagementConfig {
  const kinds = parseReactionKinds(env.THREADLINE_REACTIONS);
  if (typeof kinds === 'string') throw new ConfigError(`THREADLINE_REACTIONS ${kinds}`);
  const smtpUrl = env.THREADLINE_SMTP_URL || null;
  if (smtpUrl !== null && !/^smtps?:\/\/[^/]/.test(smtpUrl)) {
    throw new ConfigError('THREADLINE_SMTP_URL must be an "smtp://host:port" or "smtps://…" URL');
  }
  const mailFrom = env.THREADLINE_MAIL_FROM || 'Threadline <threadline@localhost>';
  if (/[\r\n]/.test(mailFrom) || !/@/.test(mailFrom))
    throw new ConfigError('THREADLINE_MAIL_FROM must be an address such as "Comments <comments@news.example>"');
  let publicUrl = env.THREADLINE_PUBLIC_URL || null;
  if (publicUrl !== null) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(publicUrl);
    } catch {}
    if (!parsed || !/^https?:$/.test(parsed.protocol)) throw new ConfigError('THREADLINE_PUBLIC_URL must be an http:// or https:// URL');
    publicUrl = publicUrl.replace(/\/+$/, '');
  }
  const allow = env.THREADLINE_WEBHOOK_ALLOW_PRIVATE ?? 'false';
  if (allow !== 'true' && allow !== 'false') throw new ConfigError('THREADLINE_WEBHOOK_ALLOW_PRIVATE must be "true" or "false"');
  return {
    reactionKinds: kinds,
    webhookAllowPrivate: allow === 'true',
    webhookTimeoutMs: integer(env, 'THREADLINE_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    smtpUrl,
    mailFrom,
    publicUrl,
  };
}

/** Reads and checks the environment once, at start-up. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const w = defaultWriteLimits;
  const r = defaultRequestLimits;
  const database = databaseSettings(env);
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    database,
    redisUrl: redisUrl(env),
    redisPrefix: env.THREADLINE_REDIS_PREFIX || 'threadline:',
    resyncIntervalMs: integer(env, 'THREADLINE_LIVE_RESYNC_MS', 5000, 100, 3_600_000),
    production: env.NODE_ENV === 'production',
    seedDemo: env.SEED_DEMO !== 'false',
    jwtSecret: env.THREADLINE_JWT_SECRET || undefined,
    writeLimits: {
      ...w,
      maxCommentLength: integer(env, 'THREADLINE_MAX_COMMENT_LENGTH', w.maxCommentLength, 1, 1_000_000),
      editWindowSeconds: integer(env, 'THREADLINE_EDIT_WINDOW_SECONDS', w.editWindowSeconds, 0, 365 * 86400),
      minIntervalSeconds: integer(env, 'THREADLINE_RATE_MIN_INTERVAL_SECONDS', w.minIntervalSeconds, 0, 86400),
      windowSeconds: integer(env, 'THREADLINE_RATE_WINDOW_SECONDS', w.windowSeconds, 1, 86400),
      windowMax: integer(env, 'THREADLINE_RATE_WINDOW_MAX', w.windowMax, 1, 1_000_000),
      duplicateWindowSeconds: integer(env, 'THREADLINE_DUPLICATE_WINDOW_SECONDS', w.duplicateWindowSeconds, 0, 86400),
    },
    liveLimits: {
      maxQueue: integer(env, 'THREADLINE_LIVE_MAX_QUEUE', defaultLiveLimits.maxQueue, 1, 1_000_000),
      retentionDays: integer(env, 'THREADLINE_EVENT_RETENTION_DAYS', defaultLiveLimits.retentionDays, 1, 3650),
      keepAliveMs: integer(env, 'THREADLINE_WS_KEEPALIVE_MS', defaultLiveLimits.keepAliveMs, 1000, 600_000),
      initTimeoutMs: integer(env, 'THREADLINE_WS_INIT_TIMEOUT_MS', defaultLiveLimits.initTimeoutMs, 100, 600_000),
      maxConnectionsPerIp: integer(env, 'THREADLINE_WS_MAX_CONNECTIONS_PER_IP', defaultLiveLimits.maxConnectionsPerIp, 1, 1_000_000),
      maxSubscriptionsPerSocket: integer(
        env,
        'THREADLINE_WS_MAX_SUBSCRIPTIONS_PER_SOCKET',
        defaultLiveLimits.maxSubscriptionsPerSocket,
        1,
        100_000,
      ),
    },
    allowedOrigins: allowedOrigins(env),
    responseCache: {
      maxBytes: integer(env, 'THREADLINE_RESPONSE_CACHE_BYTES', defaultResponseCache.maxBytes, 0, 64 * 1024 * 1024 * 1024),
      redisTtlSeconds: integer(env, 'THREADLINE_RESPONSE_CACHE_TTL_SECONDS', defaultResponseCache.redisTtlSeconds, 1, 30 * 86400),
      persistedQueryChars: integer(
        env,
        'THREADLINE_PERSISTED_QUERY_CHARS',
        defaultResponseCache.persistedQueryChars,
        0,
        1024 * 1024 * 1024,
      ),
    },
    engagement: engagement(env),
    moderation: {
      reportsToHold: integer(env, 'THREADLINE_REPORTS_TO_HOLD', 3, 1, 1000),
      akismet: akismet(env),
      spamTimeoutMs: integer(env, 'THREADLINE_SPAM_CHECK_TIMEOUT_MS', 3000, 100, 60_000),
    },
    requestLimits: {
      maxDepth: integer(env, 'THREADLINE_MAX_DEPTH', r.maxDepth, 1, 100),
      maxAliases: integer(env, 'THREADLINE_MAX_ALIASES', r.maxAliases, 1, 1000),
      maxTokens: integer(env, 'THREADLINE_MAX_TOKENS', r.maxTokens, 10, 1_000_000),
      maxCost: integer(env, 'THREADLINE_MAX_COST', r.maxCost, 1, 100_000_000),
      maxNodes: integer(env, 'THREADLINE_MAX_NODES', r.maxNodes, 1, 10_000_000),
      maxResponseBytes: integer(env, 'THREADLINE_MAX_RESPONSE_BYTES', r.maxResponseBytes, 1024, 1024 * 1024 * 1024),
      // SQLite answers on the event loop itself: two heavy queries at once already keep a small
      // one waiting for both. PostgreSQL answers over the network, and the loop runs meanwhile.
      maxHeavyRequests: integer(env, 'THREADLINE_MAX_HEAVY_REQUESTS', database.provider === 'sqlite' ? 1 : r.maxHeavyRequests, 1, 10_000),
      maxHeavyQueue: integer(env, 'THREADLINE_MAX_HEAVY_QUEUE', r.maxHeavyQueue, 0, 1_000_000),
      maxBodyBytes: integer(env, 'THREADLINE_MAX_BODY_BYTES', r.maxBodyBytes, 1024, 100 * 1024 * 1024),
    },
  };
}
