/**
 *   npm run bench:import [-- --comments 1000000 --articles 2000 --no-postgres]
 *
 * Imports a generated WordPress export (bench/import-fixture.ts: nested, quoting, by a pool of
 * people) into a fresh, migrated SQLite database with `npm run import`'s own command, and on
 * PostgreSQL the same, and prints comments per second end to end and the import process's peak
 * RSS beside two floors measured in the same run (bench/import-floor.ts): the XML parser alone
 * over the file, and better-sqlite3 inserting the same rows in bulk. Each runs as a process of
 * its own; peak RSS is the kernel's high-water mark of that process (VmHWM).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { applyMigrations } from '../prisma/migrate.js';
import { createDatabase, startPostgres } from '../scripts/services.js';
import { wxrFixture } from './import-fixture.js';

const { values } = parseArgs({
  options: {
    comments: { type: 'string', default: '1000000' },
    articles: { type: 'string', default: '2000' },
    'no-postgres': { type: 'boolean', default: false },
  },
});
const commentCount = Number(values.comments);
const articleCount = Number(values.articles);

interface Measured {
  seconds: number;
  peakRssMb: number;
  output: string;
}

/** Runs a Node process with tsx, following its peak RSS; rejects when it fails. */
function measure(args: string[], env: Record<string, string> = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    let peak = 0;
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch {
        // The process has just ended.
      }
    };
    const timer = setInterval(sample, 100);
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      errors += chunk;
      sample();
    });
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${args.join(' ')} exited with ${code}:\n${errors.slice(-2000)}`));
      else resolve({ seconds: (performance.now() - started) / 1000, peakRssMb: peak / 1024, output });
    });
  });
}

const rate = (comments: number, seconds: number) => Math.round(comments / seconds);
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

async function main() {
  process.stderr.write(
    `generating (or reusing) a WXR file of ${commentCount.toLocaleString('en-US')} comments over ${articleCount} articles…\n`,
  );
  const file = await wxrFixture(commentCount, articleCount);
  const { size } = await stat(file);
  const folder = await mkdtemp(join(tmpdir(), 'threadline-bench-import-'));
  const rows: string[] = [];
  try {
    process.stderr.write('floor: the XML parser alone…\n');
    const parser = await measure(['bench/import-floor.ts', 'parser', file]);
    const parsed = JSON.parse(parser.output) as { seconds: number; comments: number };

    process.stderr.write('floor: better-sqlite3 inserting the same rows…\n');
    const floorDb = join(folder, 'floor.db');
    await applyMigrations(`file:${floorDb}`);
    const bulk = await measure(['bench/import-floor.ts', 'sqlite', file, floorDb, String(commentCount), String(articleCount)]);
    const inserted = JSON.parse(bulk.output) as { seconds: number; comments: number };

    process.stderr.write('Threadline on SQLite: npm run import…\n');
    const db = join(folder, 'threadline.db');
    await applyMigrations(`file:${db}`);
    const sqlite = await measure(['src/cli/import.ts', file], { DATABASE_URL: `file:${db}` });
    const imported = Number(/^comments\s+([\d,]+) in the file, ([\d,]+) new$/m.exec(sqlite.output)?.[2]?.replaceAll(',', '') ?? Number.NaN);

    rows.push(
      row([
        'XML parser alone (floor)',
        parsed.comments.toLocaleString('en-US'),
        parsed.seconds.toFixed(1),
        rate(parsed.comments, parsed.seconds).toLocaleString('en-US'),
        parser.peakRssMb.toFixed(0),
        '',
      ]),
      row([
        'better-sqlite3 bulk insert (floor)',
        inserted.comments.toLocaleString('en-US'),
        inserted.seconds.toFixed(1),
        rate(inserted.comments, inserted.seconds).toLocaleString('en-US'),
        bulk.peakRssMb.toFixed(0),
        '',
      ]),
      row([
        '**Threadline, SQLite** (`npm run import`)',
        imported.toLocaleString('en-US'),
        sqlite.seconds.toFixed(1),
        rate(imported, sqlite.seconds).toLocaleString('en-US'),
        sqlite.peakRssMb.toFixed(0),
        `${(sqlite.seconds / parsed.seconds).toFixed(1)}× the parser, ${(sqlite.seconds / inserted.seconds).toFixed(1)}× the bulk insert`,
      ]),
    );

    if (!values['no-postgres']) {
      process.stderr.write('Threadline on PostgreSQL: starting a server…\n');
      const postgres = process.env.THREADLINE_BENCH_POSTGRES_URL ? null : await startPostgres();
      try {
        const serverUrl = process.env.THREADLINE_BENCH_POSTGRES_URL ?? postgres!.url;
        const url = await createDatabase(serverUrl, `bench_import_${Date.now()}`);
        await applyMigrations(url);
        const pg = await measure(['src/cli/import.ts', file], { DATABASE_URL: url });
        const pgImported = Number(
          /^comments\s+([\d,]+) in the file, ([\d,]+) new$/m.exec(pg.output)?.[2]?.replaceAll(',', '') ?? Number.NaN,
        );
        rows.push(
          row([
            '**Threadline, PostgreSQL** (`npm run import`)',
            pgImported.toLocaleString('en-US'),
            pg.seconds.toFixed(1),
            rate(pgImported, pg.seconds).toLocaleString('en-US'),
            pg.peakRssMb.toFixed(0),
            `${(pg.seconds / parsed.seconds).toFixed(1)}× the parser`,
          ]),
        );
      } finally {
        await postgres?.stop();
      }
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  console.log(
    `\nImporting ${commentCount.toLocaleString('en-US')} comments over ${articleCount.toLocaleString('en-US')} articles (a ${(size / 1024 ** 2).toFixed(0)} MB WXR file); targets: at least 10,000 comments/s end to end, at most 300 MB of RSS\n`,
  );
  console.log(row(['', 'comments', 'seconds', 'comments/s', 'peak RSS MB', 'ratio']));
  console.log(row(['---', '---', '---', '---', '---', '---']));
  for (const line of rows) console.log(line);
}

await main();
