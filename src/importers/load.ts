/**
 * Writes parsed threads into the database: the one loader behind every format. An import is one
 * transaction, so a file that fails part-way (a malformed line near its end, a database error)
 * writes nothing, and nothing is ever deleted. Rows already there (an author's import identity,
 * a tag's slug, an article's source key or slug, a comment's source key) are kept as they are:
 * importing the same file again changes nothing, and a newer export of the same site adds only
 * what is new.
 *
 * Each thread is first planned with reads only (what exists, what would be new, under which
 * numbers), then written. A dry run plans every thread and writes nothing.
 */
import type { Database, DbTx } from '../db.js';
import { ensureImportedAuthors } from '../domain/authors.js';
import { insertComments, type NewComment, type ParentRef, type QuoteRow } from '../domain/comments.js';
import { maxMentionsPerComment, maxQuotesPerComment, maxTagsPerArticle } from '../domain/limits.js';
import { unstorableText } from '../domain/text.js';
import {
  type CommentRecord,
  type CommentStatus,
  ImportFormatError,
  type ParsedExport,
  type QuoteRecord,
  type ThreadRecord,
  type ThreadReport,
} from './records.js';

export interface LoadProgress {
  /** Comments of the file handled so far (written, or found already there). */
  done: number;
  /** Comments of the file, when known up front (a single thread), else null. */
  total: number | null;
  articles: number;
}

/** One thread's outcome, for callers that load a single thread. */
export interface LoadSummary {
  articleSlug: string;
  articleCreated: boolean;
  comments: number;
  commentsCreated: number;
  repliesLinked: number;
  quotesLinked: number;
  mentionsLinked: number;
  unresolvedMentions: string[];
}

/** What an import did, or for a dry run would do. */
export interface ImportSummary {
  dryRun: boolean;
  articles: { inFile: number; created: number; existing: number; drafts: number };
  comments: { inFile: number; created: number; existing: number; byStatus: Record<CommentStatus, number> };
  authors: { inFile: number; created: number };
  pingbacks: number;
  spamLeftOut: number;
  orphans: number;
  unresolvedParents: number;
  flattened: number;
  repliesLinked: number;
  quotesLinked: number;
  mentionsLinked: number;
  unresolvedMentions: string[];
  warnings: string[];
  /** Warnings past the ones kept in `warnings`. */
  moreWarnings: number;
}

export interface ImportOptions {
  dryRun?: boolean;
  onProgress?: (progress: LoadProgress) => void;
}

const keptWarnings = 50;
const keptUnresolved = 100;

/** Text the database cannot hold is refused before anything is written, naming where it is. */
function checkStorable(thread: ThreadRecord): void {
  const check = (text: string | null, where: string) => {
    const problem = text === null ? null : unstorableText(text);
    if (problem) throw new ImportFormatError(`${where} ${problem}`);
  };
  check(thread.article.title, `the title of "${thread.article.slug}"`);
  check(thread.article.body, `the article "${thread.article.slug}"`);
  for (const comment of thread.comments) check(comment.body, `comment ${comment.sourceKey} of "${thread.article.slug}"`);
  if (thread.article.tags.length > maxTagsPerArticle) {
    throw new ImportFormatError(
      `the article "${thread.article.slug}" has ${thread.article.tags.length} tags; an article has at most ${maxTagsPerArticle}`,
    );
  }
}

/**
 * The quotes a comment links: each span once, at most `maxQuotesPerComment` (a comment pasting
 * more passages keeps them as text, which is all a quote would show).
 */
function quoteLinks(quotes: readonly QuoteRecord[]): QuoteRecord[] {
  const seen = new Set<string>();
  return quotes
    .filter((quote) => {
      const span = `${quote.quotedNumber}:${quote.start}:${quote.end}`;
      if (seen.has(span)) return false;
      seen.add(span);
      return true;
    })
    .slice(0, maxQuotesPerComment);
}

interface StoredComment {
  id: number;
  number: number;
  path: string;
  depth: number;
  body: string;
  authorId: number;
  sourceKey: string | null;
}

/** What writing a thread would do, found with reads only. */
interface ThreadPlan {
  thread: ThreadRecord;
  /** The article already here, or null when the import creates it under `slug`. */
  existing: { id: number; lastCommentNumber: number } | null;
  slug: string;
  /** Each of the file's comments already here, by its number in the file. */
  stored: Map<number, StoredComment>;
  /** The file's comments that are new, in the file's order, with the numbers they take here. */
  fresh: { record: CommentRecord; number: number }[];
  /** Import identities the thread names, and the ones already here. */
  identities: Map<string, { name: string; bio: string | null }>;
  knownAuthors: Map<string, number>;
}

/**
 * Plans a thread with reads only. `lock`, when writing, locks an article that exists before its
 * comments are read: comments posted meanwhile (on PostgreSQL, by other writers) wait until the
 * import has committed, so the numbers planned stay the article's.
 */
async function planThread(reader: DbTx, thread: ThreadRecord, lock?: (articleId: number) => Promise<void>): Promise<ThreadPlan> {
  const { article, comments, source } = thread;
  checkStorable(thread);
  const identities = new Map<string, { name: string; bio: string | null }>();
  for (const author of [article.author, ...comments.map((c) => c.author)]) {
    const identity = `${source}:${author.handle}`;
    if (!identities.has(identity)) identities.set(identity, { name: author.name, bio: author.bio });
  }
  const knownAuthors = new Map<string, number>();
  const keys = [...identities.keys()];
  for (let from = 0; from < keys.length; from += 500) {
    const found = await reader.importedIdentity.findMany({ where: { key: { in: keys.slice(from, from + 500) } } });
    for (const row of found) knownAuthors.set(row.key, row.authorId);
  }

  const select = { id: true, title: true, lastCommentNumber: true, sourceKey: true } as const;
  let existing = article.sourceKey == null ? null : await reader.article.findUnique({ where: { sourceKey: article.sourceKey }, select });
  let slug = article.slug;
  if (!existing) {
    const bySlug = await reader.article.findUnique({ where: { slug }, select });
    if (bySlug && article.sourceKey == null) {
      if (bySlug.title !== article.title) {
        throw new ImportFormatError(
          `the article's slug "${slug}" belongs to another article already ("${bySlug.title}"); nothing was imported`,
        );
      }
      existing = bySlug;
    } else if (bySlug) {
      // Another article (made here, or from another site) has the slug: this one takes the next free one.
      for (let n = 2; ; n++) {
        const candidate = `${article.slug}-${n}`;
        if (!(await reader.article.findUnique({ where: { slug: candidate }, select: { id: true } }))) {
          slug = candidate;
          break;
        }
      }
      thread.report.warnings.push(`the slug "${article.slug}" is taken by another article: "${article.title}" was given "${slug}"`);
    }
  }

  const stored = new Map<number, StoredComment>();
  const fresh: { record: CommentRecord; number: number }[] = [];
  if (!existing) {
    for (const record of comments) fresh.push({ record, number: record.number });
    return { thread, existing: null, slug, stored, fresh, identities, knownAuthors };
  }

  if (lock) {
    await lock(existing.id);
    existing = await reader.article.findUniqueOrThrow({ where: { id: existing.id }, select });
  }
  const rows = await reader.comment.findMany({
    where: { articleId: existing.id },
    // Bodies only where they are compared (the text format's numbered comments).
    select: { id: true, number: true, path: true, depth: true, body: thread.numbering === 'file', authorId: true, sourceKey: true },
  });
  if (thread.numbering === 'file') {
    // The same thread again, or a longer export of it: the comments already here must be the
    // file's. Anything else (comments posted since under those numbers) is another thread.
    const byNumber = new Map(rows.map((row) => [row.number, row]));
    for (const record of comments) {
      const row = byNumber.get(record.number);
      if (!row) {
        fresh.push({ record, number: record.number });
        continue;
      }
      if (row.body !== record.body || row.authorId !== knownAuthors.get(`${source}:${record.author.handle}`)) {
        throw new ImportFormatError(
          `comment ${record.number} in the file is not comment ${record.number} of "${article.title}" in the database; this file does not continue that thread, so nothing was imported`,
        );
      }
      stored.set(record.number, row);
    }
  } else {
    const byKey = new Map(rows.filter((row) => row.sourceKey != null).map((row) => [row.sourceKey!, row]));
    let next = existing.lastCommentNumber;
    for (const record of comments) {
      const row = byKey.get(record.sourceKey);
      if (row) stored.set(record.number, row);
      else fresh.push({ record, number: ++next });
    }
  }
  return { thread, existing, slug, stored, fresh, identities, knownAuthors };
}

interface Written {
  articleCreated: boolean;
  commentsCreated: number;
  authorsCreated: number;
}

/** Writes a planned thread; `tags` holds the slugs this import has made sure of already. */
async function writeThread(db: Database, tx: DbTx, plan: ThreadPlan, now: Date, tags: Set<string>): Promise<Written> {
  const { thread, stored, fresh } = plan;
  const { article, source } = thread;
  const newIdentities = [...plan.identities].filter(([identity]) => !plan.knownAuthors.has(identity));
  const authorIds = await ensureImportedAuthors(
    db,
    tx,
    newIdentities.map(([identity, author]) => ({ identity, ...author })),
  );
  for (const [identity, id] of plan.knownAuthors) authorIds.set(identity, id);
  const authorOf = (handle: string) => authorIds.get(`${source}:${handle}`)!;
  for (const tag of article.tags) {
    if (tags.has(tag.slug)) continue;
    await tx.tag.upsert({ where: { slug: tag.slug }, create: tag, update: {}, select: { id: true } });
    tags.add(tag.slug);
  }

  const target =
    plan.existing ??
    (await tx.article.create({
      data: {
        slug: plan.slug,
        title: article.title,
        body: article.body,
        sourceKey: article.sourceKey,
        // An export without a date of its own is of a published thread: published as it is imported.
        publishedAt: article.draft ? null : (article.publishedAt ?? now),
        authorId: authorOf(article.author.handle),
        tags: { connect: article.tags.map((tag) => ({ slug: tag.slug })) },
      },
      select: { id: true, lastCommentNumber: true },
    }));
  if (fresh.length === 0) return { articleCreated: plan.existing == null, commentsCreated: 0, authorsCreated: newIdentities.length };

  const numberHere = new Map<number, number>();
  for (const { record, number } of fresh) numberHere.set(record.number, number);
  const refOf = (fileNumber: number): ParentRef => {
    const row = stored.get(fileNumber);
    return row ? { id: row.id, path: row.path, depth: row.depth } : { number: numberHere.get(fileNumber)! };
  };
  const batch: NewComment[] = fresh.map(({ record, number }) => ({
    number,
    authorId: authorOf(record.author.handle),
    parent: record.parentNumber == null ? null : refOf(record.parentNumber),
    body: record.body,
    createdAt: record.createdAt ?? now,
    imported: true,
    sourceKey: record.sourceKey,
    hiddenAt: record.status === 'pending' || record.status === 'spam' ? now : null,
    deletedAt: record.status === 'deleted' ? now : null,
    quotes: quoteLinks(record.quotes).map(
      (quote): QuoteRow => ({
        quoted: (() => {
          const ref = refOf(quote.quotedNumber);
          return 'id' in ref ? { id: ref.id } : ref;
        })(),
        text: quote.text,
        start: quote.start,
        end: quote.end,
        bodyStart: quote.bodyStart,
        bodyEnd: quote.bodyEnd,
      }),
    ),
    mentionIds: record.mentions.slice(0, maxMentionsPerComment).map(authorOf),
  }));
  await insertComments(db, tx, { id: target.id, lastCommentNumber: plan.existing?.lastCommentNumber ?? 0 }, batch);
  return { articleCreated: plan.existing == null, commentsCreated: fresh.length, authorsCreated: newIdentities.length };
}

export const emptySummary = (dryRun: boolean): ImportSummary => ({
  dryRun,
  articles: { inFile: 0, created: 0, existing: 0, drafts: 0 },
  comments: { inFile: 0, created: 0, existing: 0, byStatus: { published: 0, pending: 0, spam: 0, deleted: 0 } },
  authors: { inFile: 0, created: 0 },
  pingbacks: 0,
  spamLeftOut: 0,
  orphans: 0,
  unresolvedParents: 0,
  flattened: 0,
  repliesLinked: 0,
  quotesLinked: 0,
  mentionsLinked: 0,
  unresolvedMentions: [],
  warnings: [],
  moreWarnings: 0,
});

function addReport(summary: ImportSummary, slug: string | null, report: ThreadReport): void {
  summary.pingbacks += report.pingbacks;
  summary.spamLeftOut += report.spamLeftOut;
  summary.orphans += report.orphans;
  summary.unresolvedParents += report.unresolvedParents;
  summary.flattened += report.flattened;
  for (const warning of report.warnings) {
    if (summary.warnings.length < keptWarnings) summary.warnings.push(slug === null ? warning : `${slug}: ${warning}`);
    else summary.moreWarnings++;
  }
}

/**
 * Imports threads as they are parsed, all in one transaction. Authors are counted once per
 * identity across the file.
 */
export async function importThreads(
  db: Database,
  threads: AsyncIterable<ThreadRecord> | Iterable<ThreadRecord>,
  { dryRun = false, onProgress = () => {} }: ImportOptions = {},
): Promise<ImportSummary> {
  const summary = emptySummary(dryRun);
  const identities = new Set<string>();
  const unresolved = new Set<string>();
  let done = 0;
  const now = new Date();

  const account = (plan: ThreadPlan, written: Written | null) => {
    const { thread } = plan;
    summary.articles.inFile++;
    if (plan.existing) summary.articles.existing++;
    else summary.articles.created++;
    if (thread.article.draft) summary.articles.drafts++;
    for (const identity of plan.identities.keys()) {
      if (identities.has(identity)) continue;
      identities.add(identity);
      summary.authors.inFile++;
      if (!plan.knownAuthors.has(identity)) summary.authors.created++;
    }
    summary.comments.inFile += thread.comments.length;
    for (const comment of thread.comments) summary.comments.byStatus[comment.status]++;
    summary.comments.existing += plan.stored.size;
    summary.comments.created += written?.commentsCreated ?? plan.fresh.length;
    for (const { record } of plan.fresh) {
      if (record.parentNumber != null) summary.repliesLinked++;
      summary.quotesLinked += quoteLinks(record.quotes).length;
      summary.mentionsLinked += Math.min(record.mentions.length, maxMentionsPerComment);
      for (const word of record.unresolvedMentions) if (unresolved.size < keptUnresolved) unresolved.add(word);
    }
    addReport(summary, plan.slug, thread.report);
    done += thread.comments.length;
    onProgress({ done, total: null, articles: summary.articles.inFile });
  };

  if (dryRun) {
    for await (const thread of threads) account(await planThread(db.reader, thread), null);
  } else {
    let started = false;
    await db.writeTransaction(
      async (tx) => {
        // The threads are read as they are parsed, once: a transaction the database rolled back
        // after reading began cannot run again.
        if (started) throw new Error('the import was interrupted by the database; nothing was written, run it again');
        started = true;
        const tags = new Set<string>();
        for await (const thread of threads) {
          const plan = await planThread(tx, thread, (id) => db.lockRow(tx, 'Article', id));
          account(plan, await writeThread(db, tx, plan, now, tags));
        }
      },
      { timeout: 24 * 60 * 60_000, maxWait: 60_000 },
    );
  }
  summary.unresolvedMentions = [...unresolved];
  return summary;
}

/** Imports a parsed export: its threads, then what the file held besides them. */
export async function importExport(db: Database, parsed: ParsedExport, options: ImportOptions = {}): Promise<ImportSummary> {
  const summary = await importThreads(db, parsed.threads, options);
  addReport(summary, null, parsed.report);
  return summary;
}

/** Loads one thread (the text format, the seed, tests) and says what it did for that thread. */
export async function loadThread(
  db: Database,
  thread: ThreadRecord,
  onProgress: (progress: LoadProgress) => void = () => {},
): Promise<LoadSummary> {
  const total = thread.comments.length;
  const summary = await importThreads(db, [thread], { onProgress: (p) => onProgress({ ...p, total }) });
  return {
    articleSlug: thread.article.slug,
    articleCreated: summary.articles.created === 1,
    comments: summary.comments.inFile,
    commentsCreated: summary.comments.created,
    repliesLinked: summary.repliesLinked,
    quotesLinked: summary.quotesLinked,
    mentionsLinked: summary.mentionsLinked,
    unresolvedMentions: summary.unresolvedMentions,
  };
}
