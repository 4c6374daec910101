import type { Database, DbTx } from '../db.js';
import { ensureImportedAuthors } from '../domain/authors.js';
import { insertComment, type QuoteRow } from '../domain/comments.js';
import { maxMentionsPerComment, maxQuotesPerComment, maxTagsPerArticle, maxThreadDepth } from '../domain/limits.js';
import { unstorableText } from '../domain/text.js';
import { type CommentRecord, ImportFormatError, type QuoteRecord, type ThreadRecord } from './records.js';

export interface LoadProgress {
  done: number;
  total: number;
}

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

/** Text the database cannot hold is refused before anything is written, naming where it is. */
function checkStorable(thread: ThreadRecord): void {
  const check = (text: string | null, where: string) => {
    const problem = text === null ? null : unstorableText(text);
    if (problem) throw new ImportFormatError(`${where} ${problem}`);
  };
  check(thread.article.title, 'the title');
  check(thread.article.body, 'the article');
  for (const comment of thread.comments) check(comment.body, `comment ${comment.number}`);
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

/**
 * Writes a thread in one transaction. Rows that already exist (an author's import identity, a
 * tag's slug, the article's slug, a comment's number in the article) are kept as they are, so
 * loading the same thread twice changes nothing, and a longer export of it adds only the
 * new comments.
 *
 * Authors go into the import namespace (`import:<source>:<key>`): no token can write as them.
 * Comments are marked imported, which keeps their text as the archive has it.
 */
export async function loadThread(
  db: Database,
  thread: ThreadRecord,
  onProgress: (progress: LoadProgress) => void = () => {},
): Promise<LoadSummary> {
  const { article, comments, source } = thread;
  checkStorable(thread);
  if (article.tags.length > maxTagsPerArticle) {
    throw new ImportFormatError(`the article has ${article.tags.length} tags; an article has at most ${maxTagsPerArticle}`);
  }
  const identityOf = (handle: string) => `${source}:${handle}`;
  const now = new Date();
  return db.writeTransaction(
    async (tx) => {
      const people = [article.author, ...comments.map((c) => c.author)];
      const authorIds = await ensureImportedAuthors(
        tx,
        [...new Map(people.map((author) => [author.handle, author])).values()].map((author) => ({
          identity: identityOf(author.handle),
          name: author.name,
          bio: author.bio,
        })),
      );
      const authorOf = (handle: string) => authorIds.get(identityOf(handle))!;
      for (const tag of article.tags) {
        await tx.tag.upsert({ where: { slug: tag.slug }, create: tag, update: {}, select: { id: true } });
      }

      let articleRow = await tx.article.findUnique({ where: { slug: article.slug }, select: { id: true, title: true } });
      if (articleRow && articleRow.title !== article.title) {
        throw new ImportFormatError(
          `the article's slug "${article.slug}" belongs to another article already ("${articleRow.title}"); nothing was imported`,
        );
      }
      const articleCreated = articleRow == null;
      articleRow ??= await tx.article.create({
        data: {
          slug: article.slug,
          title: article.title,
          body: article.body,
          // An export is of a published thread: without a date of its own, it is published as it is imported.
          publishedAt: article.publishedAt ?? now,
          authorId: authorOf(article.author.handle),
          tags: { connect: article.tags.map((tag) => ({ slug: tag.slug })) },
        },
        select: { id: true, title: true },
      });

      // Comments posted meanwhile (on PostgreSQL, by other writers) wait until this import has
      // committed, so the numbers checked below stay the article's.
      await db.lockRow(tx, 'Article', articleRow.id);
      const known = new Map((await existingComments(tx, articleRow.id)).map((row) => [row.number, row]));
      // The same thread again, or a longer export of it: the comments already here must be the
      // file's. Anything else (comments posted since under those numbers) is another thread.
      for (const record of comments) {
        const existing = known.get(record.number);
        if (existing && (existing.body !== record.body || existing.authorId !== authorOf(record.author.handle))) {
          throw new ImportFormatError(
            `comment ${record.number} in the file is not comment ${record.number} of "${article.title}" in the database; this file does not continue that thread, so nothing was imported`,
          );
        }
      }

      const created: CommentRecord[] = [];
      let done = 0;
      for (const record of comments) {
        if (!known.has(record.number)) {
          const parent = record.parentNumber == null ? null : (known.get(record.parentNumber) ?? null);
          if (parent && parent.depth >= maxThreadDepth) {
            throw new ImportFormatError(
              `comment ${record.number} replies ${maxThreadDepth + 1} levels deep; threads nest at most ${maxThreadDepth} levels, so nothing was imported`,
            );
          }
          const quotes: QuoteRow[] = quoteLinks(record.quotes).map((quote) => ({
            quotedCommentId: known.get(quote.quotedNumber)!.id,
            text: quote.text,
            start: quote.start,
            end: quote.end,
            bodyStart: quote.bodyStart,
            bodyEnd: quote.bodyEnd,
          }));
          const inserted = await insertComment(tx, {
            articleId: articleRow.id,
            number: record.number,
            authorId: authorOf(record.author.handle),
            parent,
            body: record.body,
            ...(record.createdAt ? { createdAt: record.createdAt } : {}),
            imported: true,
            quotes,
            mentionIds: record.mentions.slice(0, maxMentionsPerComment).map(authorOf),
          });
          known.set(record.number, {
            id: inserted.id,
            number: record.number,
            path: inserted.path,
            depth: inserted.depth,
            body: record.body,
            authorId: authorOf(record.author.handle),
          });
          created.push(record);
        }
        onProgress({ done: ++done, total: comments.length });
      }

      const lastNumber = Math.max(0, ...known.keys());
      await tx.article.updateMany({
        where: { id: articleRow.id, lastCommentNumber: { lt: lastNumber } },
        data: { lastCommentNumber: lastNumber },
      });
      if (created.length > 0)
        await tx.article.update({ where: { id: articleRow.id }, data: { commentCount: { increment: created.length } } });

      // What this run wrote: a second run of the same file links nothing.
      return {
        articleSlug: article.slug,
        articleCreated,
        comments: comments.length,
        commentsCreated: created.length,
        repliesLinked: created.filter((c) => c.parentNumber != null).length,
        quotesLinked: created.reduce((sum, c) => sum + quoteLinks(c.quotes).length, 0),
        mentionsLinked: created.reduce((sum, c) => sum + Math.min(c.mentions.length, maxMentionsPerComment), 0),
        unresolvedMentions: [...new Set(created.flatMap((c) => c.unresolvedMentions))],
      };
    },
    { timeout: 10 * 60_000, maxWait: 30_000 },
  );
}

const existingComments = (tx: DbTx, articleId: number) =>
  tx.comment.findMany({
    where: { articleId },
    select: { id: true, number: true, path: true, depth: true, body: true, authorId: true },
  });
