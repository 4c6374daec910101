import { builder } from '../builder.js';
import { defaultPageSize, maxMentionsPerComment, maxPageSize, maxQuotesPerComment } from '../domain/limits.js';
import { renderBodyHtml } from '../domain/render.js';
import type { Context } from '../context.js';
import { viewerAuthorId } from '../context.js';
import {
  dependsOnAuthorship,
  isModerator,
  type Shown,
  showsComment,
  showsQuotedText,
  showsStatus,
  visibleArticles,
} from '../domain/visibility.js';
import * as relations from '../read/relations.js';
import { Author } from './author.js';
import { CommentRevision, CommentRevisionConnection } from './comment-revision.js';
import { emptyConnection, pagedField, pageSizes } from './connections.js';
import { CommentOrder } from './order.js';
import { Quote } from './quote.js';

/**
 * `shown()` when the viewer sees the comment, `tombstone` otherwise: at once for nearly every
 * comment, and after one lookup of the viewer's Author id (once per request) for a signed-in
 * author's view of a comment not published, which shows to its own author.
 */
export function ifShown<T>(comment: Shown, context: Context, shown: () => T, tombstone: T): T | Promise<T> {
  if (!dependsOnAuthorship(comment, context.viewer)) return showsComment(comment, context.viewer) ? shown() : tombstone;
  return viewerAuthorId(context).then((id) => (showsComment(comment, context.viewer, id) ? shown() : tombstone));
}

const shownColumns = { deletedAt: true, hiddenAt: true, status: true, authorId: true } as const;

const CommentStatus = builder.enumType('CommentStatus', {
  description: 'Where a comment stands in moderation.',
  values: {
    PUBLISHED: { description: 'Everyone sees it.' },
    PENDING: { description: 'Waiting for a moderator: its author and moderators see it, everyone else a tombstone.' },
    REJECTED: { description: 'A moderator (or a rule) turned it down: its author and moderators see it, everyone else a tombstone.' },
    HIDDEN: { description: 'A moderator hid it.' },
    DELETED: { description: 'Its author or a moderator deleted it.' },
  } as const,
});

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
      resolve: (comment, _args, context) => ifShown(comment, context, () => comment.body, ''),
    }),
    status: t.field({
      type: CommentStatus,
      nullable: true,
      description:
        'Where it stands in moderation: shown to moderators and to its own author only (null for everyone else, to whom a comment not published is a tombstone).',
      extensions: { threadline: { private: true } },
      resolve: async (comment, _args, context) => {
        if (!showsStatus(comment, context.viewer, isModerator(context.viewer) ? null : await viewerAuthorId(context))) return null;
        if (comment.deletedAt) return 'DELETED';
        if (comment.hiddenAt) return 'HIDDEN';
        return comment.status;
      },
    }),
    bodyHtml: t.string({
      description: 'The body as sanitized HTML: paragraphs, line breaks, links, and quotes as blockquotes linking to their source.',
      select: {
        body: true,
        ...shownColumns,
        // The same arguments as the `quotes` field, so that plugin-prisma loads the relation once for both.
        quotes: {
          orderBy: { ordinal: 'asc' },
          take: maxQuotesPerComment,
          include: { quotedComment: { select: { number: true, hiddenAt: true, status: true } } },
        },
      },
      resolve: (comment, _args, context) =>
        ifShown(
          comment,
          context,
          () =>
            renderBodyHtml(
              comment.body,
              comment.quotes.map((quote) => ({
                bodyStart: quote.bodyStart,
                bodyEnd: quote.bodyEnd,
                quotedNumber: quote.quotedComment.number,
                text: showsQuotedText(quote.quotedComment, context.viewer) ? quote.text : '',
              })),
            ),
          '',
        ),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    editedAt: t.expose('editedAt', { type: 'DateTime', nullable: true }),
    isDeleted: t.boolean({
      description:
        'Deleted by its author or a moderator (or hidden, held for review or rejected, to all but moderators and, for the last two, its author): a tombstone that keeps its number and replies.',
      resolve: (comment, _args, context) => ifShown(comment, context, () => false, true),
    }),
    editableUntil: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'Until when its author may edit it (while its thread takes comments); null for a tombstone and for an imported comment, which keeps the words of its archive.',
      resolve: (comment, _args, context) =>
        comment.imported
          ? null
          : ifShown(comment, context, () => new Date(comment.createdAt.getTime() + context.writeLimits.editWindowSeconds * 1000), null),
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
        ...shownColumns,
        quotes: nestedSelection({ orderBy: { ordinal: 'asc' }, take: maxQuotesPerComment }),
      }),
      resolve: (comment, _args, context) => ifShown(comment, context, () => comment.quotes, []),
    }),
    mentions: t.field({
      type: [Author],
      extensions: { threadline: { maxItems: maxMentionsPerComment } },
      description: `Authors this comment mentions with @handle (at most ${maxMentionsPerComment}); empty while the comment is a tombstone.`,
      select: (_args, _ctx, nestedSelection) => ({
        ...shownColumns,
        mentions: { select: { author: nestedSelection(true) }, orderBy: { id: 'asc' }, take: maxMentionsPerComment },
      }),
      resolve: (comment, _args, context) => ifShown(comment, context, () => comment.mentions.map((mention) => mention.author), []),
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
        relation: ({ orderBy }: { orderBy?: relations.CommentOrder | null }, { viewer }: Context) => relations.replies(orderBy, viewer),
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
      ...pagedField({ typeName: 'Comment', sizes: pageSizes, relation: (_args, { viewer }: Context) => relations.quotedBy(viewer) }),
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
      resolve: async (comment, args, context, info) =>
        (await ifShown(comment, context, () => true, false))
          ? revisionPages.resolve(comment, args, context, info)
          : emptyConnection(args, pageSizes),
    },
    CommentRevisionConnection,
  ),
);

const revisionPages = pagedField({ typeName: 'CommentRevision', sizes: pageSizes, relation: () => relations.revisions() });
