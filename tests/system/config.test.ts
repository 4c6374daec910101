import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const load = (env: Record<string, string>) => loadConfig({ ...env });

describe('loadConfig', () => {
  it('defaults to the embedded SQLite file, alone (no Redis)', () => {
    const config = load({});
    expect(config.database).toMatchObject({ url: 'file:./data/threadline.db', provider: 'sqlite' });
    expect(config.redisUrl).toBeNull();
  });

  it('selects PostgreSQL from a postgresql:// or postgres:// URL, with the pool settings', () => {
    for (const url of ['postgresql://app:secret@db:5432/threadline', 'postgres://db/threadline']) {
      expect(load({ DATABASE_URL: url, THREADLINE_PG_POOL_MAX: '25' }).database).toEqual({
        url,
        provider: 'postgresql',
        poolMax: 25,
        writePoolMax: 5,
        connectTimeoutMs: 5000,
      });
    }
  });

  it('takes Redis and its channel prefix', () => {
    const config = load({ REDIS_URL: 'redis://cache:6379', THREADLINE_REDIS_PREFIX: 'blog-a:' });
    expect(config).toMatchObject({ redisUrl: 'redis://cache:6379', redisPrefix: 'blog-a:', resyncIntervalMs: 5000 });
  });

  it('takes the origins that may call, under their name or the older WebSocket-only one', () => {
    expect(load({}).allowedOrigins).toEqual([]);
    expect(load({ THREADLINE_ALLOWED_ORIGINS: 'https://news.example, http://localhost:8080' }).allowedOrigins).toEqual([
      'https://news.example',
      'http://localhost:8080',
    ]);
    expect(load({ THREADLINE_WS_ALLOWED_ORIGINS: 'https://old.example' }).allowedOrigins).toEqual(['https://old.example']);
    // The new name wins when both are set.
    expect(
      load({ THREADLINE_ALLOWED_ORIGINS: 'https://new.example', THREADLINE_WS_ALLOWED_ORIGINS: 'https://old.example' }).allowedOrigins,
    ).toEqual(['https://new.example']);
  });

  it('takes the response limits, with defaults that fit the client documents', () => {
    expect(load({}).requestLimits).toMatchObject({
      maxNodes: 12_000,
      maxCost: 100_000,
      maxResponseBytes: 4 * 1024 * 1024,
      maxHeavyQueue: 64,
    });
    // SQLite answers on the event loop: one heavy query at a time. PostgreSQL: four.
    expect(load({}).requestLimits.maxHeavyRequests).toBe(1);
    expect(load({ DATABASE_URL: 'postgresql://db/threadline' }).requestLimits.maxHeavyRequests).toBe(4);
    expect(
      load({
        THREADLINE_MAX_NODES: '500',
        THREADLINE_MAX_COST: '9000',
        THREADLINE_MAX_RESPONSE_BYTES: '65536',
        THREADLINE_MAX_HEAVY_REQUESTS: '3',
      }).requestLimits,
    ).toMatchObject({ maxNodes: 500, maxCost: 9000, maxResponseBytes: 65536, maxHeavyRequests: 3 });
  });

  it('takes reactions, webhooks and mail settings, with defaults that send nothing anywhere private', () => {
    expect(load({}).engagement).toEqual({
      reactionKinds: ['LIKE'],
      webhookAllowPrivate: false,
      webhookTimeoutMs: 10_000,
      smtpUrl: null,
      mailFrom: 'Threadline <threadline@localhost>',
      publicUrl: null,
    });
    expect(
      load({
        THREADLINE_REACTIONS: 'LIKE,DISLIKE',
        THREADLINE_WEBHOOK_ALLOW_PRIVATE: 'true',
        THREADLINE_SMTP_URL: 'smtps://mailer:secret@smtp.news.example:465',
        THREADLINE_MAIL_FROM: 'Comments <comments@news.example>',
        THREADLINE_PUBLIC_URL: 'https://comments.news.example/',
      }).engagement,
    ).toMatchObject({
      reactionKinds: ['LIKE', 'DISLIKE'],
      webhookAllowPrivate: true,
      smtpUrl: 'smtps://mailer:secret@smtp.news.example:465',
      publicUrl: 'https://comments.news.example',
    });
  });

  it.each([
    [{ THREADLINE_REACTIONS: 'like' }, /THREADLINE_REACTIONS names reactions in capitals/],
    [{ THREADLINE_REACTIONS: 'A,B,C,D,E,F,G' }, /THREADLINE_REACTIONS names at most 6 reactions/],
    [{ THREADLINE_WEBHOOK_ALLOW_PRIVATE: 'yes' }, /THREADLINE_WEBHOOK_ALLOW_PRIVATE must be "true" or "false"/],
    [{ THREADLINE_SMTP_URL: 'mail.example:25' }, /THREADLINE_SMTP_URL must be an "smtp:\/\/host:port"/],
    [{ THREADLINE_MAIL_FROM: 'nobody' }, /THREADLINE_MAIL_FROM must be an address/],
    [{ THREADLINE_PUBLIC_URL: 'comments.example' }, /THREADLINE_PUBLIC_URL must be an http/],
  ])('refuses the engagement setting %j with a ConfigError that says what is wrong', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });

  it.each([
    [{ THREADLINE_ALLOWED_ORIGINS: 'news.example' }, /THREADLINE_ALLOWED_ORIGINS must list origins such as "https:\/\/news.example"/],
    [{ THREADLINE_ALLOWED_ORIGINS: 'https://news.example/comments' }, /no path\); got "https:\/\/news.example\/comments"/],
    [{ THREADLINE_WS_ALLOWED_ORIGINS: 'ftp://files.example' }, /THREADLINE_WS_ALLOWED_ORIGINS must list origins/],
    [{ THREADLINE_MAX_RESPONSE_BYTES: '100' }, /THREADLINE_MAX_RESPONSE_BYTES must be an integer from 1024/],
    [{ THREADLINE_MAX_NODES: '0' }, /THREADLINE_MAX_NODES must be an integer from 1/],
  ])('refuses the origin or limit %j with a ConfigError that says what is wrong', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });

  it.each([
    [
      { DATABASE_URL: 'mysql://db/threadline' },
      /DATABASE_URL must be a SQLite "file:<path>" or a "postgresql:\/\/user@host:port\/database" URL; got "mysql:…"/,
    ],
    [{ DATABASE_URL: 'file:' }, /DATABASE_URL must be/],
    [{ REDIS_URL: 'cache:6379' }, /REDIS_URL must be a "redis:\/\/host:port"/],
    [{ THREADLINE_PG_POOL_MAX: '0' }, /THREADLINE_PG_POOL_MAX must be an integer from 1 to 1000; got "0"/],
    [{ THREADLINE_LIVE_RESYNC_MS: 'often' }, /THREADLINE_LIVE_RESYNC_MS must be an integer/],
  ])('refuses %j with a ConfigError that says what is wrong', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });
});
