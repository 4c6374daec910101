/**
 *   npm run export -- [--format json|wxr] [--article <slug>] [--output <file>] [--site <url>]
 * Writes the database's threads (or one article's) as Threadline's JSON export, which imports
 * back with everything, or as a WordPress WXR file. To standard output unless --output names a
 * file (written beside it first and renamed once complete, so a failed export leaves no half
 * file); progress goes to standard error.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { applyMigrations } from '../../prisma/migrate.js';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db.js';
import { exportJson, type Sink } from '../exporters/json.js';
import { exportWxr } from '../exporters/wxr.js';

const usage = 'usage: npm run export -- [--format json|wxr] [--article <slug>] [--output <file>] [--site <url>]';

class UsageError extends Error {}

let cleanUp: () => Promise<unknown> = async () => {};

/** Writes to a stream, waiting whenever it asks to. */
function sinkOf(stream: NodeJS.WritableStream): Sink {
  return async (text) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          format: { type: 'string', default: 'json' },
          article: { type: 'string' },
          output: { type: 'string' },
          site: { type: 'string' },
        },
      });
    } catch (error) {
      throw new UsageError(`${(error as Error).message}\n${usage}`);
    }
  })();
  if (positionals.length > 0) throw new UsageError(usage);
  if (values.format !== 'json' && values.format !== 'wxr')
    throw new UsageError(`unknown --format "${values.format}": json or wxr\n${usage}`);
  if (values.site !== undefined && !/^https?:\/\/[^\s/]+/.test(values.site)) throw new UsageError('--site must be an http(s) URL');

  const { database: settings } = loadConfig();
  const db = await openDatabase(settings);
  cleanUp = () => db.close();
  await applyMigrations(settings.url);

  const partial = values.output === undefined ? null : `${values.output}.partial`;
  const stream = partial === null ? process.stdout : createWriteStream(partial);
  if (partial !== null) {
    const close = cleanUp;
    cleanUp = async () => {
      stream.end();
      await rm(partial, { force: true });
      await close();
    };
  }
  const started = Date.now();
  let last = 0;
  const onProgress = ({ articles, comments }: { articles: number; comments: number }) => {
    if (Date.now() - last < 2000) return;
    last = Date.now();
    process.stderr.write(`  ${articles.toLocaleString('en-US')} articles, ${comments.toLocaleString('en-US')} comments\n`);
  };
  const options = { ...(values.article === undefined ? {} : { articleSlug: values.article }), onProgress };
  const totals =
    values.format === 'wxr'
      ? await exportWxr(db, sinkOf(stream), { ...options, ...(values.site === undefined ? {} : { siteUrl: values.site }) })
      : await exportJson(db, sinkOf(stream), options);
  if (partial !== null && values.output !== undefined) {
    stream.end();
    await once(stream, 'finish');
    await rename(partial, values.output);
  }
  process.stderr.write(
    `exported ${totals.articles.toLocaleString('en-US')} articles and ${totals.comments.toLocaleString('en-US')} comments as ${values.format}${values.output ? ` to ${values.output}` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  await db.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(`export failed: ${error instanceof Error ? error.message : String(error)}`);
    await cleanUp().catch(() => {});
    process.exit(error instanceof UsageError || error instanceof ConfigError ? 2 : 1);
  },
);
