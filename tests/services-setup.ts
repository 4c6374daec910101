// The PostgreSQL project's global set-up: a real PostgreSQL and a real Redis, either the ones
// .ci/run started (THREADLINE_TEST_POSTGRES_URL, THREADLINE_TEST_REDIS_URL) or our own,
// started here and stopped at the end whatever the tests did. A template database holds the
// migrated schema; each test file gets a copy of it (tests/setup.ts).
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '../prisma/migrate.js';
import { startPostgres, startRedis } from '../scripts/services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    redisUrl: string;
  }
}

export const templateDatabase = 'threadline_template';

export default async function setup(project: TestProject) {
  const stops: (() => Promise<void>)[] = [];
  let postgresUrl = process.env.THREADLINE_TEST_POSTGRES_URL;
  let redisUrl = process.env.THREADLINE_TEST_REDIS_URL;
  if (!postgresUrl) {
    const server = await startPostgres();
    stops.push(server.stop);
    postgresUrl = server.url;
  }
  if (!redisUrl) {
    const server = await startRedis();
    stops.push(server.stop);
    redisUrl = server.url;
  }

  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase}`);
  await admin.query(`CREATE DATABASE ${templateDatabase}`);
  await admin.end();
  const template = new URL(postgresUrl);
  template.pathname = `/${templateDatabase}`;
  await applyMigrations(template.href);

  project.provide('postgresUrl', postgresUrl);
  project.provide('redisUrl', redisUrl);
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
