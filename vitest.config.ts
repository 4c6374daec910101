import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS (what Node, and so Pothos and Yoga, load) beside an .mjs build
    // (what Vite would pick): two copies of graphql cannot share a schema. Use Node's.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { LOG_LEVEL: 'silent', NODE_ENV: 'test', THREADLINE_JWT_SECRET: 'test-secret-for-vitest-only-0123456789abcdef' },
  },
});
