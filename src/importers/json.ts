/**
 * Threadline's own export (src/exporters/json.ts) read back: restores authors (by handle, with
 * their roles and import identities), tags, articles and comments with everything they had
 * (statuses, edits and their revisions, quotes with their spans, mentions, times), so that an
 * empty database answers the API as the exported one did. One transaction: all or nothing.
 * What is there already (an author's handle, a tag's slug, an article's slug, a comment's
 * number in its article) is kept: importing the same export again changes nothing.
 *
 * The file is read as a stream: each element of the top-level arrays is parsed alone, so memory
 * holds one article (with its comments) at a time, however the JSON is laid out.
 */
import type { Database, DbTx } from '../db.js';
import { insertComments, type NewComment, type ParentRef } from '../domain/comments.js';
import { identityPattern } from '../domain/authors.js';
import { unstorableText } from '../domain/text.js';
import type { ExportedArticle, ExportedAuthor, ExportedComment } from '../exporters/json.js';
import { emptySummary, type ImportOptions, type ImportSummary } from './load.js';
import { ImportFormatError } from './records.js';

interface JsonElement {
  /** The top-level key the element belongs to. */
  key: string;
  /** The element's JSON text (an array's element, or a scalar value). */
  text: string;
  line: number;
  /** Whether it is an element of an array (true) or the key's whole value (false). */
  inArray: boolean;
}

/**
 * The elements of a JSON object's top-level arrays, and its top-level scalars, one at a time,
 * from a stream of text: a scanner that tracks strings and nesting, and hands each element's
 * text to JSON.parse.
 */
export async function* jsonElements(chunks: AsyncIterable<string>): AsyncGenerator<JsonElement> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let line = 1;
  let key: string | null = null;
  let keyText = '';
  let readingKey = false;
  /** Text of the element being captured, and where it started. */
  let parts: string[] | null = null;
  let startLine = 0;
  let inArray = false;
  let started = false;
  let ended = false;

  const fail = (message: string) => {
    throw new ImportFormatError(`the file is not a Threadline JSON export: ${message}`, line);
  };

  for await (const chunk of chunks) {
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === '\n') line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') {
          inString = false;
          if (readingKey) {
            keyText += chunk.slice(from, i + 1);
            readingKey = false;
            try {
              key = JSON.parse(keyText) as string;
            } catch {
              fail('a key is not a valid string');
            }
          }
        }
        continue;
      }
      if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
      if (ended) fail('text after the end of the export');
      if (!started) {
        if (c !== '{' && c !== '\uFEFF') fail('it does not start with "{"');
        if (c === '{') {
          started = true;
          depth = 1;
        }
        continue;
      }
      if (depth === 1) {
        if (parts === null) {
          if (c === '"' && key === null) {
            inString = true;
            readingKey = true;
            keyText = '';
            from = i;
            continue;
          }
          if (c === ':' && key !== null) continue;
          if (c === ',') continue;
          if (c === '}') {
            depth = 0;
            ended = true;
            continue;
          }
          if (key === null) fail(`unexpected "${c}"`);
          if (c === '[') {
            depth = 2;
            inArray = true;
            continue;
          }
          // A scalar or an object as a key's value.
          parts = [];
          from = i;
          startLine = line;
          inArray = false;
          if (c === '{') depth = 2;
          else if (c === '"') inString = true;
          continue;
        }
        // The end of a scalar value at the top level.
        if (c === ',' || c === '}') {
          parts.push(chunk.slice(from, i));
          yield { key: key!, text: parts.join(''), line: startLine, inArray };
          parts = null;
          key = null;
          if (c === '}') {
            depth = 0;
            ended = true;
          }
        }
        continue;
      }
      if (depth === 2 && inArray && parts === null) {
        if (c === ',') continue;
        if (c === ']') {
          depth = 1;
          key = null;
          continue;
        }
        parts = [];
        from = i;
        startLine = line;
        if (c === '{' || c === '[') depth = 3;
        else if (c === '"') inString = true;
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (parts !== null && ((inArray && depth === 2) || (!inArray && depth === 1))) {
          parts.push(chunk.slice(from, i + 1));
          yield { key: key!, text: parts.join(''), line: startLine, inArray };
          parts = null;
          if (!inArray) key = null;
        }
      } else if (c === '"') inString = true;
      else if (c === ',' && parts !== null && inArray && depth === 2) {
        parts.push(chunk.slice(from, i));
        yield { key: key!, text: parts.join(''), line: startLine, inArray };
        parts = null;
      }
    }
    if (parts !== null) {
      parts.push(chunk.slice(from));
      from = 0;
    } else if (readingKey) {
      keyText += chunk.slice(from);
    }
  }
  if (!ended) fail('it ends before its closing "}"');
}

/** Field checks with the element's place in their messages. */
function reader(where: string, line: number) {
  const fail = (message: string): never => {
    throw new ImportFormatError(`${where}: ${message}`, line);
  };
  return {
    fail,
    string(value: unknown, field: string): string {
      if (typeof value !== 'string') fail(`\`${field}\` must be a string`);
      const problem = unstorableText(value as string);
      if (problem) fail(`\`${field}\` ${problem}`);
      return value as string;
    },
    optionalString(value: unknown, field: string): string | null {
      return value == null ? null : this.string(value, field);
    },
    int(value: unknown, field: string, min = 0): number {
      if (!Number.isInteger(value) || (value as number) < min || (value as number) > 2 ** 31 - 1)
        fail(`\`${field}\` must be a whole number from ${min}`);
      return value as number;
    },
    optionalInt(value: unknown, field: string): number | null {
      return value == null ? null : this.int(value, field);
    },
    date(value: unknown, field: string): Date {
      const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
      if (Number.isNaN(date.getTime())) fail(`\`${field}\` must be an ISO 8601 date`);
      return date;
    },
    optionalDate(value: unknown, field: string): Date | null {
      return value == null ? null : this.date(value, field);
    },
    array(value: unknown, field: string): unknown[] {
      if (!Array.isArray(value)) fail(`\`${field}\` must be an array`);
      return value as unknown[];
    },
  };
}

const parseElement = (element: JsonElement): Record<string, unknown> => {
  let value: unknown;
  try {
    value = JSON.parse(element.text);
  } catch (error) {
    throw new ImportFormatError(`an element of "${element.key}" is not valid JSON (${(error as Error).message})`, element.line);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ImportFormatError(`each element of "${element.key}" must be an object`, element.line);
  }
  return value as Record<string, unknown>;
};

async function restoreAuthor(tx: DbTx, raw: Record<string, unknown>, line: number, summary: ImportSummary, dryRun: boolean) {
  const check = reader(`author ${JSON.stringify(raw.handle)}`, line);
  const author: ExportedAuthor = {
    handle: check.string(raw.handle, 'handle'),
    name: check.string(raw.name, 'name'),
    bio: check.optionalString(raw.bio, 'bio'),
    role:
      raw.role === 'MODERATOR' || raw.role === 'ADMIN' || raw.role === 'AUTHOR'
        ? raw.role
        : check.fail('`role` must be AUTHOR, MODERATOR or ADMIN'),
    createdAt: check.date(raw.createdAt, 'createdAt').toISOString(),
    identities: check.array(raw.identities ?? [], 'identities').map((key) => {
      const identity = check.string(key, 'identities');
      if (!identityPattern.test(identity)) check.fail(`"${identity}" is not an import identity (<source>:<key>)`);
      return identity;
    }),
  };
  summary.authors.inFile++;
  const existing = await tx.author.findUnique({ where: { handle: author.handle }, select: { id: true } });
  if (existing) return;
  summary.authors.created++;
  if (dryRun) return;
  const known = await tx.importedIdentity.findMany({ where: { key: { in: author.identities } } });
  if (known.length > 0) check.fail(`the identity "${known[0]!.key}" belongs to another author here already`);
  await tx.author.create({
    data: {
      handle: author.handle,
      name: author.name,
      bio: author.bio,
      role: author.role,
      createdAt: new Date(author.createdAt),
      importedIdentities: { create: author.identities.map((key) => ({ key })) },
    },
    select: { id: true },
  });
}

function readComment(
  raw: unknown,
  slug: string,
  line: number,
): Omit<ExportedComment, 'createdAt' | 'editedAt' | 'deletedAt' | 'hiddenAt'> & {
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  hiddenAt: Date | null;
} {
  const object = (raw ?? {}) as Record<string, unknown>;
  const check = reader(`article "${slug}", comment ${JSON.stringify(object.number)}`, line);
  if (typeof raw !== 'object' || raw === null) check.fail('a comment must be an object');
  return {
    number: check.int(object.number, 'number', 1),
    author: check.string(object.author, 'author'),
    parent: check.optionalInt(object.parent, 'parent'),
    body: check.string(object.body, 'body'),
    createdAt: check.date(object.createdAt, 'createdAt'),
    editedAt: check.optionalDate(object.editedAt, 'editedAt'),
    deletedAt: check.optionalDate(object.deletedAt, 'deletedAt'),
    hiddenAt: check.optionalDate(object.hiddenAt, 'hiddenAt'),
    imported: object.imported === true,
    sourceKey: check.optionalString(object.sourceKey, 'sourceKey'),
    revisions: check.array(object.revisions ?? [], 'revisions').map((r) => {
      const revision = (r ?? {}) as Record<string, unknown>;
      return {
        body: check.string(revision.body, 'revisions.body'),
        createdAt: check.date(revision.createdAt, 'revisions.createdAt').toISOString(),
      };
    }),
    quotes: check.array(object.quotes ?? [], 'quotes').map((q) => {
      const quote = (q ?? {}) as Record<string, unknown>;
      return {
        comment: check.int(quote.comment, 'quotes.comment', 1),
        text: check.string(quote.text, 'quotes.text'),
        start: check.int(quote.start, 'quotes.start'),
        end: check.int(quote.end, 'quotes.end'),
        bodyStart: check.optionalInt(quote.bodyStart, 'quotes.bodyStart'),
        bodyEnd: check.optionalInt(quote.bodyEnd, 'quotes.bodyEnd'),
        createdAt: check.date(quote.createdAt ?? object.createdAt, 'quotes.createdAt').toISOString(),
      };
    }),
    mentions: check.array(object.mentions ?? [], 'mentions').map((m) => check.string(m, 'mentions')),
  };
}

async function restoreArticle(db: Database, tx: DbTx, raw: Record<string, unknown>, line: number, summary: ImportSummary, dryRun: boolean) {
  const check = reader(`article ${JSON.stringify(raw.slug)}`, line);
  const slug = check.string(raw.slug, 'slug');
  const head: Omit<ExportedArticle, 'comments' | 'publishedAt' | 'createdAt'> & { publishedAt: Date | null; createdAt: Date } = {
    slug,
    title: check.string(raw.title, 'title'),
    body: check.string(raw.body, 'body'),
    publishedAt: check.optionalDate(raw.publishedAt, 'publishedAt'),
    author: check.string(raw.author, 'author'),
    tags: check.array(raw.tags ?? [], 'tags').map((t) => check.string(t, 'tags')),
    commentsLocked: raw.commentsLocked === true,
    sourceKey: check.optionalString(raw.sourceKey, 'sourceKey'),
    createdAt: check.date(raw.createdAt, 'createdAt'),
  };
  const comments = check.array(raw.comments ?? [], 'comments').map((c) => readComment(c, slug, line));
  const byNumber = new Map(comments.map((c) => [c.number, c]));
  if (byNumber.size !== comments.length) check.fail('two comments have the same number');
  for (const comment of comments) {
    if (comment.parent != null && !byNumber.has(comment.parent))
      check.fail(`comment ${comment.number} replies to ${comment.parent}, which is not in the article`);
    for (const quote of comment.quotes)
      if (!byNumber.has(quote.comment)) check.fail(`comment ${comment.number} quotes ${quote.comment}, which is not in the article`);
  }

  summary.articles.inFile++;
  summary.comments.inFile += comments.length;
  if (head.publishedAt === null) summary.articles.drafts++;
  for (const comment of comments) {
    const status = comment.deletedAt ? 'deleted' : comment.hiddenAt ? 'pending' : 'published';
    summary.comments.byStatus[status]++;
  }

  const handles = new Set([head.author, ...comments.flatMap((c) => [c.author, ...c.mentions])]);
  const authors = new Map(
    (await tx.author.findMany({ where: { handle: { in: [...handles] } }, select: { id: true, handle: true } })).map((a) => [
      a.handle,
      a.id,
    ]),
  );
  const authorOf = (handle: string) =>
    authors.get(handle) ?? (dryRun ? 0 : check.fail(`the author "${handle}" is not among the export's authors`));
  authorOf(head.author);

  let article = await tx.article.findUnique({ where: { slug }, select: { id: true, lastCommentNumber: true } });
  const stored = new Map<number, { id: number; path: string; depth: number; body: string }>();
  if (article) {
    summary.articles.existing++;
    const rows = await tx.comment.findMany({
      where: { articleId: article.id },
      select: { id: true, number: true, path: true, depth: true, body: true },
    });
    for (const row of rows) stored.set(row.number, row);
    for (const comment of comments) {
      const row = stored.get(comment.number);
      if (row && row.body !== comment.body) {
        check.fail(
          `comment ${comment.number} here is not the export's comment ${comment.number}: this export does not continue that article, so nothing was imported`,
        );
      }
    }
  } else summary.articles.created++;
  const fresh = comments.filter((c) => !stored.has(c.number));
  summary.comments.existing += comments.length - fresh.length;
  summary.comments.created += fresh.length;
  summary.repliesLinked += fresh.filter((c) => c.parent != null).length;
  summary.quotesLinked += fresh.reduce((n, c) => n + c.quotes.length, 0);
  summary.mentionsLinked += fresh.reduce((n, c) => n + c.mentions.length, 0);
  if (dryRun) return fresh.length;

  for (const tag of head.tags) {
    const name = (await tx.tag.findUnique({ where: { slug: tag }, select: { id: true } })) ? null : tag;
    if (name) await tx.tag.create({ data: { slug: tag, name: tag }, select: { id: true } });
  }
  article ??= await tx.article.create({
    data: {
      slug,
      title: head.title,
      body: head.body,
      publishedAt: head.publishedAt,
      authorId: authorOf(head.author),
      commentsLocked: head.commentsLocked,
      sourceKey: head.sourceKey,
      createdAt: head.createdAt,
      tags: { connect: head.tags.map((tag) => ({ slug: tag })) },
    },
    select: { id: true, lastCommentNumber: true },
  });
  if (fresh.length === 0) return 0;
  await db.lockRow(tx, 'Article', article.id);
  const ref = (number: number): ParentRef => {
    const row = stored.get(number);
    return row ? { id: row.id, path: row.path, depth: row.depth } : { number };
  };
  const batch: NewComment[] = fresh.map((comment) => ({
    number: comment.number,
    authorId: authorOf(comment.author),
    parent: comment.parent == null ? null : ref(comment.parent),
    body: comment.body,
    createdAt: comment.createdAt,
    editedAt: comment.editedAt,
    deletedAt: comment.deletedAt,
    hiddenAt: comment.hiddenAt,
    imported: comment.imported,
    sourceKey: comment.sourceKey,
    quotes: comment.quotes.map((quote) => {
      const quoted = ref(quote.comment);
      return {
        quoted: 'id' in quoted ? { id: quoted.id } : quoted,
        text: quote.text,
        start: quote.start,
        end: quote.end,
        bodyStart: quote.bodyStart,
        bodyEnd: quote.bodyEnd,
      };
    }),
    mentionIds: comment.mentions.map(authorOf),
  }));
  const inserted = await insertComments(db, tx, article, batch);
  const revisions = fresh.flatMap((comment, index) =>
    comment.revisions.map((r) => ({ commentId: inserted[index]!.id, body: r.body, createdAt: new Date(r.createdAt) })),
  );
  for (let from = 0; from < revisions.length; from += 300) await tx.commentRevision.createMany({ data: revisions.slice(from, from + 300) });
  return fresh.length;
}

/** Restores a Threadline JSON export; see the module's comment. */
export async function importJson(
  db: Database,
  chunks: AsyncIterable<string>,
  { dryRun = false, onProgress = () => {} }: ImportOptions = {},
): Promise<ImportSummary> {
  const summary = emptySummary(dryRun);
  let done = 0;
  const run = async (tx: DbTx) => {
    let format: unknown = null;
    for await (const element of jsonElements(chunks)) {
      if (!element.inArray) {
        if (element.key === 'format') format = JSON.parse(element.text);
        if (element.key === 'version' && format !== 'threadline') {
          throw new ImportFormatError(
            'the file does not start with "format": "threadline": it is not a Threadline JSON export',
            element.line,
          );
        }
        if (element.key === 'version' && JSON.parse(element.text) !== 1) {
          throw new ImportFormatError(`this version reads version 1 of the JSON export; the file is version ${element.text}`, element.line);
        }
        continue;
      }
      if (format !== 'threadline')
        throw new ImportFormatError(
          'the file does not start with "format": "threadline": it is not a Threadline JSON export',
          element.line,
        );
      const raw = parseElement(element);
      if (element.key === 'authors') await restoreAuthor(tx, raw, element.line, summary, dryRun);
      else if (element.key === 'tags') {
        const check = reader(`tag ${JSON.stringify(raw.slug)}`, element.line);
        const tag = { slug: check.string(raw.slug, 'slug'), name: check.string(raw.name, 'name') };
        if (!dryRun) await tx.tag.upsert({ where: { slug: tag.slug }, create: tag, update: {}, select: { id: true } });
      } else if (element.key === 'articles') {
        done += await restoreArticle(db, tx, raw, element.line, summary, dryRun);
        onProgress({ done, total: null, articles: summary.articles.inFile });
      }
    }
    if (format !== 'threadline')
      throw new ImportFormatError('the file has no "format": "threadline": it is not a Threadline JSON export', 1);
  };
  if (dryRun) await run(db.reader);
  else {
    let started = false;
    await db.writeTransaction(
      async (tx) => {
        if (started) throw new Error('the import was interrupted by the database; nothing was written, run it again');
        started = true;
        await run(tx);
      },
      { timeout: 24 * 60 * 60_000, maxWait: 60_000 },
    );
  }
  return summary;
}
