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
