import { builder } from '../builder.js';
import { type Context, viewerAuthorId } from '../context.js';
import type { Database } from '../db.js';
import { deleteComment, editComment, postComment, setCommentHidden, type WriteResult } from '../domain/comments.js';
import { maxQuotesPerComment } from '../domain/limits.js';
import type { SpamVerdict } from '../moderation/akismet.js';
import { checkComment } from '../moderation/check.js';
import { writeErrors } from './errors.js';
import { inputId } from './ids.js';
import { writeMutation } from './write-mutation.js';

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
    quotes: t.field({ type: [QuoteInput], description: `At most ${maxQuotesPerComment} spans of earlier comments, each once.` }),
    idempotencyKey: t.string({
      description: 'Any 1 to 255 characters; retrying with the same key and input returns the same comment.',
    }),
  }),
});

export const commentIdInput = (name: string, description: string) =>
  builder.inputType(name, { description, fields: (t) => ({ commentId: t.id({ required: true }) }) });

const EditCommentInput = builder.inputType('EditCommentInput', {
  fields: (t) => ({ commentId: t.id({ required: true }), body: t.string({ required: true }) }),
});
const DeleteCommentInput = commentIdInput('DeleteCommentInput', 'The comment to delete (its author, or a moderator).');
const HideCommentInput = commentIdInput('HideCommentInput', 'The comment to hide (moderators).');
const RestoreCommentInput = commentIdInput('RestoreCommentInput', 'The hidden comment to show again (moderators).');

const loadComment = (db: Database, query: object, id: number) => db.reader.comment.findUniqueOrThrow({ ...query, where: { id } });

/** A comment write: once it has committed, its events go to live subscribers. */
export function commentMutation<Input extends object>(
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
  write: (input, context) => {
    const articleId = inputId(input.articleId, 'Article', 'articleId');
    return postComment(
      context.db,
      context.viewer!,
      context.writeLimits,
      {
        articleId,
        body: input.body,
        replyToId: input.replyToId == null ? null : inputId(input.replyToId, 'Comment', 'replyToId'),
        quotes: input.quotes?.map((quote, index) => ({
          commentId: inputId(quote.commentId, 'Comment', `quotes.${index}.commentId`),
          start: quote.start,
          end: quote.end,
        })),
        idempotencyKey: input.idempotencyKey,
      },
      new Date(),
      { spamCheck: (body) => spamCheckOf(context, articleId, body) },
    );
  },
});

/** The spam checkers' verdict on a comment about to be posted, with what the request tells of its writer. */
async function spamCheckOf(context: Context, articleId: number, body: string): Promise<SpamVerdict> {
  const request = (context as { request?: Request }).request;
  const origin = request ? new URL(request.url).origin : 'http://localhost';
  return checkComment(
    context.moderation.spamCheckers,
    {
      site: origin,
      permalink: `${origin}/articles/${articleId}`,
      authorName: context.viewer!.name,
      body,
      // No address: behind a proxy only X-Forwarded-For would name the writer, and with no
      // trusted-proxy setting a writer could put any address there.
      userIp: null,
      userAgent: request?.headers.get('user-agent') ?? null,
      authorId: await viewerAuthorId(context),
      articleId,
    },
    { timeoutMs: context.moderation.spamTimeoutMs },
  );
}

commentMutation('editComment', EditCommentInput, {
  description:
    'Change the body of your own comment, within the edit window and while its thread takes comments; the previous body becomes a revision.',
  scope: 'signedIn',
  errors: writeErrors.edit,
  write: (input, { db, viewer, writeLimits }) =>
    editComment(db, viewer!, writeLimits, { commentId: inputId(input.commentId, 'Comment', 'commentId'), body: input.body }),
});

commentMutation('deleteComment', DeleteCommentInput, {
  description: 'Delete a comment: it stays as a tombstone that keeps its number, its place and its replies.',
  scope: 'signedIn',
  errors: writeErrors.remove,
  write: (input, { db, viewer }) => deleteComment(db, viewer!, { commentId: inputId(input.commentId, 'Comment', 'commentId') }),
});

commentMutation('hideComment', HideCommentInput, {
  description: 'Hide a comment from everyone but moderators.',
  scope: 'moderator',
  errors: writeErrors.remove,
  write: (input, { db, viewer }) =>
    setCommentHidden(db, viewer!, { commentId: inputId(input.commentId, 'Comment', 'commentId'), hidden: true }),
});

commentMutation('restoreComment', RestoreCommentInput, {
  description: 'Show a hidden comment again.',
  scope: 'moderator',
  errors: writeErrors.remove,
  write: (input, { db, viewer }) =>
    setCommentHidden(db, viewer!, { commentId: inputId(input.commentId, 'Comment', 'commentId'), hidden: false }),
});
