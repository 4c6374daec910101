import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/** Tests of parts that touch no database: they run once, in the SQLite project. */
const databaseFree = [
  'tests/system/render.test.ts',
  'tests/system/graphiql.test.ts',
  'tests/system/schema.test.ts',
  'tests/system/config.test.ts',
  'tests/system/errors.test.ts',
  'tests/live/fan-out.test.ts',
];
/** Tests of SQLite itself: the embedded file shared by processes, several files in one process. */
const sqliteOnly = ['tests/system/processes.test.ts', 'tests/system/databases.test.ts'];
/** Several instances on one PostgreSQL and one Redis, and their faults. */
const postgresOnly = ['tests/live/multi-instance.test.ts', 'tests/live/faults.test.ts'];

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS (what Node, and so Pothos and Yoga, load) beside an .mjs build
    // (what Vite would pick): two copies of graphql cannot share a schema. Use Node's.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { LOG_LEVEL: 'silent', NODE_ENV: 'test', THREADLINE_JWT_SECRET: 'test-secret-for-vitest-only-0123456789abcdef' },
    // The whole API suite runs on both databases.
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['tests/**/*.test.ts'],
          exclude: postgresOnly,
          env: { THREADLINE_TEST_DATABASE: 'sqlite' },
        },
      },
      {
        extends: true,
        test: {
          name: 'postgresql',
          include: ['tests/**/*.test.ts'],
          exclude: [...databaseFree, ...sqliteOnly],
          globalSetup: ['tests/services-setup.ts'],
          env: { THREADLINE_TEST_DATABASE: 'postgresql' },
        },
      },
    ],
  },
});
