import { resolve } from 'node:path';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  /** Import the demo thread into a database that has no articles. */
  seedDemo: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const defaultDatabaseUrl = 'file:./data/threadline.db';

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 4000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be an integer from 0 to 65535; got "${value}"`);
  }
  return port;
}

/** Reads and checks the environment once, at start-up. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: parsePort(env.PORT),
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || defaultDatabaseUrl,
    seedDemo: env.SEED_DEMO !== 'false',
  };
}
