/**
 *   npm run authors -- list                          the imported identities, and who each is now
 *   npm run authors -- link <identity> <handle>      a site handle owns what an import wrote as <identity>
 *   npm run authors -- unlink <handle> <identity>    the author with <handle> goes back into the import namespace
 *
 * Imports name their authors by identity (`text:dana-k`) and give them the handle
 * `import:text:dana-k`, which no token can name. Linking is how an operator says that a
 * person who signs in as `dana-k` wrote those comments. Each change is one transaction.
 */
import { parseArgs } from 'node:util';
import { applyMigrations } from '../../prisma/migrate.js';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db.js';
import { linkIdentity, unlinkIdentity } from '../domain/authors.js';
import { ThreadlineError } from '../domain/errors.js';

const usage = 'usage: npm run authors -- list | link <identity> <handle> | unlink <handle> <identity>';

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const [command, ...rest] = positionals;
  const { database: settings } = loadConfig();
  const db = await openDatabase(settings);
  try {
    await applyMigrations(settings.url);
    switch (command) {
      case 'list': {
        if (rest.length > 0) throw new UsageError(usage);
        const identities = await db.reader.importedIdentity.findMany({
          orderBy: { key: 'asc' },
          select: { key: true, author: { select: { handle: true, name: true, _count: { select: { comments: true } } } } },
        });
        if (identities.length === 0) console.log('no imported identities');
        for (const { key, author } of identities) {
          const state = author.handle.startsWith('import:') ? 'not linked' : `linked to ${author.handle}`;
          console.log(`${key}\t${state}\t${author.name}\t${author._count.comments} comments`);
        }
        return;
      }
      case 'link': {
        const [identity, handle] = rest;
        if (!identity || !handle || rest.length > 2) throw new UsageError(usage);
        const result = await db.writeTransaction((tx) => linkIdentity(tx, identity, handle));
        console.log(
          `${identity} is now ${handle}: ${result.comments} comments ${result.merged ? 'moved to the existing author' : 'kept, under the new handle'}`,
        );
        return;
      }
      case 'unlink': {
        const [handle, identity] = rest;
        if (!handle || !identity || rest.length > 2) throw new UsageError(usage);
        const result = await db.writeTransaction((tx) => unlinkIdentity(tx, handle, identity));
        console.log(`${handle} is now import:${identity}, with ${result.comments} comments; no token can write as them`);
        return;
      }
      default:
        throw new UsageError(usage);
    }
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    console.error(error instanceof ThreadlineError ? error.message : error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
