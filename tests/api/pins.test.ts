// Issue 15, item 4: moderators pin up to three top-level comments of an article, which
// Article.pinnedComments lists in the order they were pinned; every pin is logged and told to
// live subscribers.
import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/auth.js';
import { defaultWriteLimits } from '../../src/config.js';
import {
  HideCommentDocument,
  PinCommentDocument,
  PinnedCommentsDocument,
  PostCommentDocument,
  UnpinCommentDocument,
} from '../../schema/generated/graphql.js';
import { db, globalId, query, viewer } from '../helpers.js';

const writeLimits = { ...defaultWriteLimits, minIntervalSeconds: 0, windowMax: 1000 };
const moderator = viewer('pin-moderator', 'MODERATOR', 'Pin Moderator');
const reader = viewer('pin-reader', 'AUTHOR', 'Reader');

let threads = 0;
async function newThread() {
  const slug = `pins-${++threads}`;
  const owner = await db.writer.author.upsert({
    where: { handle: 'pin-owner' },
    create: { handle: 'pin-owner', name: 'Owner' },
    update: {},
  });
  const { id } = await db.writer.article.create({
    data: { slug, title: slug, body: 'Body.', publishedAt: new Date(Date.now() - 60_000), authorId: owner.id, moderation: 'POST' },
  });
  return { id, slug, globalId: globalId('Article', id) };
}

async function post(articleId: string, body: string, replyToId?: string) {
  const { postComment } = await query(PostCommentDocument, { input: { articleId, body, replyToId } }, { viewer: reader, writeLimits });
  if (postComment.__typename !== 'PostCommentSuccess') throw new Error(postComment.__typename);
  return postComment.comment.id;
}

const pin = (commentId: string, as: Viewer = moderator) =>
  query(PinCommentDocument, { input: { commentId } }, { viewer: as }).then((result) => result.pinComment);
const unpin = (commentId: string, as: Viewer = moderator) =>
  query(UnpinCommentDocument, { input: { commentId } }, { viewer: as }).then((result) => result.unpinComment);
const pinned = async (slug: string) => (await query(PinnedCommentsDocument, { slug })).article!.pinnedComments.map((c) => c.number);
const rowId = (id: string) => Number(Buffer.from(id, 'base64').toString().split(':')[1]);

describe('pinned comments', () => {
  it('lists pins in the order they were made, at most three, and pinning twice changes nothing', async () => {
    const thread = await newThread();
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await post(thread.globalId, `Comment ${i}.`));
    expect(await pinned(thread.slug)).toEqual([]);
    for (const index of [3, 0, 1])
      expect(await pin(ids[index]!)).toMatchObject({ __typename: 'PinCommentSuccess', comment: { isPinned: true } });
    expect(await pin(ids[0]!)).toMatchObject({ __typename: 'PinCommentSuccess' });
    expect(await pinned(thread.slug)).toEqual([4, 1, 2]);

    expect(await pin(ids[4]!)).toMatchObject({ __typename: 'PinLimitError', limit: 3, code: 'PIN_LIMIT' });
    expect(await unpin(ids[0]!)).toMatchObject({ __typename: 'UnpinCommentSuccess', comment: { isPinned: false } });
    expect(await unpin(ids[0]!)).toMatchObject({ __typename: 'UnpinCommentSuccess' });
    expect(await pin(ids[4]!)).toMatchObject({ __typename: 'PinCommentSuccess' });
    expect(await pinned(thread.slug)).toEqual([4, 2, 5]);

    const log = await db.reader.moderationAction.findMany({
      where: { articleId: thread.id, kind: { in: ['PIN', 'UNPIN'] } },
      orderBy: { id: 'asc' },
    });
    expect(log.map((entry) => entry.kind)).toEqual(['PIN', 'PIN', 'PIN', 'UNPIN', 'PIN']);
    const events = await db.reader.commentEvent.findMany({ where: { articleId: thread.id, kind: { in: ['PINNED', 'UNPINNED'] } } });
    expect(events.map((event) => event.kind)).toEqual(['PINNED', 'PINNED', 'PINNED', 'UNPINNED', 'PINNED']);
  });

  it('pins only published top-level comments, for moderators only, with typed errors', async () => {
    const thread = await newThread();
    const top = await post(thread.globalId, 'Top.');
    const reply = await post(thread.globalId, 'A reply.', top);
    expect(await pin(reply)).toMatchObject({
      __typename: 'ValidationError',
      field: 'commentId',
      message: expect.stringContaining('top-level'),
    });
    expect(await pin(top, reader)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await pin(globalId('Comment', 999_999_999))).toMatchObject({ __typename: 'NotFoundError' });
    expect(await db.reader.comment.count({ where: { articleId: thread.id, pinnedAt: { not: null } } })).toBe(0);
  });

  it('stops listing a pinned comment a moderator hides, and frees its place', async () => {
    const thread = await newThread();
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) ids.push(await post(thread.globalId, `Comment ${i}.`));
    for (const id of ids.slice(0, 3)) await pin(id);
    await query(HideCommentDocument, { input: { commentId: ids[1]! } }, { viewer: moderator });
    expect(await pinned(thread.slug)).toEqual([1, 3]);
    expect(await pin(ids[3]!)).toMatchObject({ __typename: 'PinCommentSuccess' });
    expect(await pinned(thread.slug)).toEqual([1, 3, 4]);
    expect((await db.reader.comment.findUniqueOrThrow({ where: { id: rowId(ids[1]!) } })).pinnedAt).not.toBeNull();
  });
});
