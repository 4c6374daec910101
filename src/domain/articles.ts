/** Moderating and administering articles and tags; each write in one transaction. */
import type { Viewer } from '../auth.js';
import type { Database, DbTx } from '../db.js';
import { slugify } from './slugs.js';
import { ensureAuthor } from './authors.js';
import { NotFoundError, ValidationError } from './errors.js';
import { maxTagsPerArticle } from './limits.js';
import { recordModeration } from './moderation-log.js';
import { unacceptableProse } from './text.js';
import { showsArticle } from './visibility.js';

const slugPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function checkText(value: string, field: string, max: number): string {
  const text = value.trim();
  if (text === '') throw new ValidationError(field, `\`${field}\` must not be empty.`);
  const problem = unacceptableProse(text);
  if (problem) throw new ValidationError(field, `\`${field}\` ${problem}`);
  if ([...text].length > max) throw new ValidationError(field, `\`${field}\` must be at most ${max} characters long.`);
  return text;
}

function checkSlug(value: string | null | undefined, fallbackFrom: string, field: string): string {
  const slug = value ?? slugify(fallbackFrom);
  if (!slugPattern.test(slug) || slug.length > 200) {
    throw new ValidationError(field, '`slug` must be lowercase letters and digits separated by single hyphens.');
  }
  return slug;
}

/** The article, if `viewer` may see it: drafts exist for administrators only. */
async function articleExists(tx: DbTx, articleId: number, viewer: Viewer) {
  const article = await tx.article.findUnique({ where: { id: articleId }, select: { id: true, publishedAt: true } });
  if (!article || !showsArticle(article, viewer)) throw new NotFoundError('The article does not exist.');
}

async function tagExists(tx: DbTx, tagId: number) {
  const tag = await tx.tag.findUnique({ where: { id: tagId }, select: { id: true } });
  if (!tag) throw new NotFoundError('The tag does not exist.');
}

export async function setArticleLocked(
  db: Database,
  viewer: Viewer,
  articleId: number,
  locked: boolean,
  now = new Date(),
): Promise<number> {
  return db.writeTransaction(async (tx) => {
    await articleExists(tx, articleId, viewer);
    const { count } = await tx.article.updateMany({ where: { id: articleId, commentsLocked: !locked }, data: { commentsLocked: locked } });
    if (count > 0) await recordModeration(tx, viewer, { kind: locked ? 'LOCK' : 'UNLOCK', articleId }, now);
    return articleId;
  });
}

export interface ArticleFields {
  slug?: string | null;
  title?: string | null;
  body?: string | null;
  publishedAt?: Date | null;
}

export async function createArticle(
  db: Database,
  viewer: Viewer,
  input: ArticleFields & { title: string; body: string; tagIds?: number[] | null },
): Promise<number> {
  const title = checkText(input.title, 'title', 300);
  const body = checkText(input.body, 'body', 200_000);
  const slug = checkSlug(input.slug, title, 'slug');
  return db.writeTransaction(async (tx) => {
    if (await tx.article.findUnique({ where: { slug }, select: { id: true } })) {
      throw new ValidationError('slug', `An article with the slug "${slug}" exists already.`);
    }
    const tagIds = [...new Set(input.tagIds ?? [])];
    if (tagIds.length > maxTagsPerArticle) {
      throw new ValidationError('tagIds', `An article has at most ${maxTagsPerArticle} tags; got ${tagIds.length}.`);
    }
    if (tagIds.length > 0 && (await tx.tag.count({ where: { id: { in: tagIds } } })) !== tagIds.length) {
      throw new NotFoundError('A tag in `tagIds` does not exist.');
    }
    const author = await ensureAuthor(tx, viewer);
    const created = await tx.article.create({
      data: {
        slug,
        title,
        body,
        publishedAt: input.publishedAt ?? null,
        authorId: author.id,
        tags: { connect: tagIds.map((id) => ({ id })) },
      },
      select: { id: true },
    });
    return created.id;
  });
}

export async function updateArticle(db: Database, viewer: Viewer, articleId: number, input: ArticleFields): Promise<number> {
  const data = {
    ...(input.title != null ? { title: checkText(input.title, 'title', 300) } : {}),
    ...(input.body != null ? { body: checkText(input.body, 'body', 200_000) } : {}),
    ...(input.slug != null ? { slug: checkSlug(input.slug, '', 'slug') } : {}),
    ...(input.publishedAt !== undefined ? { publishedAt: input.publishedAt } : {}),
  };
  return db.writeTransaction(async (tx) => {
    await articleExists(tx, articleId, viewer);
    if (data.slug) {
      const other = await tx.article.findUnique({ where: { slug: data.slug }, select: { id: true } });
      if (other && other.id !== articleId) throw new ValidationError('slug', `An article with the slug "${data.slug}" exists already.`);
    }
    await tx.article.update({ where: { id: articleId }, data });
    return articleId;
  });
}

export async function createTag(db: Database, input: { name: string; slug?: string | null }): Promise<number> {
  const name = checkText(input.name, 'name', 100);
  const slug = checkSlug(input.slug, name, 'slug');
  return db.writeTransaction(async (tx) => {
    if (await tx.tag.findUnique({ where: { slug }, select: { id: true } })) {
      throw new ValidationError('slug', `A tag with the slug "${slug}" exists already.`);
    }
    return (await tx.tag.create({ data: { slug, name }, select: { id: true } })).id;
  });
}

export async function updateTag(db: Database, tagId: number, input: { name: string }): Promise<number> {
  const name = checkText(input.name, 'name', 100);
  return db.writeTransaction(async (tx) => {
    await tagExists(tx, tagId);
    await tx.tag.update({ where: { id: tagId }, data: { name } });
    return tagId;
  });
}

export async function setArticleTagged(db: Database, viewer: Viewer, articleId: number, tagId: number, tagged: boolean): Promise<number> {
  return db.writeTransaction(async (tx) => {
    await articleExists(tx, articleId, viewer);
    await tagExists(tx, tagId);
    if (tagged) {
      await db.lockRow(tx, 'Article', articleId);
      const { _count } = await tx.article.findUniqueOrThrow({ where: { id: articleId }, select: { _count: { select: { tags: true } } } });
      const already = await tx.article.count({ where: { id: articleId, tags: { some: { id: tagId } } } });
      if (!already && _count.tags >= maxTagsPerArticle) {
        throw new ValidationError('tagId', `An article has at most ${maxTagsPerArticle} tags; take one off first.`);
      }
    }
    await tx.article.update({
      where: { id: articleId },
      data: { tags: tagged ? { connect: { id: tagId } } : { disconnect: { id: tagId } } },
    });
    return articleId;
  });
}
