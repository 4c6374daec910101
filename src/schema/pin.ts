/**
 * Pinned comments in the API (issue 15, item 4): moderators pin up to three top-level comments
 * of an article; `Article.pinnedComments` lists them, and readers see them first.
 */
import { builder } from '../builder.js';
import { maxPinnedComments, pinnedWhere, setPinned } from '../domain/pins.js';
import { PinLimitError } from '../domain/errors.js';
import { commentIdInput, commentMutation } from './comment-mutations.js';
import { ErrorInterface, writeErrors } from './errors.js';
import { inputId } from './ids.js';

builder.objectType(PinLimitError, {
  name: 'PinLimitError',
  description: 'The article already has its most pinned comments (`limit`); unpin one first.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ limit: t.exposeInt('limit') }),
});

builder.prismaObjectField('Article', 'pinnedComments', (t) =>
  t.prismaField({
    type: ['Comment'],
    description: `The comments moderators pinned (at most ${maxPinnedComments}, all top-level and published), in the order they were pinned: show them first.`,
    extensions: { threadline: { maxItems: maxPinnedComments } },
    resolve: (query, article, _args, { db }) =>
      db.reader.comment.findMany({
        ...query,
        where: pinnedWhere(article.id),
        orderBy: [{ pinnedAt: 'asc' }, { id: 'asc' }],
        take: maxPinnedComments,
      }),
  }),
);

builder.prismaObjectField('Comment', 'isPinned', (t) =>
  t.boolean({
    description: 'Whether a moderator pinned it (see `Article.pinnedComments`).',
    resolve: (comment) =>
      comment.pinnedAt !== null && comment.deletedAt === null && comment.hiddenAt === null && comment.status === 'PUBLISHED',
  }),
);

const PinCommentInput = commentIdInput('PinCommentInput', 'The top-level, published comment to pin (moderators).');
const UnpinCommentInput = commentIdInput('UnpinCommentInput', 'The pinned comment to unpin (moderators).');

commentMutation('pinComment', PinCommentInput, {
  description: `Pin a top-level comment so that readers see it first (moderators; at most ${maxPinnedComments} per article). Pinning a pinned comment changes nothing and succeeds.`,
  scope: 'moderator',
  errors: [...writeErrors.admin, PinLimitError],
  write: (input, { db, viewer }) => setPinned(db, viewer!, { commentId: inputId(input.commentId, 'Comment', 'commentId'), pinned: true }),
});

commentMutation('unpinComment', UnpinCommentInput, {
  description: 'Unpin a comment (moderators). Unpinning a comment that is not pinned changes nothing and succeeds.',
  scope: 'moderator',
  errors: writeErrors.admin,
  write: (input, { db, viewer }) => setPinned(db, viewer!, { commentId: inputId(input.commentId, 'Comment', 'commentId'), pinned: false }),
});
