/**
 * The import benchmark's floors, each run as a process of its own by bench/import.ts so that
 * its peak RSS is its own:
 *
 *   parser <file>              the XML parser alone (saxes, as the importer uses it) over the
 *                              file, read and decoded the same way: no records, no database
 *   sqlite <file> <db> <n> <a> better-sqlite3 inserting the rows the import writes (articles,
 *                              authors and identities, comments with their paths and depths,
 *                              quotes, events), from the generator, in one transaction, with
 *                              prepared statements: no parsing, no ORM
 *
 * Prints one JSON line: { seconds, comments }.
 */
import Database from 'better-sqlite3';
import { SaxesParser } from 'saxes';
import { openExport } from '../src/importers/input.js';
import { generatePosts, personOf } from './import-fixture.js';

const [mode, file, dbPath, comments, articles] = process.argv.slice(2);

async function parserFloor(path: string) {
  const started = performance.now();
  const input = await openExport(path);
  const parser = new SaxesParser({ xmlns: true, position: true });
  let count = 0;
  parser.on('closetag', (tag) => {
    if (tag.local === 'comment') count++;
  });
  for await (const chunk of input.chunks) parser.write(chunk);
  parser.close();
  return { seconds: (performance.now() - started) / 1000, comments: count };
}

const iso = (date: Date) => date.toISOString().replace('Z', '+00:00');
const pad = (n: number) => String(n).padStart(8, '0');

function sqliteFloor(path: string, commentCount: number, articleCount: number) {
  const started = performance.now();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const now = iso(new Date());
  const insertAuthor = db.prepare('INSERT INTO "Author" ("id", "handle", "name", "role", "createdAt") VALUES (?, ?, ?, \'AUTHOR\', ?)');
  const insertIdentity = db.prepare('INSERT INTO "ImportedIdentity" ("key", "authorId") VALUES (?, ?)');
  const insertArticle = db.prepare(
    'INSERT INTO "Article" ("id", "slug", "title", "body", "publishedAt", "authorId", "sourceKey", "lastCommentNumber", "commentCount", "lastEventSeq", "updatedAt") VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)',
  );
  const insertComment = db.prepare(
    'INSERT INTO "Comment" ("id", "articleId", "number", "authorId", "parentId", "depth", "replyCount", "imported", "path", "body", "createdAt", "hiddenAt", "sourceKey") VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)',
  );
  const insertQuote = db.prepare(
    'INSERT INTO "Quote" ("commentId", "quotedCommentId", "ordinal", "text", "start", "end", "bodyStart", "bodyEnd", "createdAt") VALUES (?, ?, 0, ?, ?, ?, 0, ?, ?)',
  );
  const insertEvent = db.prepare(
    'INSERT INTO "CommentEvent" ("articleId", "seq", "commentId", "kind", "createdAt") VALUES (?, ?, ?, \'ADDED\', ?)',
  );
  let written = 0;
  db.transaction(() => {
    insertAuthor.run(1, 'import:wxr:editor', 'The Editor', now);
    const authors = new Set<number>();
    let commentId = 0;
    for (const post of generatePosts(commentCount, articleCount)) {
      const kept = post.comments.filter((c) => c.status !== 'spam');
      insertArticle.run(
        post.id,
        post.slug,
        post.title,
        `The body of ${post.title}.`,
        iso(post.date),
        `wxr:generated.example:${post.id}`,
        kept.length,
        kept.length,
        kept.length,
        now,
      );
      const placed = new Map<number, { id: number; path: string; depth: number; replies: number; text: string }>();
      for (const [index, comment] of kept.entries()) {
        if (!authors.has(comment.author)) {
          authors.add(comment.author);
          const person = personOf(comment.author);
          insertAuthor.run(comment.author + 2, `import:wxr:${comment.author}`, person.name, now);
          insertIdentity.run(`wxr:${comment.author}`, comment.author + 2);
        }
        const parent = placed.get(comment.parentId) ?? null;
        const number = index + 1;
        const path = `${parent?.path ?? ''}${pad(number)}/`;
        const body = comment.quote ? `${comment.quote}\n\n${comment.text}` : comment.text;
        commentId++;
        insertComment.run(
          commentId,
          post.id,
          number,
          comment.author + 2,
          parent?.id ?? null,
          parent ? parent.depth + 1 : 0,
          0,
          path,
          body,
          iso(comment.date),
          comment.status === '0' ? now : null,
          String(comment.id),
        );
        if (parent) parent.replies++;
        if (parent && comment.quote) {
          const start = parent.text.indexOf(comment.quote);
          insertQuote.run(
            commentId,
            parent.id,
            comment.quote,
            start,
            start + comment.quote.length,
            comment.quote.length,
            iso(comment.date),
          );
        }
        insertEvent.run(post.id, number, commentId, now);
        placed.set(comment.id, { id: commentId, path, depth: parent ? parent.depth + 1 : 0, replies: 0, text: comment.text });
        written++;
      }
      const setReplies = db.prepare('UPDATE "Comment" SET "replyCount" = ? WHERE "id" = ?');
      for (const row of placed.values()) if (row.replies > 0) setReplies.run(row.replies, row.id);
    }
  })();
  db.close();
  return { seconds: (performance.now() - started) / 1000, comments: written };
}

const result =
  mode === 'parser' ? await parserFloor(file!) : mode === 'sqlite' ? sqliteFloor(dbPath!, Number(comments), Number(articles)) : null;
if (!result) {
  console.error('usage: tsx bench/import-floor.ts parser <file> | sqlite <file> <db> <comments> <articles>');
  process.exit(2);
}
console.log(JSON.stringify(result));
