/**
 *   npm run import -- <file> [--format text|wxr|disqus|json] [--dry-run] [--include-spam]
 * Imports an export into DATABASE_URL (migrating it first). The format is found from the file's
 * start when --format is left out; a .gz file is read as it is. Progress goes to stderr (a bar
 * on a terminal, a line every few seconds otherwise), the summary to stdout. Nothing is written
 * unless the whole file imports; --dry-run writes nothing and says what an import would do.
 */
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { applyMigrations } from '../../prisma/migrate.js';
import { ConfigError, loadConfig } from '../config.js';
import { configureDatabase, openDatabase } from '../db.js';
import { type ExportFormat, type ExportInput, openExport } from '../importers/input.js';
import { importJson } from '../importers/json.js';
import { type ImportSummary, importExport } from '../importers/load.js';
import { parseInWorker } from '../importers/parallel.js';
import { emptyReport, ImportFormatError, type ParsedExport } from '../importers/records.js';
import { parseTextThread } from '../importers/text.js';

// An import's live data is small (one thread at a time) but it allocates fast, and V8 lets the
// heap grow to several times the live data between collections: at 100,000 comments, peak RSS
// 400 MB. Growing by 20% at a time keeps it near 300 MB for about 10% more time (bench/README.md).
// The heap still grows as far as it must (a Disqus export holds its posts to the end).
v8.setFlagsFromString('--heap-growing-percent=20');

const formats: readonly ExportFormat[] = ['text', 'wxr', 'disqus', 'json'];
const usage = 'usage: npm run import -- <file> [--format text|wxr|disqus|json] [--dry-run] [--include-spam]';

class UsageError extends Error {}

let disconnect: () => Promise<unknown> = async () => {};

async function readAll(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

/**
 * A parser for a foreign format (our JSON export is restored, not parsed into threads). XML
 * exports are parsed in a worker thread, beside the writes (src/importers/parallel.ts).
 */
function parserFor(
  format: Exclude<ExportFormat, 'json'>,
  path: string,
  input: ExportInput,
  includeSpam: boolean,
): ParsedExport & { bytesRead(): number } {
  switch (format) {
    case 'wxr':
    case 'disqus':
      return parseInWorker({ path, format, includeSpam });
    case 'text':
      return {
        threads: (async function* () {
          yield parseTextThread(await readAll(input.chunks));
        })(),
        report: emptyReport(),
        bytesRead: () => input.bytesRead(),
      };
  }
}

const size = (bytes: number) =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 ** 2).toFixed(1)} MB`;
const count = (n: number) => n.toLocaleString('en-US');
const duration = (seconds: number) =>
  seconds < 60 ? `${Math.ceil(seconds)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;

/** Bytes read, comments handled, their rate and the time left (by bytes), on a bar or in lines. */
function progressReporter(stream: NodeJS.WriteStream, input: { size: number; bytesRead(): number }) {
  const started = Date.now();
  let comments = 0;
  let articles = 0;
  const line = () => {
    const seconds = (Date.now() - started) / 1000;
    const fraction = input.size > 0 ? Math.min(1, input.bytesRead() / input.size) : 0;
    const rate = seconds > 0 ? comments / seconds : 0;
    const left = fraction > 0.01 && fraction < 1 ? `, about ${duration((seconds / fraction) * (1 - fraction))} left` : '';
    return {
      fraction,
      text: `${size(input.bytesRead())} of ${size(input.size)} (${Math.round(fraction * 100)}%), ${count(articles)} articles, ${count(comments)} comments, ${count(Math.round(rate))} comments/s${left}`,
    };
  };
  const draw = () => {
    const { fraction, text } = line();
    if (stream.isTTY) {
      const width = 24;
      const filled = Math.round(fraction * width);
      stream.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
    } else {
      stream.write(`  ${text}\n`);
    }
  };
  const timer = setInterval(draw, stream.isTTY ? 250 : 5000);
  timer.unref();
  return {
    update(progress: { done: number; articles: number }) {
      comments = progress.done;
      articles = progress.articles;
    },
    finish() {
      clearInterval(timer);
      if (stream.isTTY) stream.write('\r\x1b[K');
      const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;
      stream.write(
        `  read ${size(input.size)}: ${plural(articles, 'article')}, ${plural(comments, 'comment')} in ${duration((Date.now() - started) / 1000)}\n`,
      );
    },
    stop() {
      clearInterval(timer);
      if (stream.isTTY) stream.write('\n');
    },
  };
}

function printSummary(summary: ImportSummary): void {
  const { articles, comments, authors } = summary;
  const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;
  const unresolved = summary.unresolvedMentions;
  const lines = [
    summary.dryRun ? 'dry run: nothing was written; an import would do this' : null,
    `articles         ${count(articles.inFile)} in the file, ${count(articles.created)} new${articles.drafts ? ` (${plural(articles.drafts, 'draft')})` : ''}`,
    `comments         ${count(comments.inFile)} in the file, ${count(comments.created)} new`,
    `  by status      ${count(comments.byStatus.published)} published, ${count(comments.byStatus.pending)} pending (hidden), ${count(comments.byStatus.spam)} spam (hidden), ${count(comments.byStatus.deleted)} deleted (tombstones)`,
    `left out         ${plural(summary.pingbacks, 'pingback')} and trackbacks, ${count(summary.spamLeftOut)} spam or trash`,
    `orphans          ${count(summary.orphans)} (their parent was left out: attached to its nearest kept ancestor)`,
    `unresolved parents ${count(summary.unresolvedParents)} (not in the file: made top-level)`,
    summary.flattened ? `flattened        ${count(summary.flattened)} (nested too deep: attached at the deepest level)` : null,
    `authors          ${count(authors.inFile)} in the file, ${count(authors.created)} new`,
    `replies linked   ${count(summary.repliesLinked)}`,
    `quotes linked    ${count(summary.quotesLinked)}`,
    `mentions linked  ${count(summary.mentionsLinked)}`,
    `unresolved @     ${unresolved.length}${unresolved.length ? ` (${unresolved.map((n) => `@${n}`).join(', ')})` : ''}`,
  ];
  const warnings = summary.warnings.length + summary.moreWarnings;
  if (warnings > 0) {
    lines.push(`warnings         ${count(warnings)}`, ...summary.warnings.map((w) => `  - ${w}`));
    if (summary.moreWarnings > 0) lines.push(`  … and ${count(summary.moreWarnings)} more`);
  }
  console.log(lines.filter((line) => line !== null).join('\n'));
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          format: { type: 'string' },
          'dry-run': { type: 'boolean', default: false },
          'include-spam': { type: 'boolean', default: false },
        },
      });
    } catch (error) {
      throw new UsageError(`${(error as Error).message}\n${usage}`);
    }
  })();
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError(usage);
  const asked = values.format;
  if (asked !== undefined && !formats.includes(asked as ExportFormat)) {
    throw new UsageError(`unknown --format "${asked}": this version imports ${formats.join(', ')}`);
  }

  let input: ExportInput;
  try {
    input = await openExport(file);
  } catch (error) {
    if (error instanceof ImportFormatError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (code ?? String(error))}`,
    );
  }
  if (input.size === 0) throw new ImportFormatError('the file is empty');
  const format = (asked as ExportFormat | undefined) ?? input.detected;
  if (!format) {
    throw new UsageError(`cannot tell the format of ${file} from its start: name it with --format ${formats.join('|')}`);
  }
  process.stderr.write(
    `reading ${file} (${format}${asked ? '' : ', detected'}${input.gzipped ? ', gzip' : ''}, ${size(input.size)})${values['dry-run'] ? ', dry run' : ''}\n`,
  );

  const { database: settings } = loadConfig();
  const db = await openDatabase(settings);
  disconnect = () => db.close();
  await applyMigrations(settings.url);
  await configureDatabase(db);

  const parsed = format === 'json' ? null : parserFor(format, file, input, values['include-spam']);
  const progress = progressReporter(process.stderr, { size: input.size, bytesRead: () => parsed?.bytesRead() ?? input.bytesRead() });
  let summary: ImportSummary;
  try {
    const options = { dryRun: values['dry-run'], onProgress: (p: { done: number; articles: number }) => progress.update(p) };
    summary = parsed === null ? await importJson(db, input.chunks, options) : await importExport(db, parsed, options);
  } catch (error) {
    progress.stop();
    throw error;
  }
  progress.finish();
  printSummary(summary);
  return 0;
}

main(process.argv.slice(2))
  .then(
    (code) => code,
    (error: unknown) => {
      const known = error instanceof ImportFormatError || error instanceof UsageError || error instanceof ConfigError;
      console.error(`import failed: ${error instanceof Error ? error.message : String(error)}\nnothing was written`);
      return known && !(error instanceof ImportFormatError) ? 2 : 1;
    },
  )
  .then(async (code) => {
    await disconnect();
    process.exit(code);
  });
