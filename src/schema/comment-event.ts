import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { Viewer } from '../auth.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import type { Database } from '../db.js';
import { eventKindFor, visibleArticles } from '../domain/visibility.js';
import { encodeCursor, type LiveEvent } from '../domain/events.js';
import { groupSpecOf } from '../live/group-key.js';
import { articleEvents, resumePoint } from '../live/stream.js';
import { argumentId } from './ids.js';

const CommentEventKind = builder.enumType('CommentEventKind', {
  values: {
    ADDED: { description: 'A comment was posted.' },
    EDITED: { description: 'Its author changed its body.' },
    DELETED: { description: 'It was deleted: it stays as a tombstone.' },
    HIDDEN: { description: 'A moderator hid it.' },
    RESTORED: { description: 'A moderator showed it again.' },
    HELD: { description: 'Sent back to review (reports held it). Only moderators see this; everyone else sees DELETED.' },
    REJECTED: { description: 'A moderator rejected it. Only moderators see this; everyone else sees DELETED.' },
    REACTED: { description: 'Its reactions changed: at most one such event a second per comment, however many readers react.' },
    PINNED: { description: 'A moderator pinned it: show it first.' },
    UNPINNED: { description: 'A moderator unpinned it.' },
  } as const,
});

builder.prismaObject('CommentEvent', {
  description: 'Something that happened to a comment. Pass the last `cursor` you received as `after` to resume.',
  fields: (t) => ({
    cursor: t.string({ resolve: (event) => encodeCursor(event.articleId, event.seq) }),
    kind: t.field({
      type: CommentEventKind,
      description: 'What happened. Moderation shows only to moderators: to everyone else a hide reads as DELETED and a restore as EDITED.',
      resolve: (event, _args, { viewer }) => eventKindFor(event.kind, viewer),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    comment: t.relation('comment', { description: 'The comment as it is now, with the subscriber’s selection.' }),
  }),
});

const notFound = (what: string) => new GraphQLError(`The ${what} does not exist.`, { extensions: { code: 'NOT_FOUND' } });

/** The article a subscription follows, if the viewer may see it (drafts are the administrators'). */
async function visibleArticle(db: Database, articleId: number, viewer: Viewer | null): Promise<number> {
  const article = await db.reader.article.findFirst({ where: { id: articleId, ...visibleArticles(viewer) }, select: { id: true } });
  if (!article) throw notFound('article');
  return article.id;
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
    load = context.db.reader.commentEvent.findFirstOrThrow({ ...query, where: { articleId: event.articleId, seq: event.seq } });
    byShape.set(shape, load);
  }
  const row = await load;
  // Only once the event has loaded: a client must not move past an event it did not get.
  context.liveCursor = encodeCursor(event.articleId, event.seq);
  return row as Awaited<ReturnType<Database['reader']['commentEvent']['findFirstOrThrow']>>;
}

/** What commentChanged carries: every event but a new comment's (HELD and REJECTED read as DELETED to the public). */
const changes = new Set(['EDITED', 'DELETED', 'HIDDEN', 'RESTORED', 'HELD', 'REJECTED', 'REACTED', 'PINNED', 'UNPINNED']);
const added = (event: LiveEvent) => event.kind === 'ADDED';
const changed = (event: LiveEvent) => changes.has(event.kind);

/**
 * The article's events that `accept` keeps, from where the subscriber resumes (`after` or
 * Last-Event-ID) on. A transport that takes shared answers (an outlet) joins the subscriber's
 * group (src/live/groups.ts); a group's own execution answers the events it is handed.
 */
async function follow(
  context: Context,
  info: GraphQLResolveInfo,
  articleId: number,
  after: string | null | undefined,
  accept: (event: LiveEvent) => boolean,
): Promise<AsyncIterableIterator<LiveEvent>> {
  const { db, pubsub, onSlowSubscriber, lastEventId, liveGroups, outlet, liveSource } = context;
  if (liveSource) return liveSource;
  const afterSeq = await resumePoint(db, articleId, after, lastEventId);
  if (liveGroups && outlet) {
    const variables = (context as { params?: { variables?: Record<string, unknown> } }).params?.variables;
    const spec = groupSpecOf(info, articleId, context.viewer, variables, accept);
    return liveGroups.subscribe(spec, afterSeq, outlet, onSlowSubscriber);
  }
  return articleEvents(db, pubsub, articleId, afterSeq, accept, onSlowSubscriber);
}

builder.subscriptionFields((t) => ({
  commentAdded: t.prismaField({
    type: 'CommentEvent',
    description: 'Every new comment of the article, replies included.',
    args: { articleId: t.arg.id({ required: true }), after: t.arg.string({ description: 'Resume after this cursor.' }) },
    subscribe: async (_root, { articleId, after }, context, info) => {
      const id = await visibleArticle(context.db, argumentId(articleId, 'Article', 'articleId'), context.viewer);
      return follow(context, info, id, after, added);
    },
    resolve: (query, event, _args, context) => loadEvent(query, event as unknown as LiveEvent, context),
  }),
  replyAdded: t.prismaField({
    type: 'CommentEvent',
    description: 'Every new reply anywhere below the comment.',
    args: { commentId: t.arg.id({ required: true }), after: t.arg.string({ description: 'Resume after this cursor.' }) },
    subscribe: async (_root, { commentId, after }, context, info) => {
      const id = argumentId(commentId, 'Comment', 'commentId');
      const comment = await context.db.reader.comment.findFirst({
        where: { id, article: visibleArticles(context.viewer) },
        select: { articleId: true, path: true },
      });
      if (!comment) throw notFound('comment');
      const below = (event: LiveEvent) => event.kind === 'ADDED' && event.path.startsWith(comment.path) && event.path !== comment.path;
      return follow(context, info, comment.articleId, after, below);
    },
    resolve: (query, event, _args, context) => loadEvent(query, event as unknown as LiveEvent, context),
  }),
  commentChanged: t.prismaField({
    type: 'CommentEvent',
    description:
      'Edits, deletions, hides, restores, holds, rejections, reactions (at most one event a second per comment) and pins of the article’s comments.',
    args: { articleId: t.arg.id({ required: true }), after: t.arg.string({ description: 'Resume after this cursor.' }) },
    subscribe: async (_root, { articleId, after }, context, info) => {
      const id = await visibleArticle(context.db, argumentId(articleId, 'Article', 'articleId'), context.viewer);
      return follow(context, info, id, after, changed);
    },
    resolve: (query, event, _args, context) => loadEvent(query, event as unknown as LiveEvent, context),
  }),
}));
