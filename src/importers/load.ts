import { type DbTx, lockRow, writeTransaction } from '../db.js';
import { childPath } from '../domain/thread.js';
import { appendEvent } from '../live/events.js';
import { type AuthorRecord, ImportFormatError, type ThreadRecord } from './records.js';

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

async function ensureAuthors(tx: DbTx, authors: readonly AuthorRecord[]): Promise<Map<string, number>> {
  const unique = [...new Map(authors.map((author) => [author.handle, author])).values()];
  const ids = new Map<string, number>();
  const existing = await tx.author.findMany({ where: { handle: { in: unique.map((a) => a.handle) } }, select: { id: true, handle: true } });
  for (const author of existing) ids.set(author.handle, author.id);
  for (const author of unique) {
    if (ids.has(author.handle)) continue;
    const created = await tx.author.create({ data: { handle: author.handle, name: author.name, bio: author.bio }, select: { id: true } });
    ids.set(author.handle, created.id);
  }
  return ids;
}

/**
 * Writes a thread in one transaction. Rows that already exist (an author's handle, a tag's
 * slug, the article's slug, a comment's number in the article) are kept as they are, so
 * loading the same thread twice changes nothing, and a longer export of it adds only the
 * new comments.
 */
export async function loadThread(thread: ThreadRecord, onProgress: (progress: LoadProgress) => void = () => {}): Promise<LoadSummary> {
  const { article, comments } = thread;
  return writeTransaction(
    async (tx) => {
      const authorIds = await ensureAuthors(tx, [article.author, ...comments.map((c) => c.author)]);
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
          publishedAt: article.publishedAt,
          authorId: authorIds.get(article.author.handle)!,
          tags: { connect: article.tags.map((tag) => ({ slug: tag.slug })) },
        },
        select: { id: true, title: true },
      });

      // Comments posted meanwhile (on PostgreSQL, by other writers) wait until this import has
      // committed, so the numbers checked below stay the article's.
      await lockRow(tx, 'Article', articleRow.id);
      const known = new Map(
        (
          await tx.comment.findMany({
            where: { articleId: articleRow.id },
            select: { id: true, number: true, path: true, depth: true, body: true, author: { select: { handle: true } } },
          })
        ).map((row) => [row.number, row]),
      );
      // The same thread again, or a longer export of it: the comments already here must be the
      // file's. Anything else (comments posted since under those numbers) is another thread.
      for (const record of comments) {
        const existing = known.get(record.number);
        if (existing && (existing.body !== record.body || existing.author.handle !== record.author.handle)) {
          throw new ImportFormatError(
            `comment ${record.number} in the file is not comment ${record.number} of "${article.title}" in the database; this file does not continue that thread, so nothing was imported`,
          );
        }
      }

      let commentsCreated = 0;
      let done = 0;
      for (const record of comments) {
        if (!known.has(record.number)) {
          const parent = record.parentNumber == null ? undefined : known.get(record.parentNumber);
          const created = await tx.comment.create({
            data: {
              articleId: articleRow.id,
              number: record.number,
              authorId: authorIds.get(record.author.handle)!,
              parentId: parent?.id ?? null,
              depth: parent ? parent.depth + 1 : 0,
              path: childPath(parent?.path, record.number),
              body: record.body,
              ...(record.createdAt ? { createdAt: record.createdAt } : {}),
            },
            select: { id: true, number: true, path: true, depth: true },
          });
          known.set(record.number, { ...created, body: record.body, author: { handle: record.author.handle } });
          await appendEvent(tx, { articleId: articleRow.id, commentId: created.id, path: created.path, kind: 'ADDED' });
          commentsCreated++;
          if (record.quotes.length > 0) {
            await tx.quote.createMany({
              data: record.quotes.map((quote, ordinal) => ({
                commentId: created.id,
                quotedCommentId: known.get(quote.quotedNumber)!.id,
                ordinal,
                text: quote.text,
                start: quote.start,
                end: quote.end,
                bodyStart: quote.bodyStart,
                bodyEnd: quote.bodyEnd,
              })),
            });
          }
          const mentionIds = record.mentions.map((handle) => authorIds.get(handle)).filter((id) => id !== undefined);
          if (mentionIds.length > 0) {
            await tx.mention.createMany({ data: mentionIds.map((authorId) => ({ commentId: created.id, authorId })) });
          }
        }
        onProgress({ done: ++done, total: comments.length });
      }

      const lastNumber = Math.max(0, ...known.keys());
      await tx.article.updateMany({
        where: { id: articleRow.id, lastCommentNumber: { lt: lastNumber } },
        data: { lastCommentNumber: lastNumber },
      });

      return {
        articleSlug: article.slug,
        articleCreated,
        comments: comments.length,
        commentsCreated,
        repliesLinked: comments.filter((c) => c.parentNumber != null).length,
        quotesLinked: comments.reduce((sum, c) => sum + c.quotes.length, 0),
        mentionsLinked: comments.reduce((sum, c) => sum + c.mentions.length, 0),
        unresolvedMentions: [...new Set(comments.flatMap((c) => c.unresolvedMentions))],
      };
    },
    { timeout: 10 * 60_000, maxWait: 30_000 },
  );
}
