import { builder } from '../builder.js';
import { prisma } from '../db.js';
import type { Prisma } from '../generated/prisma/client.js';
import { createArticle, setArticleLocked, setArticleTagged, updateArticle } from '../domain/articles.js';
import './author.js';
import { writeErrors } from './errors.js';
import { decodeId, whereId } from './ids.js';
import './tag.js';
import { writeMutation } from './write-mutation.js';

export const Article = builder.prismaNode('Article', {
  id: { field: 'id' },
  findUnique: whereId('Article'),
  // node(id:) answers null for a row that is not there.
  nullable: true,
  fields: (t) => ({
    slug: t.exposeString('slug'),
    title: t.exposeString('title'),
    body: t.exposeString('body'),
    publishedAt: t.expose('publishedAt', { type: 'DateTime', nullable: true }),
    author: t.relation('author'),
    tags: t.relation('tags', { query: { orderBy: { name: 'asc' } } }),
    commentCount: t.relationCount('comments', { description: 'All comments of the article, replies included.' }),
    commentsLocked: t.exposeBoolean('commentsLocked'),
  }),
});

export const ArticleConnection = builder.connectionObject({ type: Article, name: 'ArticleConnection' });

const newestFirst: Prisma.ArticleOrderByWithRelationInput[] = [{ publishedAt: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }];

builder.prismaObjectField('Author', 'articles', (t) =>
  t.relatedConnection(
    'articles',
    { cursor: 'id', description: 'The articles this author wrote, newest first.', query: { orderBy: newestFirst }, totalCount: true },
    ArticleConnection,
  ),
);

builder.prismaObjectField('Tag', 'articles', (t) =>
  t.relatedConnection(
    'articles',
    { cursor: 'id', description: 'Articles filed under this tag, newest first.', query: { orderBy: newestFirst }, totalCount: true },
    ArticleConnection,
  ),
);

builder.queryFields((t) => ({
  article: t.prismaField({
    type: 'Article',
    nullable: true,
    description: 'The article with this slug, or null when there is none.',
    args: { slug: t.arg.string({ required: true }) },
    resolve: (query, _root, { slug }) => prisma.article.findUnique({ ...query, where: { slug } }),
  }),
  articles: t.prismaConnection(
    {
      type: 'Article',
      cursor: 'id',
      description: 'Articles, newest first; filter by tag slug and author handle.',
      args: {
        tag: t.arg.string({ description: 'A tag slug.' }),
        author: t.arg.string({ description: 'An author handle.' }),
      },
      resolve: (query, _root, args) =>
        prisma.article.findMany({
          ...query,
          where: articleFilter(args),
          orderBy: newestFirst,
        }),
      totalCount: (_root, args) => prisma.article.count({ where: articleFilter(args) }),
    },
    ArticleConnection,
  ),
}));

function articleFilter({ tag, author }: { tag?: string | null; author?: string | null }): Prisma.ArticleWhereInput {
  return {
    ...(tag != null ? { tags: { some: { slug: tag } } } : {}),
    ...(author != null ? { author: { handle: author } } : {}),
  };
}

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
const articleId = (value: string | number) => decodeId(value, 'Article', 'articleId');

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
    write: (value) => setArticleLocked(articleId(value.articleId), locked),
  });
}

writeMutation('createArticle', 'Article', CreateArticleInput, {
  description: 'Publish an article written by the signed-in administrator.',
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'article',
  load: loadArticle,
  write: (input, { viewer }) =>
    createArticle(viewer!, {
      ...input,
      tagIds: input.tagIds?.map((id, index) => decodeId(id, 'Tag', `tagIds.${index}`)),
    }),
});

writeMutation('updateArticle', 'Article', UpdateArticleInput, {
  description: "Change an article's title, body, slug or publication date.",
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'article',
  load: loadArticle,
  write: ({ articleId: id, ...fields }) => updateArticle(articleId(id), fields),
});

writeMutation('tagArticle', 'Article', ArticleTagInput, {
  description: 'File an article under a tag.',
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'article',
  load: loadArticle,
  write: (input) => setArticleTagged(articleId(input.articleId), decodeId(input.tagId, 'Tag', 'tagId'), true),
});

writeMutation('untagArticle', 'Article', ArticleTagInput, {
  description: 'Take a tag off an article.',
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'article',
  load: loadArticle,
  write: (input) => setArticleTagged(articleId(input.articleId), decodeId(input.tagId, 'Tag', 'tagId'), false),
});
