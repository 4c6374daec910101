// `prisma generate` never runs the schema engine, but the CLI downloads one first unless
// PRISMA_SCHEMA_ENGINE_BINARY names an existing file. The download host is unreachable
// on our machines and CI, so point the variable at this very file.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? self };
const result = spawnSync('npx', ['--no-install', 'prisma', 'generate', ...process.argv.slice(2)], {
  env,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
