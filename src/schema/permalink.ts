import { formatPrismaCursor, queryFromInfo } from '@pothos/plugin-prisma';
import { GraphQLError } from 'graphql';
import { builder } from '../builder.js';
import { prisma } from '../db.js';
import type { Prisma } from '../generated/prisma/client.js';
import { pathNumbers } from '../domain/thread.js';
import { Comment, CommentConnection } from './comment.js';

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
      resolve: (query, { commentId }) => prisma.comment.findUniqueOrThrow({ ...query, where: { id: commentId } }),
    }),
    ancestors: t.prismaField({
      type: ['Comment'],
      description: "The comment's ancestors, from its top-level comment down to its parent.",
      resolve: (query, { articleId, ancestorNumbers }) =>
        prisma.comment.findMany({
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
          ? await prisma.comment.findMany({ ...page, select: { ...query.select, id: true } })
          : await prisma.comment.findMany({ ...page, include: query.include ?? {} });
        const edges = rows.slice(0, pageSize).map((node) => ({ cursor: formatPrismaCursor(node, 'id'), node }));
        return {
          edges,
          pageInfo: {
            hasPreviousPage: pageIndex > 0,
            hasNextPage: rows.length > pageSize,
            startCursor: edges[0]?.cursor ?? null,
            endCursor: edges[edges.length - 1]?.cursor ?? null,
          },
          totalCount: () => prisma.comment.count({ where }),
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
      commentId: t.arg.globalID({ required: true, for: Comment }),
      pageSize: t.arg.int({ defaultValue: 20, description: 'Top-level comments per page, at most 100.' }),
    },
    resolve: async (_root, { commentId, pageSize }) => {
      const size = pageSize ?? 20;
      if (size < 1 || size > 100) {
        throw new GraphQLError(`"pageSize" must be between 1 and 100; got ${size}.`, { extensions: { code: 'BAD_USER_INPUT' } });
      }
      const id = Number(commentId.id);
      if (!Number.isSafeInteger(id) || id < 1) {
        throw new GraphQLError(`"${commentId.id}" is not a comment ID.`, { extensions: { code: 'BAD_USER_INPUT' } });
      }
      const comment = await prisma.comment.findUnique({
        where: { id },
        select: { id: true, articleId: true, path: true },
      });
      if (!comment) return null;
      const numbers = pathNumbers(comment.path);
      const rootNumber = numbers[0]!;
      const before = await prisma.comment.count({
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
