import { queryFromInfo } from '@pothos/plugin-prisma';
import { GraphQLError } from 'graphql';
import { builder } from '../builder.js';
import { defaultPageSize, maxPageSize, maxThreadDepth } from '../domain/limits.js';
import { pathNumbers } from '../domain/thread.js';
import { visibleArticles } from '../domain/visibility.js';
import type { Prisma } from '../generated/prisma/client.js';
import { CommentConnection } from './comment.js';
import { encodeCursor } from './connections.js';
import { argumentId } from './ids.js';

interface PermalinkShape {
  commentId: number;
  articleId: number;
  ancestorNumbers: number[];
  pageIndex: number;
  pageSize: number;
}

const Permalink = builder.objectRef<PermalinkShape>('Permalink').implement({
  description: 'Everything a page needs to show one comment in place: its thread, and the page of top-level comments that holds it.',
  fields: (t) => ({
    comment: t.prismaField({
      type: 'Comment',
      resolve: (query, { commentId }, _args, { db }) => db.reader.comment.findUniqueOrThrow({ ...query, where: { id: commentId } }),
    }),
    ancestors: t.prismaField({
      type: ['Comment'],
      description: `The comment's ancestors, from its top-level comment down to its parent (at most ${maxThreadDepth}).`,
      extensions: { threadline: { maxItems: maxThreadDepth } },
      resolve: (query, { articleId, ancestorNumbers }, _args, { db }) =>
        db.reader.comment.findMany({
          ...query,
          where: { articleId, number: { in: ancestorNumbers } },
          orderBy: { depth: 'asc' },
        }),
    }),
    page: t.int({
      description: '1-based number of the page of top-level comments (oldest first) that holds the comment.',
      resolve: ({ pageIndex }) => pageIndex + 1,
    }),
    comments: t.field({
      type: CommentConnection,
      // Its size is the permalink's pageSize, counted at its largest.
      extensions: { threadline: { pageSizes: { default: maxPageSize, max: maxPageSize } } },
      description:
        'That page of top-level comments, oldest first. Its cursors work with Article.comments(topLevelOnly: true), so a client pages on from here in either direction.',
      resolve: async ({ articleId, pageIndex, pageSize }, _args, context, info) => {
        const where: Prisma.CommentWhereInput = { articleId, parentId: null };
        const query = queryFromInfo({ context, info, typeName: 'Comment', path: ['edges', 'node'] }) as {
          select?: Prisma.CommentSelect;
          include?: Prisma.CommentInclude;
        };
        const page = { where, orderBy: { number: 'asc' as const }, skip: pageIndex * pageSize, take: pageSize + 1 };
        const rows = query.select
          ? await context.db.reader.comment.findMany({ ...page, select: { ...query.select, id: true } })
          : await context.db.reader.comment.findMany({ ...page, include: query.include ?? {} });
        const edges = rows.slice(0, pageSize).map((node) => ({ cursor: encodeCursor(node.id), node }));
        return {
          edges,
          pageInfo: {
            hasPreviousPage: pageIndex > 0,
            hasNextPage: rows.length > pageSize,
            startCursor: edges[0]?.cursor ?? null,
            endCursor: edges[edges.length - 1]?.cursor ?? null,
          },
          totalCount: () => context.db.reader.comment.count({ where }),
        };
      },
    }),
  }),
});

builder.queryField('permalink', (t) =>
  t.field({
    type: Permalink,
    nullable: true,
    description:
      'For a link to one comment (#comment-N): the comment, its ancestors and the page of top-level comments holding it. Null when the comment does not exist.',
    args: {
      commentId: t.arg.id({ required: true }),
      pageSize: t.arg.int({ defaultValue: defaultPageSize, description: `Top-level comments per page, at most ${maxPageSize}.` }),
    },
    resolve: async (_root, { commentId, pageSize }, { db, viewer }) => {
      const size = pageSize ?? defaultPageSize;
      if (size < 1 || size > maxPageSize) {
        throw new GraphQLError(`"pageSize" must be between 1 and ${maxPageSize}; got ${size}.`, { extensions: { code: 'BAD_USER_INPUT' } });
      }
      const comment = await db.reader.comment.findFirst({
        where: { id: argumentId(commentId, 'Comment', 'commentId'), article: visibleArticles(viewer) },
        select: { id: true, articleId: true, path: true },
      });
      if (!comment) return null;
      const numbers = pathNumbers(comment.path);
      const rootNumber = numbers[0]!;
      const before = await db.reader.comment.count({
        where: { articleId: comment.articleId, parentId: null, number: { lt: rootNumber } },
      });
      return {
        commentId: comment.id,
        articleId: comment.articleId,
        ancestorNumbers: numbers.slice(0, -1),
        pageIndex: Math.floor(before / size),
        pageSize: size,
      };
    },
  }),
);
