// The PostgreSQL project's global set-up: a real PostgreSQL and a real Redis, either the ones
// .ci/run started (THREADLINE_TEST_POSTGRES_URL, THREADLINE_TEST_REDIS_URL) or our own,
// started here and stopped at the end whatever the tests did. A template database holds the
// migrated schema; each test file gets a copy of it (tests/database.ts); all are dropped at the end.
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '../prisma/migrate.js';
import { createDatabase, startPostgres, startRedis } from '../scripts/services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    redisUrl: string;
    /** Every database this run creates is named `<databasePrefix>…`, and dropped at its end. */
    databasePrefix: string;
  }
}

export default async function setup(project: TestProject) {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = () => Promise.all(stops.map((stop) => stop()));
  // Named for this run, so that runs sharing a server (THREADLINE_TEST_POSTGRES_URL) do not meet.
  const databasePrefix = `t${Date.now().toString(36)}${process.pid}_`;
  let postgresUrl = process.env.THREADLINE_TEST_POSTGRES_URL;
  let redisUrl = process.env.THREADLINE_TEST_REDIS_URL;
  let admin: pg.Client;
  try {
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
    await applyMigrations(await createDatabase(postgresUrl, `${databasePrefix}template`));
    // Kept for the end, to drop every database the run made.
    admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
  } catch (error) {
    // Whatever was started before the failure is stopped: nothing outlives the run.
    await stopAll();
    throw error;
  }

  project.provide('postgresUrl', postgresUrl);
  project.provide('redisUrl', redisUrl);
  project.provide('databasePrefix', databasePrefix);
  return async () => {
    try {
      const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [
        databasePrefix,
      ]);
      for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    } finally {
      await admin.end();
      await stopAll();
    }
  };
}
