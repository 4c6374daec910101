import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { encodeCursor } from '../domain/events.js';
import { defaultPageSize, defaultThreadPageSize, maxPageSize, maxTagsPerArticle, maxThreadPageSize } from '../domain/limits.js';
import { visibleArticles } from '../domain/visibility.js';
import * as relations from '../read/relations.js';
import { Comment, CommentConnection } from './comment.js';
import { pagedField, pageSizes, threadPageSizes } from './connections.js';
import { CommentOrder } from './order.js';

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
    commentCount: t.exposeInt('commentCount', {
      description: 'Its published comments, replies and tombstones included (not those waiting for review or rejected).',
    }),
    liveCursor: t.string({
      description:
        'Where the article’s events stood when it was read: pass it as `after` to commentAdded or commentChanged to hear of every change after this read, none missed (one made while the rest of the answer was read may arrive as well).',
      select: { lastEventSeq: true },
      resolve: (article) => encodeCursor(article.id, article.lastEventSeq),
    }),
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
        relation: (
          { orderBy, topLevelOnly }: { orderBy?: relations.CommentOrder | null; topLevelOnly?: boolean | null },
          { viewer }: Context,
        ) => relations.articleComments(orderBy, topLevelOnly ?? false, viewer),
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
      ...pagedField({
        typeName: 'Comment',
        sizes: threadPageSizes,
        relation: (_args, { viewer }: Context) => relations.articleThread(viewer),
      }),
    },
    CommentConnection,
  ),
);

builder.prismaObjectField('Article', 'comment', (t) =>
  t.prismaField({
    type: 'Comment',
    nullable: true,
    description: 'The comment with this number (a `#comment-N` link names it), or null when there is none.',
    args: { number: t.arg.int({ required: true }) },
    resolve: (query, article, { number }, { db }) =>
      db.reader.comment.findUnique({ ...query, where: { articleId_number: { articleId: article.id, number } } }),
  }),
);

builder.queryFields((t) => ({
  article: t.prismaField({
    type: 'Article',
    nullable: true,
    description: 'The article with this slug, or null when there is none (or it is not published yet).',
    args: { slug: t.arg.string({ required: true }) },
    resolve: (query, _root, { slug }, { db, viewer }) =>
      db.reader.article.findFirst({ ...query, where: { slug, ...visibleArticles(viewer) } }),
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
