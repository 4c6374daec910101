/**
 *   npm run import -- <file> [--format text]
 * Imports a thread export into DATABASE_URL (migrating it first). Progress goes to stderr,
 * the summary to stdout. Nothing is written unless the whole file imports.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { applyMigrations } from '../../prisma/migrate.js';
import { ConfigError, loadConfig } from '../config.js';
import { configureDatabase, openDatabase } from '../db.js';
import { type LoadProgress, loadThread } from '../importers/load.js';
import { ImportFormatError } from '../importers/records.js';
import { parseTextThread } from '../importers/text.js';

const formats = { text: parseTextThread } as const;
type Format = keyof typeof formats;

class UsageError extends Error {}

let disconnect: () => Promise<unknown> = async () => {};

function progressPrinter(stream: NodeJS.WriteStream) {
  let last = 0;
  return ({ done, total }: LoadProgress) => {
    const now = Date.now();
    if (done !== total && now - last < 200) return;
    last = now;
    const line = `  comments ${done}/${total} (${Math.round((done / total) * 100)}%)`;
    if (stream.isTTY) stream.write(`\r${line}${done === total ? '\n' : ''}`);
    else if (done === total || done % 100 === 0) stream.write(`${line}\n`);
  };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'text' } },
  });
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError('usage: npm run import -- <file> [--format text]');
  const format = values.format as string;
  if (!(format in formats)) {
    throw new UsageError(
      `unknown --format "${format}": this version imports ${Object.keys(formats).join(', ')} (wxr and disqus are planned)`,
    );
  }

  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (code ?? String(error))}`,
    );
  }

  process.stderr.write(`reading ${file} (${format})\n`);
  const thread = formats[format as Format](source);
  process.stderr.write(`parsed "${thread.article.title}": ${thread.comments.length} comments\n`);

  const { database: settings } = loadConfig();
  const db = await openDatabase(settings);
  disconnect = () => db.close();
  await applyMigrations(settings.url);
  await configureDatabase(db);
  const summary = await loadThread(db, thread, progressPrinter(process.stderr));

  const unresolved = summary.unresolvedMentions;
  console.log(
    [
      `article          ${summary.articleSlug} (${summary.articleCreated ? 'new' : 'already there'})`,
      `comments         ${summary.comments} in the file, ${summary.commentsCreated} new`,
      `replies linked   ${summary.repliesLinked}`,
      `quotes linked    ${summary.quotesLinked}`,
      `mentions linked  ${summary.mentionsLinked}`,
      `unresolved @     ${unresolved.length}${unresolved.length ? ` (${unresolved.map((n) => `@${n}`).join(', ')})` : ''}`,
    ].join('\n'),
  );
  return 0;
}

main(process.argv.slice(2))
  .then(
    (code) => code,
    (error: unknown) => {
      if (error instanceof ImportFormatError || error instanceof UsageError || error instanceof ConfigError) {
        console.error(`import failed: ${error.message}\nnothing was written`);
        return error instanceof ImportFormatError ? 1 : 2;
      }
      console.error(`import failed: ${error instanceof Error ? error.message : String(error)}\nnothing was written`);
      return 1;
    },
  )
  .then(async (code) => {
    await disconnect();
    process.exit(code);
  });
