// Issue 15, item 3: reactions of the site's kinds, once per author, comment and kind, idempotent;
// counts and the viewer's own on Comment.reactions; the TOP order; one live event a second per
// comment at most, decided in the database whatever the instances.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/auth.js';
import { defaultWriteLimits } from '../../src/config.js';
import { defaultEngagement, type Engagement } from '../../src/context.js';
import { announceReactions, parseReactionKinds, reactionEventIntervalMs } from '../../src/domain/reactions.js';
import { LivePubSub } from '../../src/live/pubsub.js';
import { ReactionAnnouncer } from '../../src/live/reaction-announcer.js';
import { createLogger } from '../../src/logger.js';
import { WindowLimiter } from '../../src/security/rate.js';
import {
  CommentReactionsDocument,
  type CommentReactionsQuery,
  DeleteCommentDocument,
  LockArticleDocument,
  PostCommentDocument,
  ReactDocument,
  ReactionKindsDocument,
  UnreactDocument,
  ViewerReactionsDocument,
} from '../../schema/generated/graphql.js';
import { db, globalId, query, run, viewer } from '../helpers.js';

const writeLimits = { ...defaultWriteLimits, minIntervalSeconds: 0, windowMax: 1000 };
const moderator = viewer('react-moderator', 'MODERATOR', 'Moderator');
let people = 0;
const someone = () => viewer(`reader-${++people}`, 'AUTHOR', 'Reader');
const likes: Engagement = { ...defaultEngagement(), reactionKinds: ['LIKE', 'DISLIKE'] };

let threads = 0;
async function newThread() {
  const slug = `reactions-${++threads}`;
  const owner = await db.writer.author.upsert({
    where: { handle: 'react-owner' },
    create: { handle: 'react-owner', name: 'Owner' },
    update: {},
    select: { id: true },
  });
  const { id } = await db.writer.article.create({
    data: { slug, title: slug, body: 'Body.', publishedAt: new Date(Date.now() - 60_000), authorId: owner.id, moderation: 'POST' },
    select: { id: true },
  });
  return { id, slug, globalId: globalId('Article', id) };
}

async function post(articleId: string, body: string, who: Viewer = someone()) {
  const { postComment } = await query(PostCommentDocument, { input: { articleId, body } }, { viewer: who, writeLimits });
  if (postComment.__typename !== 'PostCommentSuccess') throw new Error(postComment.__typename);
  return postComment.comment.id;
}

const react = (commentId: string, who: Viewer, kind = 'LIKE', engagement = likes) =>
  query(ReactDocument, { input: { commentId, kind } }, { viewer: who, engagement }).then((result) => result.react);
const unreact = (commentId: string, who: Viewer, kind = 'LIKE', engagement = likes) =>
  query(UnreactDocument, { input: { commentId, kind } }, { viewer: who, engagement }).then((result) => result.unreact);
const rowId = (id: string) => Number(Buffer.from(id, 'base64').toString().split(':')[1]);

describe('reactions', () => {
  let thread: Awaited<ReturnType<typeof newThread>>;
  beforeAll(async () => {
    thread = await newThread();
  });

  it('names the site’s kinds, LIKE alone by default', async () => {
    expect((await query(ReactionKindsDocument, {})).reactionKinds).toEqual(['LIKE']);
    expect((await query(ReactionKindsDocument, {}, { engagement: likes })).reactionKinds).toEqual(['LIKE', 'DISLIKE']);
  });

  it('reads THREADLINE_REACTIONS strictly', () => {
    expect(parseReactionKinds(undefined)).toEqual(['LIKE']);
    expect(parseReactionKinds(' LIKE , HEART,LAUGH ')).toEqual(['LIKE', 'HEART', 'LAUGH']);
    expect(parseReactionKinds('like')).toMatch(/capitals/);
    expect(parseReactionKinds('LIKE,LIKE')).toMatch(/twice/);
    expect(parseReactionKinds(Array.from({ length: 7 }, (_, i) => `K${i}`).join(','))).toMatch(/at most 6/);
  });

  it('counts one reaction per author and kind, and reacting again or taking back nothing changes nothing', async () => {
    const commentId = await post(thread.globalId, 'React to me.');
    const [ana, bo] = [someone(), someone()];
    const first = await react(commentId, ana);
    expect(first).toMatchObject({
      __typename: 'ReactSuccess',
      comment: {
        reactions: [
          { kind: 'LIKE', count: 1, viewerHasReacted: true },
          { kind: 'DISLIKE', count: 0, viewerHasReacted: false },
        ],
      },
    });
    expect(await react(commentId, ana)).toEqual(first);
    await react(commentId, bo);
    await react(commentId, bo, 'DISLIKE');
    const read = await query(ViewerReactionsDocument, { slug: thread.slug }, { viewer: bo, engagement: likes });
    const mine = read.article!.comments.edges.find((edge) => edge.node.number === 1)!.node.reactions;
    expect(mine).toEqual([
      { kind: 'LIKE', count: 2, viewerHasReacted: true },
      { kind: 'DISLIKE', count: 1, viewerHasReacted: true },
    ]);
    const anonymous = await query(ViewerReactionsDocument, { slug: thread.slug }, { engagement: likes });
    expect(anonymous.article!.comments.edges[0]!.node.reactions.map((r) => r.viewerHasReacted)).toEqual([false, false]);

    expect((await unreact(commentId, ana)).__typename).toBe('UnreactSuccess');
    const again = await unreact(commentId, ana);
    expect(again).toMatchObject({ comment: { reactions: [{ kind: 'LIKE', count: 1, viewerHasReacted: false }, { count: 1 }] } });
    const stored = await db.reader.comment.findUniqueOrThrow({ where: { id: rowId(commentId) }, select: { reactionCount: true } });
    expect(stored.reactionCount).toBe(2);
    expect(await db.reader.reaction.count({ where: { commentId: rowId(commentId) } })).toBe(2);
  });

  it('refuses a kind the site does not offer, and anonymous readers, with typed errors and writes nothing', async () => {
    const commentId = await post(thread.globalId, 'Only likes here.');
    expect(await react(commentId, someone(), 'ANGRY')).toMatchObject({
      __typename: 'ValidationError',
      field: 'kind',
      message: expect.stringContaining('LIKE, DISLIKE'),
    });
    const anonymous = await run(ReactDocument, { input: { commentId, kind: 'LIKE' } }, { engagement: likes });
    expect(anonymous.data?.react).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await db.reader.reaction.count({ where: { commentId: rowId(commentId) } })).toBe(0);
  });

  it('answers NotFound for a comment awaiting review, as for one that does not exist', async () => {
    await db.writer.article.update({ where: { id: thread.id }, data: { moderation: 'PRE' } });
    try {
      const pending = await query(
        PostCommentDocument,
        { input: { articleId: thread.globalId, body: 'Held for review.' } },
        { viewer: someone(), writeLimits },
      );
      if (pending.postComment.__typename !== 'PostCommentSuccess') throw new Error(pending.postComment.__typename);
      expect(await react(pending.postComment.comment.id, someone())).toMatchObject({ __typename: 'NotFoundError' });
      expect(await react(globalId('Comment', 999_999_999), someone())).toMatchObject({ __typename: 'NotFoundError' });
    } finally {
      await db.writer.article.update({ where: { id: thread.id }, data: { moderation: 'POST' } });
    }
  });

  it('takes no reaction on a deleted comment or in a locked thread, but lets one be taken back', async () => {
    const own = someone();
    const deleted = await post(thread.globalId, 'Soon gone.', own);
    const fan = someone();
    await react(deleted, fan);
    await query(DeleteCommentDocument, { input: { commentId: deleted } }, { viewer: own });
    expect(await react(deleted, someone())).toMatchObject({ __typename: 'ValidationError', field: 'commentId' });
    expect(await unreact(deleted, fan)).toMatchObject({ __typename: 'UnreactSuccess' });

    const locked = await newThread();
    const commentId = await post(locked.globalId, 'Locked soon.');
    await query(LockArticleDocument, { input: { articleId: locked.globalId } }, { viewer: moderator });
    expect(await react(commentId, someone())).toMatchObject({ __typename: 'ThreadLockedError' });
  });

  it('slows down one author’s flood of clicks with RateLimitedError', async () => {
    const commentId = await post(thread.globalId, 'Click me a lot.');
    const tight: Engagement = { ...likes, reactionLimiter: new WindowLimiter(3, 60_000) };
    const clicker = someone();
    for (const on of [true, false, true]) {
      expect((await (on ? react : unreact)(commentId, clicker, 'LIKE', tight)).__typename).toMatch(/Success$/);
    }
    expect(await unreact(commentId, clicker, 'LIKE', tight)).toMatchObject({ __typename: 'RateLimitedError', retryAfterSeconds: 60 });
    // Another author is not slowed.
    expect((await react(commentId, someone(), 'LIKE', tight)).__typename).toBe('ReactSuccess');
  });

  it('orders comments by reactions with TOP, ties in posting order, paging by cursor', async () => {
    const top = await newThread();
    const ids = [];
    for (let i = 1; i <= 5; i++) ids.push(await post(top.globalId, `Comment ${i}.`));
    const wanted = [0, 2, 3, 2, 0];
    for (const [index, count] of wanted.entries()) for (let i = 0; i < count; i++) await react(ids[index]!, someone());
    const numbers: number[] = [];
    let after: string | null = null;
    do {
      const page: CommentReactionsQuery = await query(CommentReactionsDocument, {
        slug: top.slug,
        orderBy: 'TOP',
        first: 2,
        after,
      });
      numbers.push(...page.article!.comments.edges.map((edge) => edge.node.number));
      after = page.article!.comments.pageInfo.hasNextPage ? page.article!.comments.pageInfo.endCursor! : null;
    } while (after);
    expect(numbers).toEqual([3, 2, 4, 1, 5]);
  });
});

describe('reaction events', () => {
  it('logs one REACTED event for a burst, and the next no sooner than a second after it', async () => {
    const thread = await newThread();
    const commentId = await post(thread.globalId, 'Popular.');
    const id = rowId(commentId);
    for (let i = 0; i < 5; i++) await react(commentId, someone());
    const t0 = new Date();
    const first = await announceReactions(db, id, t0);
    expect(first.event).toMatchObject({ commentId: id, kind: 'REACTED' });
    // Nothing changed since: nothing to say.
    expect(await announceReactions(db, id, new Date(t0.getTime() + 5000))).toEqual({ event: null, retryInMs: null });
    await react(commentId, someone());
    // Changed, but the last event is 400 ms old: wait the rest of the second.
    expect(await announceReactions(db, id, new Date(t0.getTime() + 400))).toEqual({
      event: null,
      retryInMs: reactionEventIntervalMs - 400,
    });
    const second = await announceReactions(db, id, new Date(t0.getTime() + reactionEventIntervalMs));
    expect(second.event).toMatchObject({ kind: 'REACTED', seq: first.event!.seq + 1 });
  });

  it('logs one event between instances announcing the same change at once', async () => {
    const thread = await newThread();
    const commentId = await post(thread.globalId, 'Announced once.');
    await react(commentId, someone());
    const now = new Date();
    const results = await Promise.all([announceReactions(db, rowId(commentId), now), announceReactions(db, rowId(commentId), now)]);
    expect(results.filter((result) => result.event !== null)).toHaveLength(1);
    expect(await db.reader.commentEvent.count({ where: { commentId: rowId(commentId), kind: 'REACTED' } })).toBe(1);
  });

  it('publishes one event per burst from two instances’ announcers, not one per click', async () => {
    const thread = await newThread();
    const commentId = await post(thread.globalId, 'Clicked by many.');
    const id = rowId(commentId);
    const pubsubs = [new LivePubSub(), new LivePubSub()];
    const heard: string[] = [];
    const logger = createLogger('silent');
    const announcers = pubsubs.map((pubsub) => new ReactionAnnouncer(db, pubsub, logger, 50));
    const subscriptions = pubsubs.map((pubsub) => pubsub.subscribe(thread.id));
    const listening = subscriptions.map(async (events) => {
      for await (const event of events) if (event.commentId === id) heard.push(event.kind);
    });
    try {
      const clicking = Date.now();
      for (let i = 0; i < 12; i++) {
        await react(commentId, someone());
        announcers[i % 2]!.changed(id);
      }
      const clicked = Date.now() - clicking;
      // Every click announced: the comment is clean, and the log says how many events there were.
      await expect
        .poll(() => db.reader.comment.findUniqueOrThrow({ where: { id } }).then((c) => c.reactionsDirty), { timeout: 5000 })
        .toBe(false);
      const logged = await db.reader.commentEvent.findMany({ where: { commentId: id, kind: 'REACTED' }, orderBy: { seq: 'asc' } });
      // One event for the first clicks, then at most one a second for what came while it was
      // too soon: 12 clicks over `clicked` ms make at most 1 + ⌈clicked / 1 s⌉ events, a second apart.
      expect(logged.length).toBeGreaterThanOrEqual(1);
      expect(logged.length).toBeLessThanOrEqual(1 + Math.ceil(clicked / reactionEventIntervalMs));
      expect(logged.length).toBeLessThan(12);
      for (let i = 1; i < logged.length; i++) {
        expect(logged[i]!.createdAt.getTime() - logged[i - 1]!.createdAt.getTime()).toBeGreaterThanOrEqual(reactionEventIntervalMs);
      }
      await expect.poll(() => heard.length).toBe(logged.length);
    } finally {
      for (const announcer of announcers) announcer.stop();
      for (const events of subscriptions) await events.return?.();
      await Promise.all(listening);
    }
  });

  it('announces a change whose instance stopped before announcing it, at the next sweep elsewhere', async () => {
    const thread = await newThread();
    const commentId = await post(thread.globalId, 'Left unannounced.');
    const id = rowId(commentId);
    const logger = createLogger('silent');
    const stopped = new ReactionAnnouncer(db, new LivePubSub(), logger, 60_000);
    await react(commentId, someone());
    stopped.changed(id);
    stopped.stop();
    expect((await db.reader.comment.findUniqueOrThrow({ where: { id } })).reactionsDirty).toBe(true);
    const pubsub = new LivePubSub();
    const other = new ReactionAnnouncer(db, pubsub, logger, 10);
    try {
      await other.sweep();
      await expect.poll(() => db.reader.comment.findUniqueOrThrow({ where: { id } }).then((c) => c.reactionsDirty)).toBe(false);
      expect(await db.reader.commentEvent.count({ where: { commentId: id, kind: 'REACTED' } })).toBe(1);
    } finally {
      other.stop();
    }
  });
});
