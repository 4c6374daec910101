import { prismaConnectionHelpers } from '@pothos/plugin-prisma';
import { builder } from '../builder.js';
import { renderBodyHtml } from '../domain/render.js';
import './article.js';
import { Author } from './author.js';
import { CommentOrder, commentOrderBy } from './order.js';

export const Comment = builder.prismaNode('Comment', {
  id: { field: 'id' },
  // node(id:) answers null for a row that is not there.
  nullable: true,
  fields: (t) => ({
    number: t.exposeInt('number', { description: '1-based position in its article, in posting order; never reused.' }),
    article: t.relation('article'),
    author: t.relation('author'),
    body: t.string({
      description: 'The plain-text body; empty once the comment is deleted.',
      select: { body: true, deletedAt: true },
      resolve: (comment) => (comment.deletedAt ? '' : comment.body),
    }),
    bodyHtml: t.string({
      description: 'The body as sanitized HTML: paragraphs, line breaks, links, and quotes as blockquotes linking to their source.',
      select: {
        body: true,
        deletedAt: true,
        // The same arguments as the `quotes` field, so that plugin-prisma loads the relation once for both.
        quotes: { orderBy: { ordinal: 'asc' }, include: { quotedComment: { select: { number: true } } } },
      },
      resolve: (comment) =>
        comment.deletedAt
          ? ''
          : renderBodyHtml(
              comment.body,
              comment.quotes.map((quote) => ({ ...quote, quotedNumber: quote.quotedComment.number })),
            ),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    editedAt: t.expose('editedAt', { type: 'DateTime', nullable: true }),
    isDeleted: t.boolean({ select: { deletedAt: true }, resolve: (comment) => comment.deletedAt != null }),
    parent: t.relation('parent', { nullable: true, description: 'The comment this one replies to.' }),
    depth: t.exposeInt('depth', { description: '0 for a top-level comment.' }),
    replyCount: t.relationCount('replies', { description: 'Number of direct replies.' }),
    quotes: t.relation('quotes', {
      description: 'Spans of earlier comments that this comment quotes, in body order.',
      query: { orderBy: { ordinal: 'asc' } },
    }),
    revisions: t.relation('revisions', {
      description: 'Earlier bodies, oldest first (public edit history).',
      query: { orderBy: { id: 'asc' } },
    }),
  }),
});

export const CommentConnection = builder.connectionObject({ type: Comment, name: 'CommentConnection' });

builder.prismaObjectField('Comment', 'mentions', (t) =>
  t.field({
    type: [Author],
    description: 'Authors this comment mentions with @name.',
    select: (_args, _ctx, nestedSelection) => ({
      mentions: { select: { author: nestedSelection(true) }, orderBy: { id: 'asc' } },
    }),
    resolve: (comment) => comment.mentions.map((mention) => mention.author),
  }),
);

builder.prismaObjectField('Article', 'comments', (t) =>
  t.relatedConnection(
    'comments',
    {
      cursor: 'id',
      args: {
        orderBy: t.arg({ type: CommentOrder, defaultValue: 'OLDEST' }),
        topLevelOnly: t.arg.boolean({ defaultValue: false, description: 'Only comments that reply to nobody.' }),
      },
      query: ({ orderBy, topLevelOnly }) => ({
        where: topLevelOnly ? { parentId: null } : {},
        orderBy: commentOrderBy(orderBy),
      }),
      totalCount: true,
    },
    CommentConnection,
  ),
);

builder.prismaObjectField('Author', 'comments', (t) =>
  t.relatedConnection(
    'comments',
    { cursor: 'id', description: 'The comments this author wrote, newest first.', query: { orderBy: { id: 'desc' } }, totalCount: true },
    CommentConnection,
  ),
);

builder.prismaObjectField('Comment', 'replies', (t) =>
  t.relatedConnection(
    'replies',
    {
      cursor: 'id',
      description: 'Direct replies to this comment.',
      args: { orderBy: t.arg({ type: CommentOrder, defaultValue: 'OLDEST' }) },
      query: ({ orderBy }) => ({ orderBy: commentOrderBy(orderBy) }),
      totalCount: true,
    },
    CommentConnection,
  ),
);

const quotingComments = prismaConnectionHelpers(builder, 'Quote', {
  cursor: 'id',
  select: (nodeSelection) => ({ comment: nodeSelection({}) }),
  resolveNode: (quote) => quote.comment,
});

builder.prismaObjectField('Comment', 'quotedBy', (t) =>
  t.connection(
    {
      type: Comment,
      description: 'Later comments that quote this one, in posting order.',
      select: (args, ctx, nestedSelection) => ({
        _count: { select: { quotedBy: true } },
        quotedBy: { ...quotingComments.getQuery(args, ctx, nestedSelection), orderBy: { id: 'asc' } },
      }),
      resolve: (comment, args, ctx) => ({
        ...quotingComments.resolve(comment.quotedBy, args, ctx),
        totalCount: comment._count.quotedBy,
      }),
    },
    CommentConnection,
  ),
);

builder.prismaObject('CommentRevision', {
  fields: (t) => ({
    body: t.exposeString('body'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('Quote', {
  fields: (t) => ({
    comment: t.relation('comment', { description: 'The quoting comment.' }),
    quotedComment: t.relation('quotedComment', {
      description: 'The source; still there (isDeleted) after the source is deleted.',
    }),
    text: t.exposeString('text', { description: 'The quoted span as it stood when quoted.' }),
    start: t.exposeInt('start', { description: 'UTF-16 offset where the span starts in the source body as it stood when quoted.' }),
    end: t.exposeInt('end', { description: 'UTF-16 offset where the span ends in the source body as it stood when quoted.' }),
    sourceChanged: t.boolean({
      description: 'The source was edited or deleted after it was quoted.',
      select: { createdAt: true, quotedComment: { select: { editedAt: true, deletedAt: true } } },
      resolve: ({ createdAt, quotedComment: { editedAt, deletedAt } }) =>
        deletedAt != null || (editedAt != null && editedAt > createdAt),
    }),
  }),
});
