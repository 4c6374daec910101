/**
 * Reactions in the API (issue 15, item 3): `Comment.reactions`, `react` / `unreact`, and the
 * site's kinds (`reactionKinds`). Live subscribers hear of changes through commentChanged's
 * REACTED events, coalesced (src/live/reaction-announcer.ts).
 */
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { RateLimitedError } from '../domain/errors.js';
import { maxReactionKinds, setReaction } from '../domain/reactions.js';
import { ifShown } from './comment.js';
import { commentMutation } from './comment-mutations.js';
import { writeErrors } from './errors.js';
import { inputId } from './ids.js';
import { type ReactionSummary, reactionsOf } from '../read/reactions.js';

const Reactions = builder.objectRef<ReactionSummary>('ReactionCount').implement({
  description: 'How many readers reacted to a comment with one kind of reaction.',
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'One of the site’s reactions (`reactionKinds`).' }),
    count: t.exposeInt('count'),
    viewerHasReacted: t.boolean({
      description:
        'Whether the signed-in viewer reacted so; false for anonymous readers. The viewer’s own: an answer that asks for it is never shared.',
      extensions: { threadline: { private: true } },
      resolve: (summary) => summary.viewerHasReacted(),
    }),
  }),
});

builder.prismaObjectField('Comment', 'reactions', (t) =>
  t.field({
    type: [Reactions],
    description: `One entry per reaction of the site’s (\`reactionKinds\`, at most ${maxReactionKinds}), in that order, with its count; zeros while the comment is a tombstone.`,
    extensions: { threadline: { maxItems: maxReactionKinds, itemsFromSite: 'reactionKinds' } },
    resolve: async (comment, _args, context) =>
      reactionsOf(context, (await ifShown(comment, context, () => true, false)) ? comment : { id: comment.id, reactionCount: 0 }),
  }),
);

builder.queryField('reactionKinds', (t) =>
  t.stringList({
    description: `The reactions this site offers (THREADLINE_REACTIONS, at most ${maxReactionKinds}), in the order to show them.`,
    extensions: { threadline: { maxItems: maxReactionKinds } },
    resolve: (_root, _args, context) => [...context.engagement.reactionKinds],
  }),
);

const reactionInput = (name: string, description: string) =>
  builder.inputType(name, {
    description,
    fields: (t) => ({
      commentId: t.id({ required: true }),
      kind: t.string({ required: true, description: 'One of `reactionKinds`.' }),
    }),
  });

const ReactInput = reactionInput('ReactInput', 'Your reaction to a published comment: once per comment and kind.');
const UnreactInput = reactionInput('UnreactInput', 'The reaction of yours to take back.');

async function react(input: { commentId: string | number; kind: string }, context: Context, on: boolean) {
  const { db, viewer, engagement } = context;
  const wait = engagement.reactionLimiter.take(viewer!.handle);
  if (wait !== null) throw new RateLimitedError(wait, 'reacting');
  const change = await setReaction(db, viewer!, engagement.reactionKinds, {
    commentId: inputId(input.commentId, 'Comment', 'commentId'),
    kind: input.kind,
    on,
  });
  if (change.changed) engagement.announcer?.changed(change.commentId);
  return { commentId: change.commentId, replayed: false, events: [] };
}

const reactErrors = [...writeErrors.edit, RateLimitedError];

commentMutation('react', ReactInput, {
  description: 'React to a published comment. Reacting again with the same kind changes nothing and succeeds.',
  scope: 'signedIn',
  errors: reactErrors,
  write: (input, context) => react(input, context, true),
});

commentMutation('unreact', UnreactInput, {
  description: 'Take back your reaction. Taking back one you never made changes nothing and succeeds.',
  scope: 'signedIn',
  errors: reactErrors,
  write: (input, context) => react(input, context, false),
});
