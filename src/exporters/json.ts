/**
 * Threadline's own export: everything a database holds about its threads, as JSON that imports
 * into an empty database with the same API answers (`npm run import -- file.json`). Written as a
 * stream, a page of rows at a time, so its size is bounded by nothing but the disk:
 *
 *   {"format":"threadline","version":1,"exportedAt":"…",
 *   "authors":[ {author}, … ],
 *   "tags":[ {tag}, … ],
 *   "articles":[ {article, with its "comments":[…]}, … ]}
 *
 * Authors are named by handle (an imported author's `import:<source>:<key>` included, with its
 * identities); comments by their number in the article; quotes, parents and mentions refer to
 * those. No email is held anywhere, so none is exported.
 */
import type { Database } from '../db.js';

export const exportFormat = 'threadline';
export const exportVersion = 1;

export interface ExportedAuthor {
  handle: string;
  name: string;
  bio: string | null;
  role: 'AUTHOR' | 'MODERATOR' | 'ADMIN';
  createdAt: string;
  identities: string[];
}

export interface ExportedComment {
  number: number;
  author: string;
  parent: number | null;
  body: string;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  hiddenAt: string | null;
  imported: boolean;
  sourceKey: string | null;
  revisions: { body: string; createdAt: string }[];
  quotes: {
    comment: number;
    text: string;
    start: number;
    end: number;
    bodyStart: number | null;
    bodyEnd: number | null;
    createdAt: string;
  }[];
  mentions: string[];
}

export interface ExportedArticle {
  slug: string;
  title: string;
  body: string;
  publishedAt: string | null;
  author: string;
  tags: string[];
  commentsLocked: boolean;
  sourceKey: string | null;
  createdAt: string;
  comments: ExportedComment[];
}

export interface ExportOptions {
  /** Only this article (and the authors and tags it needs). */
  articleSlug?: string;
  onProgress?: (progress: { articles: number; comments: number }) => void;
}

/** A sink that waits when it is full: `write` resolves once the text may be written on. */
export type Sink = (text: string) => Promise<void>;

const iso = (date: Date | null) => (date === null ? null : date.toISOString());
const page = 1000;

/** Ids of the articles to export, in id order. */
async function articleIds(db: Database, slug: string | undefined): Promise<number[]> {
  const rows = await db.reader.article.findMany({
    where: slug === undefined ? {} : { slug },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  if (slug !== undefined && rows.length === 0) throw new Error(`no article has the slug "${slug}"`);
  return rows.map((row) => row.id);
}

/** One article's comments, a page at a time, with what hangs off each. */
async function* commentsOf(db: Database, articleId: number): AsyncGenerator<ExportedComment> {
  for (let after = 0; ; ) {
    const rows = await db.reader.comment.findMany({
      where: { articleId, number: { gt: after } },
      orderBy: { number: 'asc' },
      take: page,
      include: {
        author: { select: { handle: true } },
        parent: { select: { number: true } },
        revisions: { orderBy: { id: 'asc' }, select: { body: true, createdAt: true } },
        quotes: { orderBy: { ordinal: 'asc' }, include: { quotedComment: { select: { number: true } } } },
        mentions: { orderBy: { id: 'asc' }, include: { author: { select: { handle: true } } } },
      },
    });
    for (const row of rows) {
      yield {
        number: row.number,
        author: row.author.handle,
        parent: row.parent?.number ?? null,
        body: row.body,
        createdAt: row.createdAt.toISOString(),
        editedAt: iso(row.editedAt),
        deletedAt: iso(row.deletedAt),
        hiddenAt: iso(row.hiddenAt),
        imported: row.imported,
        sourceKey: row.sourceKey,
        revisions: row.revisions.map((r) => ({ body: r.body, createdAt: r.createdAt.toISOString() })),
        quotes: row.quotes.map((q) => ({
          comment: q.quotedComment.number,
          text: q.text,
          start: q.start,
          end: q.end,
          bodyStart: q.bodyStart,
          bodyEnd: q.bodyEnd,
          createdAt: q.createdAt.toISOString(),
        })),
        mentions: row.mentions.map((m) => m.author.handle),
      };
    }
    if (rows.length < page) return;
    after = rows[rows.length - 1]!.number;
  }
}

/** Writes the export to `sink`; returns how many articles and comments it holds. */
export async function exportJson(db: Database, sink: Sink, { articleSlug, onProgress = () => {} }: ExportOptions = {}) {
  const ids = await articleIds(db, articleSlug);
  // The authors and tags the articles need: all of them for a whole export.
  const authorWhere =
    articleSlug === undefined
      ? {}
      : {
          OR: [
            { articles: { some: { id: { in: ids } } } },
            { comments: { some: { articleId: { in: ids } } } },
            { mentions: { some: { comment: { articleId: { in: ids } } } } },
          ],
        };
  await sink(
    `{"format":${JSON.stringify(exportFormat)},"version":${exportVersion},"exportedAt":${JSON.stringify(new Date().toISOString())},\n"authors":[`,
  );
  let first = true;
  for (let after = 0; ; ) {
    const authors = await db.reader.author.findMany({
      where: { ...authorWhere, id: { gt: after } },
      orderBy: { id: 'asc' },
      take: page,
      include: { importedIdentities: { select: { key: true }, orderBy: { key: 'asc' } } },
    });
    for (const author of authors) {
      const exported: ExportedAuthor = {
        handle: author.handle,
        name: author.name,
        bio: author.bio,
        role: author.role,
        createdAt: author.createdAt.toISOString(),
        identities: author.importedIdentities.map((i) => i.key),
      };
      await sink(`${first ? '' : ','}\n${JSON.stringify(exported)}`);
      first = false;
    }
    if (authors.length < page) break;
    after = authors[authors.length - 1]!.id;
  }

  const tags = await db.reader.tag.findMany({
    where: articleSlug === undefined ? {} : { articles: { some: { id: { in: ids } } } },
    orderBy: { id: 'asc' },
    select: { slug: true, name: true },
  });
  await sink(`\n],\n"tags":[${tags.map((tag) => `\n${JSON.stringify(tag)}`).join(',')}\n],\n"articles":[`);

  let comments = 0;
  for (const [index, id] of ids.entries()) {
    const article = await db.reader.article.findUniqueOrThrow({
      where: { id },
      include: { author: { select: { handle: true } }, tags: { select: { slug: true }, orderBy: { id: 'asc' } } },
    });
    const head: Omit<ExportedArticle, 'comments'> = {
      slug: article.slug,
      title: article.title,
      body: article.body,
      publishedAt: iso(article.publishedAt),
      author: article.author.handle,
      tags: article.tags.map((t) => t.slug),
      commentsLocked: article.commentsLocked,
      sourceKey: article.sourceKey,
      createdAt: article.createdAt.toISOString(),
    };
    // The article's fields, then its comments one line each, then the closing brackets.
    await sink(`${index === 0 ? '' : ','}\n${JSON.stringify(head).slice(0, -1)},"comments":[`);
    let firstComment = true;
    for await (const comment of commentsOf(db, id)) {
      await sink(`${firstComment ? '' : ','}\n${JSON.stringify(comment)}`);
      firstComment = false;
      comments++;
      if (comments % page === 0) onProgress({ articles: index, comments });
    }
    await sink(']}');
    onProgress({ articles: index + 1, comments });
  }
  await sink('\n]}\n');
  return { articles: ids.length, comments };
}
