import { GraphQLError } from 'graphql';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { prisma } from '../db.js';
import { ValidationError } from '../domain/errors.js';
import { encodeCursor, type LiveEvent } from '../live/events.js';
import { articleEvents, resumePoint } from '../live/stream.js';
import { decodeId } from './ids.js';

const CommentEventKind = builder.enumType('CommentEventKind', {
  values: {
    ADDED: { description: 'A comment was posted.' },
    EDITED: { description: 'Its author changed its body.' },
    DELETED: { description: 'It was deleted: it stays as a tombstone.' },
    HIDDEN: { description: 'A moderator hid it.' },
    RESTORED: { description: 'A moderator showed it again.' },
  } as const,
});

builder.prismaObject('CommentEvent', {
  description: 'Something that happened to a comment. Pass the last `cursor` you received as `after` to resume.',
  fields: (t) => ({
    cursor: t.string({ resolve: (event) => encodeCursor(event.articleId, event.seq) }),
    kind: t.field({
      type: CommentEventKind,
      description: 'What happened. Moderation shows only to moderators: to everyone else a hide reads as DELETED and a restore as EDITED.',
      resolve: (event, _args, { viewer }) => {
        if (viewer?.role === 'MODERATOR' || viewer?.role === 'ADMIN') return event.kind;
        return event.kind === 'HIDDEN' ? 'DELETED' : event.kind === 'RESTORED' ? 'EDITED' : event.kind;
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    comment: t.relation('comment', { description: 'The comment as it is now, with the subscriber’s selection.' }),
  }),
});

/** Subscription arguments name the article or comment by global ID; a bad one is a typed input error. */
function idArgument(value: string | number, typename: string, field: string): number {
  try {
    return decodeId(value, typename, field);
  } catch (error) {
    if (error instanceof ValidationError) throw new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT', field } });
    throw error;
  }
}

/**
 * One load per event and selection, shared by every subscriber that asks for the same shape:
 * a published event reaches all of an article's subscribers as the same object. Without it,
 * a thousand subscribers meant a thousand loads per comment, which Prisma batched into one
 * statement past SQLite's limit of bound parameters.
 */
const loads = new WeakMap<LiveEvent, Map<string, Promise<unknown>>>();

async function loadEvent(query: object, event: LiveEvent, context: Context) {
  let byShape = loads.get(event);
  if (!byShape) {
    byShape = new Map();
    loads.set(event, byShape);
  }
  const shape = JSON.stringify(query);
  let load = byShape.get(shape);
  if (!load) {
    // findFirst, not findUnique: Prisma batches concurrent findUniques into one statement.
    load = prisma.commentEvent.findFirstOrThrow({ ...query, where: { articleId: event.articleId, seq: event.seq } });
    byShape.set(shape, load);
  }
  const row = await load;
  // Only once the event has loaded: a client must not move past an event it did not get.
  context.liveCursor = encodeCursor(event.articleId, event.seq);
  return row as Awaited<ReturnType<typeof prisma.commentEvent.findFirstOrThrow>>;
}

const changes = new Set(['EDITED', 'DELETED', 'HIDDEN', 'RESTORED']);

builder.subscriptionFields((t) => ({
  commentAdded: t.prismaField({
    type: 'CommentEvent',
    description: 'Every new comment of the article, replies included.',
    args: { articleId: t.arg.id({ required: true }), after: t.arg.string({ description: 'Resume after this cursor.' }) },
    subscribe: async (_root, { articleId, after }, { pubsub, onSlowSubscriber, lastEventId }) => {
      const id = idArgument(articleId, 'Article', 'articleId');
      return articleEvents(pubsub, id, await resumePoint(id, after, lastEventId), (event) => event.kind === 'ADDED', onSlowSubscriber);
    },
    resolve: (query, event, _args, context) => loadEvent(query, event as unknown as LiveEvent, context),
  }),
  replyAdded: t.prismaField({
    type: 'CommentEvent',
    description: 'Every new reply anywhere below the comment.',
    args: { commentId: t.arg.id({ required: true }), after: t.arg.string({ description: 'Resume after this cursor.' }) },
    subscribe: async (_root, { commentId, after }, { pubsub, onSlowSubscriber, lastEventId }) => {
      const id = idArgument(commentId, 'Comment', 'commentId');
      const comment = await prisma.comment.findUnique({ where: { id }, select: { articleId: true, path: true } });
      if (!comment) throw new GraphQLError('The comment does not exist.', { extensions: { code: 'NOT_FOUND' } });
      const below = (event: LiveEvent) => event.kind === 'ADDED' && event.path.startsWith(comment.path) && event.path !== comment.path;
      return articleEvents(pubsub, comment.articleId, await resumePoint(comment.articleId, after, lastEventId), below, onSlowSubscriber);
    },
    resolve: (query, event, _args, context) => loadEvent(query, event as unknown as LiveEvent, context),
  }),
  commentChanged: t.prismaField({
    type: 'CommentEvent',
    description: 'Edits, deletions, hides and restores of the article’s comments.',
    args: { articleId: t.arg.id({ required: true }), after: t.arg.string({ description: 'Resume after this cursor.' }) },
    subscribe: async (_root, { articleId, after }, { pubsub, onSlowSubscriber, lastEventId }) => {
      const id = idArgument(articleId, 'Article', 'articleId');
      return articleEvents(pubsub, id, await resumePoint(id, after, lastEventId), (event) => changes.has(event.kind), onSlowSubscriber);
    },
    resolve: (query, event, _args, context) => loadEvent(query, event as unknown as LiveEvent, context),
  }),
}));
