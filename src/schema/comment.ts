import { builder } from '../builder.js';
import { defaultPageSize, maxMentionsPerComment, maxPageSize, maxQuotesPerComment } from '../domain/limits.js';
import { renderBodyHtml } from '../domain/render.js';
import { isModerator, showsComment, showsQuotedText, visibleArticles } from '../domain/visibility.js';
import * as relations from '../read/relations.js';
import { Author } from './author.js';
import { CommentRevision, CommentRevisionConnection } from './comment-revision.js';
import { emptyConnection, pagedField, pageSizes } from './connections.js';
import { CommentOrder } from './order.js';
import { Quote } from './quote.js';

export const Comment = builder.prismaNode('Comment', {
  id: { field: 'id' },
  // A comment exists for a reader only if its article does: drafts' comments are the administrators'.
  findUnique: (id, { viewer }) => ({ id: Number(id), article: visibleArticles(viewer) }),
  // node(id:) answers null for a row that is not there.
  nullable: true,
  fields: (t) => ({
    number: t.exposeInt('number', { description: '1-based position in its article, in posting order; never reused.' }),
    article: t.relation('article'),
    author: t.relation('author'),
    body: t.string({
      description: 'The plain-text body; empty once the comment is deleted (or hidden, to all but moderators).',
      // No `select`: Comment rows load in include mode with every column, and a field with a
      // selection pays plugin-prisma's per-row "was it loaded?" check (measured: S1 −20%).
      resolve: (comment, _args, { viewer }) => (showsComment(comment, viewer) ? comment.body : ''),
    }),
    bodyHtml: t.string({
      description: 'The body as sanitized HTML: paragraphs, line breaks, links, and quotes as blockquotes linking to their source.',
      select: {
        body: true,
        deletedAt: true,
        hiddenAt: true,
        // The same arguments as the `quotes` field, so that plugin-prisma loads the relation once for both.
        quotes: {
          orderBy: { ordinal: 'asc' },
          take: maxQuotesPerComment,
          include: { quotedComment: { select: { number: true, hiddenAt: true } } },
        },
      },
      resolve: (comment, _args, { viewer }) =>
        showsComment(comment, viewer)
          ? renderBodyHtml(
              comment.body,
              comment.quotes.map((quote) => ({
                bodyStart: quote.bodyStart,
                bodyEnd: quote.bodyEnd,
                quotedNumber: quote.quotedComment.number,
                text: showsQuotedText(quote.quotedComment, viewer) ? quote.text : '',
              })),
            )
          : '',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    editedAt: t.expose('editedAt', { type: 'DateTime', nullable: true }),
    isDeleted: t.boolean({
      description:
        'Deleted by its author or a moderator (or hidden, to all but moderators): a tombstone that keeps its number and replies.',
      resolve: (comment, _args, { viewer }) => !showsComment(comment, viewer),
    }),
    editableUntil: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'Until when its author may edit it (while its thread takes comments); null for a tombstone and for an imported comment, which keeps the words of its archive.',
      resolve: (comment, _args, { viewer, writeLimits }) =>
        comment.imported || !showsComment(comment, viewer)
          ? null
          : new Date(comment.createdAt.getTime() + writeLimits.editWindowSeconds * 1000),
    }),
    isHidden: t.boolean({
      description: 'Hidden by a moderator. Only moderators see true here; everyone else sees a deleted comment.',
      resolve: (comment, _args, { viewer }) => comment.hiddenAt != null && isModerator(viewer),
    }),
    parent: t.relation('parent', { nullable: true, description: 'The comment this one replies to.' }),
    depth: t.exposeInt('depth', { description: '0 for a top-level comment.' }),
    replyCount: t.exposeInt('replyCount', { description: 'Number of direct replies.' }),
    quotes: t.field({
      type: [Quote],
      extensions: { threadline: { maxItems: maxQuotesPerComment } },
      description: `Spans of earlier comments that this comment quotes, in body order (at most ${maxQuotesPerComment}); empty while the comment is a tombstone.`,
      select: (_args, _ctx, nestedSelection) => ({
        deletedAt: true,
        hiddenAt: true,
        quotes: nestedSelection({ orderBy: { ordinal: 'asc' }, take: maxQuotesPerComment }),
      }),
      resolve: (comment, _args, { viewer }) => (showsComment(comment, viewer) ? comment.quotes : []),
    }),
    mentions: t.field({
      type: [Author],
      extensions: { threadline: { maxItems: maxMentionsPerComment } },
      description: `Authors this comment mentions with @handle (at most ${maxMentionsPerComment}); empty while the comment is a tombstone.`,
      select: (_args, _ctx, nestedSelection) => ({
        deletedAt: true,
        hiddenAt: true,
        mentions: { select: { author: nestedSelection(true) }, orderBy: { id: 'asc' }, take: maxMentionsPerComment },
      }),
      resolve: (comment, _args, { viewer }) => (showsComment(comment, viewer) ? comment.mentions.map((mention) => mention.author) : []),
    }),
  }),
});

export const CommentConnection = builder.connectionObject({ type: Comment, name: 'CommentConnection' });

builder.prismaObjectField('Comment', 'replies', (t) =>
  t.connection(
    {
      type: Comment,
      description: `Direct replies to this comment: pages of at most ${maxPageSize} (${defaultPageSize} by default).`,
      args: { orderBy: t.arg({ type: CommentOrder, defaultValue: 'OLDEST' }) },
      ...pagedField({
        typeName: 'Comment',
        sizes: pageSizes,
        relation: ({ orderBy }: { orderBy?: relations.CommentOrder | null }) => relations.replies(orderBy),
      }),
    },
    CommentConnection,
  ),
);

builder.prismaObjectField('Comment', 'quotedBy', (t) =>
  t.connection(
    {
      type: Comment,
      description: 'Later comments that quote this one, each once, in posting order.',
      ...pagedField({ typeName: 'Comment', sizes: pageSizes, relation: () => relations.quotedBy() }),
    },
    CommentConnection,
  ),
);

builder.prismaObjectField('Comment', 'revisions', (t) =>
  t.connection(
    {
      type: CommentRevision,
      description: 'Earlier bodies, oldest first (the public edit history); empty once the comment is deleted.',
      extensions: revisionPages.extensions,
      resolve: (comment, args, context, info) =>
        showsComment(comment, context.viewer) ? revisionPages.resolve(comment, args, context, info) : emptyConnection(args, pageSizes),
    },
    CommentRevisionConnection,
  ),
);

const revisionPages = pagedField({ typeName: 'CommentRevision', sizes: pageSizes, relation: () => relations.revisions() });
