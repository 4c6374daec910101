import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { prisma } from '../db.js';
import { createArticle, setArticleLocked, setArticleTagged, updateArticle } from '../domain/articles.js';
import { defaultPageSize, defaultThreadPageSize, maxPageSize, maxTagsPerArticle, maxThreadPageSize } from '../domain/limits.js';
import { visibleArticles } from '../domain/visibility.js';
import * as relations from '../read/relations.js';
import { Comment, CommentConnection } from './comment.js';
import { pagedField, pageSizes, threadPageSizes } from './connections.js';
import { writeErrors } from './errors.js';
import { inputId } from './ids.js';
import { CommentOrder } from './order.js';
import { writeMutation } from './write-mutation.js';

export const Article = builder.prismaNode('Article', {
  id: { field: 'id' },
  // Drafts and scheduled articles exist for administrators only.
  findUnique: (id, { viewer }) => ({ id: Number(id), ...visibleArticles(viewer) }),
  // node(id:) answers null for a row that is not there.
  nullable: true,
  fields: (t) => ({
    slug: t.exposeString('slug'),
    title: t.exposeString('title'),
    body: t.exposeString('body'),
    publishedAt: t.expose('publishedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the article is (or was) published; readers see it from then on. Null for a draft.',
    }),
    author: t.relation('author'),
    tags: t.relation('tags', {
      extensions: { threadline: { maxItems: maxTagsPerArticle } },
      description: `The tags it is filed under, by name (at most ${maxTagsPerArticle}).`,
      query: { orderBy: { name: 'asc' }, take: maxTagsPerArticle },
    }),
    commentCount: t.relationCount('comments', { description: 'All comments of the article, replies included.' }),
    commentsLocked: t.exposeBoolean('commentsLocked', {
      description: 'No new comments, and no edits of old ones (deleting stays possible); moderators lock and unlock.',
    }),
  }),
});

export const ArticleConnection = builder.connectionObject({ type: Article, name: 'ArticleConnection' });

builder.prismaObjectField('Article', 'comments', (t) =>
  t.connection(
    {
      type: Comment,
      description: `The article's comments: pages of at most ${maxPageSize} (${defaultPageSize} by default).`,
      args: {
        orderBy: t.arg({ type: CommentOrder, defaultValue: 'OLDEST' }),
        topLevelOnly: t.arg.boolean({ defaultValue: false, description: 'Only comments that reply to nobody.' }),
      },
      ...pagedField({
        typeName: 'Comment',
        sizes: pageSizes,
        relation: ({ orderBy, topLevelOnly }: { orderBy?: relations.CommentOrder | null; topLevelOnly?: boolean | null }) =>
          relations.articleComments(orderBy, topLevelOnly ?? false),
      }),
    },
    CommentConnection,
  ),
);

builder.prismaObjectField('Article', 'thread', (t) =>
  t.connection(
    {
      type: Comment,
      description: `The whole thread, flat and depth-first: each comment followed by its replies, with its \`depth\` and \`parent\`. Pages of at most ${maxThreadPageSize} (${defaultThreadPageSize} by default), so a widget loads a large thread in a request or two.`,
      ...pagedField({ typeName: 'Comment', sizes: threadPageSizes, relation: () => relations.articleThread() }),
    },
    CommentConnection,
  ),
);

builder.queryFields((t) => ({
  article: t.prismaField({
    type: 'Article',
    nullable: true,
    description: 'The article with this slug, or null when there is none (or it is not published yet).',
    args: { slug: t.arg.string({ required: true }) },
    resolve: (query, _root, { slug }, { viewer }) => prisma.article.findFirst({ ...query, where: { slug, ...visibleArticles(viewer) } }),
  }),
  articles: t.connection(
    {
      type: Article,
      description: 'Published articles, newest first; filter by tag slug and author handle.',
      args: {
        tag: t.arg.string({ description: 'A tag slug.' }),
        author: t.arg.string({ description: 'An author handle.' }),
      },
      ...pagedField({
        typeName: 'Article',
        sizes: pageSizes,
        root: true,
        relation: (filter: { tag?: string | null; author?: string | null }, { viewer }: Context) =>
          relations.allArticles(viewer, new Date(), filter),
      }),
    },
    ArticleConnection,
  ),
}));

const articleIdInput = (name: string, description: string) =>
  builder.inputType(name, { description, fields: (t) => ({ articleId: t.id({ required: true }) }) });

const LockArticleInput = articleIdInput('LockArticleInput', 'The article whose comments to lock (moderators).');
const UnlockArticleInput = articleIdInput('UnlockArticleInput', 'The article whose comments to unlock (moderators).');

const CreateArticleInput = builder.inputType('CreateArticleInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    body: t.string({ required: true }),
    slug: t.string({ description: 'Derived from the title when left out.' }),
    publishedAt: t.field({ type: 'DateTime' }),
    tagIds: t.idList({ description: 'Tags to file the article under.' }),
  }),
});

const UpdateArticleInput = builder.inputType('UpdateArticleInput', {
  description: 'Fields left out keep their value.',
  fields: (t) => ({
    articleId: t.id({ required: true }),
    title: t.string(),
    body: t.string(),
    slug: t.string(),
    publishedAt: t.field({ type: 'DateTime' }),
  }),
});

const ArticleTagInput = builder.inputType('ArticleTagInput', {
  fields: (t) => ({ articleId: t.id({ required: true }), tagId: t.id({ required: true }) }),
});

const loadArticle = (query: object, id: number) => prisma.article.findUniqueOrThrow({ ...query, where: { id } });
const articleId = (value: string | number) => inputId(value, 'Article', 'articleId');

for (const [name, input, locked, description] of [
  ['lockArticle', LockArticleInput, true, 'Stop new comments on an article: posting then fails with ThreadLockedError.'],
  ['unlockArticle', UnlockArticleInput, false, 'Take comments on an article again.'],
] as const) {
  writeMutation(name, 'Article', input, {
    description,
    scope: 'moderator',
    errors: writeErrors.remove,
    dataField: 'article',
    load: loadArticle,
    write: (value, { viewer }) => setArticleLocked(viewer!, articleId(value.articleId), locked),
  });
}

writeMutation('createArticle', 'Article', CreateArticleInput, {
  description: 'Write an article as the signed-in administrator: readers see it from `publishedAt` on (a draft without one).',
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'article',
  load: loadArticle,
  write: (input, { viewer }) =>
    createArticle(viewer!, {
      ...input,
      tagIds: input.tagIds?.map((id, index) => inputId(id, 'Tag', `tagIds.${index}`)),
    }),
});

writeMutation('updateArticle', 'Article', UpdateArticleInput, {
  description: "Change an article's title, body, slug or publication date.",
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'article',
  load: loadArticle,
  write: ({ articleId: id, ...fields }, { viewer }) => updateArticle(viewer!, articleId(id), fields),
});

writeMutation('tagArticle', 'Article', ArticleTagInput, {
  description: 'File an article under a tag.',
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'article',
  load: loadArticle,
  write: (input, { viewer }) => setArticleTagged(viewer!, articleId(input.articleId), inputId(input.tagId, 'Tag', 'tagId'), true),
});

writeMutation('untagArticle', 'Article', ArticleTagInput, {
  description: 'Take a tag off an article.',
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'article',
  load: loadArticle,
  write: (input, { viewer }) => setArticleTagged(viewer!, articleId(input.articleId), inputId(input.tagId, 'Tag', 'tagId'), false),
});
