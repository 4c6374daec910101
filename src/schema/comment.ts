import { prismaConnectionHelpers } from '@pothos/plugin-prisma';
import type { Viewer } from '../auth.js';
import type { Context } from '../context.js';
import { prisma } from '../db.js';
import { deleteComment, editComment, postComment, setCommentHidden, type WriteResult } from '../domain/comments.js';
import { builder } from '../builder.js';
import { renderBodyHtml } from '../domain/render.js';
import './article.js';
import { Author } from './author.js';
import { writeErrors } from './errors.js';
import { decodeId, whereId } from './ids.js';
import { writeMutation } from './write-mutation.js';
import { CommentOrder, commentOrderBy } from './order.js';

const isModerator = (viewer: Viewer | null) => viewer?.role === 'MODERATOR' || viewer?.role === 'ADMIN';

/** Deleted comments are tombstones to everyone; hidden ones to everyone but moderators. */
const isVisible = (comment: { deletedAt: Date | null; hiddenAt: Date | null }, viewer: Viewer | null) =>
  comment.deletedAt == null && (comment.hiddenAt == null || isModerator(viewer));

export const Comment = builder.prismaNode('Comment', {
  id: { field: 'id' },
  findUnique: whereId('Comment'),
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
      resolve: (comment, _args, { viewer }) => (isVisible(comment, viewer) ? comment.body : ''),
    }),
    bodyHtml: t.string({
      description: 'The body as sanitized HTML: paragraphs, line breaks, links, and quotes as blockquotes linking to their source.',
      select: {
        body: true,
        deletedAt: true,
        hiddenAt: true,
        // The same arguments as the `quotes` field, so that plugin-prisma loads the relation once for both.
        quotes: { orderBy: { ordinal: 'asc' }, include: { quotedComment: { select: { number: true, hiddenAt: true } } } },
      },
      resolve: (comment, _args, { viewer }) =>
        isVisible(comment, viewer)
          ? renderBodyHtml(
              comment.body,
              comment.quotes.map((quote) => ({
                bodyStart: quote.bodyStart,
                bodyEnd: quote.bodyEnd,
                quotedNumber: quote.quotedComment.number,
                // The same rule as Quote.text: a hidden source's words show to moderators only.
                text: quote.quotedComment.hiddenAt == null || isModerator(viewer) ? quote.text : '',
              })),
            )
          : '',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    editedAt: t.expose('editedAt', { type: 'DateTime', nullable: true }),
    isDeleted: t.boolean({
      description:
        'Deleted by its author or a moderator (or hidden, to all but moderators): a tombstone that keeps its number and replies.',
      resolve: (comment, _args, { viewer }) => !isVisible(comment, viewer),
    }),
    isHidden: t.boolean({
      description: 'Hidden by a moderator. Only moderators see true here; everyone else sees a deleted comment.',
      resolve: (comment, _args, { viewer }) => comment.hiddenAt != null && isModerator(viewer),
    }),
    parent: t.relation('parent', { nullable: true, description: 'The comment this one replies to.' }),
    depth: t.exposeInt('depth', { description: '0 for a top-level comment.' }),
    replyCount: t.relationCount('replies', { description: 'Number of direct replies.' }),
    quotes: t.field({
      type: [Quote],
      description: 'Spans of earlier comments that this comment quotes, in body order; empty while the comment is a tombstone.',
      select: (_args, _ctx, nestedSelection) => ({
        deletedAt: true,
        hiddenAt: true,
        quotes: nestedSelection({ orderBy: { ordinal: 'asc' } }),
      }),
      resolve: (comment, _args, { viewer }) => (isVisible(comment, viewer) ? comment.quotes : []),
    }),
    revisions: t.field({
      type: [CommentRevision],
      description: 'Earlier bodies, oldest first (public edit history); empty once the comment is deleted.',
      select: (_args, _ctx, nestedSelection) => ({
        deletedAt: true,
        hiddenAt: true,
        revisions: nestedSelection({ orderBy: { id: 'asc' } }),
      }),
      resolve: (comment, _args, { viewer }) => (isVisible(comment, viewer) ? comment.revisions : []),
    }),
  }),
});

export const CommentConnection = builder.connectionObject({ type: Comment, name: 'CommentConnection' });

builder.prismaObjectField('Comment', 'mentions', (t) =>
  t.field({
    type: [Author],
    description: 'Authors this comment mentions with @name.',
    select: (_args, _ctx, nestedSelection) => ({
      deletedAt: true,
      hiddenAt: true,
      mentions: { select: { author: nestedSelection(true) }, orderBy: { id: 'asc' } },
    }),
    resolve: (comment, _args, { viewer }) => (isVisible(comment, viewer) ? comment.mentions.map((mention) => mention.author) : []),
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

const CommentRevision = builder.prismaObject('CommentRevision', {
  fields: (t) => ({
    body: t.exposeString('body'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const Quote = builder.prismaObject('Quote', {
  fields: (t) => ({
    comment: t.relation('comment', { description: 'The quoting comment.' }),
    quotedComment: t.relation('quotedComment', {
      description: 'The source; still there (isDeleted) after the source is deleted.',
    }),
    text: t.string({
      description:
        "The quoted span as it stood when quoted. It stays when the source is deleted (it is the quoting author's text too), and reads empty while a moderator hides the source.",
      select: { text: true, quotedComment: { select: { hiddenAt: true } } },
      resolve: (quote, _args, { viewer }) => (quote.quotedComment.hiddenAt == null || isModerator(viewer) ? quote.text : ''),
    }),
    start: t.exposeInt('start', { description: 'UTF-16 offset where the span starts in the source body as it stood when quoted.' }),
    end: t.exposeInt('end', { description: 'UTF-16 offset where the span ends in the source body as it stood when quoted.' }),
    sourceChanged: t.boolean({
      description: 'The source was edited or deleted after it was quoted.',
      select: { createdAt: true, quotedComment: { select: { editedAt: true, deletedAt: true } } },
      resolve: ({ createdAt, quotedComment: { editedAt, deletedAt } }) => deletedAt != null || (editedAt != null && editedAt > createdAt),
    }),
  }),
});

const QuoteInput = builder.inputType('QuoteInput', {
  description: 'A span of an earlier comment of the same article: UTF-16 offsets into its body.',
  fields: (t) => ({
    commentId: t.id({ required: true }),
    start: t.int({ required: true }),
    end: t.int({ required: true }),
  }),
});

const PostCommentInput = builder.inputType('PostCommentInput', {
  fields: (t) => ({
    articleId: t.id({ required: true }),
    body: t.string({ required: true, description: 'Plain text; @handle mentions known authors.' }),
    replyToId: t.id({ description: 'The comment this one answers; it must belong to the same article.' }),
    quotes: t.field({ type: [QuoteInput], description: 'At most 10 spans of earlier comments.' }),
    idempotencyKey: t.string({
      description: 'Any 1 to 255 characters; retrying with the same key and input returns the same comment.',
    }),
  }),
});

const commentIdInput = (name: string, description: string) =>
  builder.inputType(name, { description, fields: (t) => ({ commentId: t.id({ required: true }) }) });

const EditCommentInput = builder.inputType('EditCommentInput', {
  fields: (t) => ({ commentId: t.id({ required: true }), body: t.string({ required: true }) }),
});
const DeleteCommentInput = commentIdInput('DeleteCommentInput', 'The comment to delete (its author, or a moderator).');
const HideCommentInput = commentIdInput('HideCommentInput', 'The comment to hide (moderators).');
const RestoreCommentInput = commentIdInput('RestoreCommentInput', 'The hidden comment to show again (moderators).');

const loadComment = (query: object, id: number) => prisma.comment.findUniqueOrThrow({ ...query, where: { id } });

/** A comment write: once it has committed, its events go to live subscribers. */
function commentMutation<Input extends object>(
  name: string,
  input: Parameters<typeof writeMutation<Input, 'Comment'>>[2],
  options: Omit<Parameters<typeof writeMutation<Input, 'Comment'>>[3], 'dataField' | 'load' | 'write'> & {
    write: (input: Input, context: Context) => Promise<WriteResult>;
  },
) {
  writeMutation(name, 'Comment', input, {
    ...options,
    dataField: 'comment',
    load: loadComment,
    write: async (value, context) => {
      const { commentId, events } = await options.write(value, context);
      for (const event of events) context.pubsub.publish(event);
      return commentId;
    },
  });
}

commentMutation('postComment', PostCommentInput, {
  description: 'Post a comment, a reply (replyToId) or a quoting comment (quotes).',
  scope: 'signedIn',
  errors: writeErrors.post,
  write: (input, { viewer, writeLimits }) =>
    postComment(viewer!, writeLimits, {
      articleId: decodeId(input.articleId, 'Article', 'articleId'),
      body: input.body,
      replyToId: input.replyToId == null ? null : decodeId(input.replyToId, 'Comment', 'replyToId'),
      quotes: input.quotes?.map((quote, index) => ({
        commentId: decodeId(quote.commentId, 'Comment', `quotes.${index}.commentId`),
        start: quote.start,
        end: quote.end,
      })),
      idempotencyKey: input.idempotencyKey,
    }),
});

commentMutation('editComment', EditCommentInput, {
  description: 'Change the body of your own comment, within the edit window; the previous body becomes a revision.',
  scope: 'signedIn',
  errors: writeErrors.edit,
  write: (input, { viewer, writeLimits }) =>
    editComment(viewer!, writeLimits, { commentId: decodeId(input.commentId, 'Comment', 'commentId'), body: input.body }),
});

commentMutation('deleteComment', DeleteCommentInput, {
  description: 'Delete a comment: it stays as a tombstone that keeps its number, its place and its replies.',
  scope: 'signedIn',
  errors: writeErrors.remove,
  write: (input, { viewer }) => deleteComment(viewer!, { commentId: decodeId(input.commentId, 'Comment', 'commentId') }),
});

commentMutation('hideComment', HideCommentInput, {
  description: 'Hide a comment from everyone but moderators.',
  scope: 'moderator',
  errors: writeErrors.remove,
  write: (input) => setCommentHidden({ commentId: decodeId(input.commentId, 'Comment', 'commentId'), hidden: true }),
});

commentMutation('restoreComment', RestoreCommentInput, {
  description: 'Show a hidden comment again.',
  scope: 'moderator',
  errors: writeErrors.remove,
  write: (input) => setCommentHidden({ commentId: decodeId(input.commentId, 'Comment', 'commentId'), hidden: false }),
});
