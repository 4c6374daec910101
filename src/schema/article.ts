import { builder } from '../builder.js';
import { prisma } from '../db.js';
import type { Prisma } from '../generated/prisma/client.js';
import './author.js';
import './tag.js';

export const Article = builder.prismaNode('Article', {
  id: { field: 'id' },
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
  articles: t.prismaConnection({
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
  }, ArticleConnection),
}));

function articleFilter({ tag, author }: { tag?: string | null; author?: string | null }): Prisma.ArticleWhereInput {
  return {
    ...(tag != null ? { tags: { some: { slug: tag } } } : {}),
    ...(author != null ? { author: { handle: author } } : {}),
  };
}
