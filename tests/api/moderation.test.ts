// Issue 14: comments held for review, reports, and moderators' decisions — what each viewer
// sees of a comment that is not published, the public's counts, and the event log.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/auth.js';
import { defaultWriteLimits } from '../../src/config.js';
import {
  ApproveCommentDocument,
  ApproveCommentsDocument,
  DeleteCommentDocument,
  EditCommentDocument,
  ModeratedCommentByIdDocument,
  ModeratedThreadDocument,
  ModerationQueueDocument,
  PostCommentDocument,
  RejectCommentDocument,
  RejectCommentsDocument,
  ReportCommentDocument,
} from '../../schema/generated/graphql.js';
import { db, globalId, query, viewer } from '../helpers.js';

const moderator = viewer('queue-moderator', 'MODERATOR', 'Queue Moderator');
let people = 0;
/** A new author each time: one author's posts in a row would meet the rate limit. */
const someone = (name = 'Reader') => viewer(`reader-${++people}`, 'AUTHOR', name);

interface Thread {
  id: number;
  slug: string;
  globalId: string;
}
let threads = 0;

/** An article of its own for each test, published, moderated as `moderation` says. */
async function newThread(moderation: 'PRE' | 'POST' | 'RULES' | null = null): Promise<Thread> {
  const slug = `moderated-${++threads}`;
  const owner = await db.writer.author.upsert({
    where: { handle: 'queue-owner' },
    create: { handle: 'queue-owner', name: 'Owner' },
    update: {},
    select: { id: true },
  });
  const { id } = await db.writer.article.create({
    data: { slug, title: slug, body: 'Body.', publishedAt: new Date(Date.now() - 60_000), authorId: owner.id, moderation },
    select: { id: true },
  });
  return { id, slug, globalId: globalId('Article', id) };
}

/** No waiting between one author's comments here: the rate limit is tested elsewhere. */
const writeLimits = { ...defaultWriteLimits, minIntervalSeconds: 0, windowMax: 1000 };

async function post(thread: Thread, who: Viewer, body: string, replyToId?: string) {
  const { postComment } = await query(
    PostCommentDocument,
    { input: { articleId: thread.globalId, body, replyToId } },
    { viewer: who, writeLimits },
  );
  if (postComment.__typename !== 'PostCommentSuccess') throw new Error(`${postComment.__typename}: ${JSON.stringify(postComment)}`);
  return postComment.comment;
}

const statusOf = async (id: string, who: Viewer | null) => {
  const { node } = await query(ModeratedCommentByIdDocument, { id }, { viewer: who });
  return node && 'body' in node ? node : null;
};

const threadAs = async (thread: Thread, who: Viewer | null) => {
  const { article } = await query(ModeratedThreadDocument, { slug: thread.slug, first: 50 }, { viewer: who });
  return article!;
};

const events = (thread: Thread) =>
  db.reader.commentEvent.findMany({ where: { articleId: thread.id }, orderBy: { seq: 'asc' }, select: { kind: true, commentId: true } });

const rowId = (id: string) => Number(Buffer.from(id, 'base64').toString().split(':')[1]);

beforeAll(async () => {
  await db.writer.moderationSettings.deleteMany({});
});

describe('a comment held for review', () => {
  it('shows to its author and moderators with its status, and to everyone else as nothing at all', async () => {
    const thread = await newThread('PRE');
    const writer = someone('Held Writer');
    const held = await post(thread, writer, 'Waiting for a moderator.');

    expect(await statusOf(held.id, writer)).toMatchObject({ body: 'Waiting for a moderator.', isDeleted: false, status: 'PENDING' });
    expect(await statusOf(held.id, moderator)).toMatchObject({ body: 'Waiting for a moderator.', status: 'PENDING' });
    // Reached by its id, a tombstone with no status; in lists and counts, not there at all.
    expect(await statusOf(held.id, null)).toMatchObject({ body: '', isDeleted: true, status: null });
    expect(await statusOf(held.id, someone())).toMatchObject({ body: '', isDeleted: true, status: null });

    const publicView = await threadAs(thread, null);
    expect(publicView.commentCount).toBe(0);
    expect(publicView.comments.totalCount).toBe(0);
    expect(publicView.comments.edges).toEqual([]);
    const ownView = await threadAs(thread, writer);
    expect(ownView.comments.edges.map((edge) => edge.node.id)).toEqual([held.id]);
    expect((await threadAs(thread, moderator)).comments.totalCount).toBe(1);
    // The public hears nothing yet.
    expect(await events(thread)).toEqual([]);
  });

  it('is published by a moderator: counted, announced as new, gone from the queue, in the log', async () => {
    const thread = await newThread('PRE');
    const writer = someone();
    const held = await post(thread, writer, 'Approve me, please.');
    const queued = await query(ModerationQueueDocument, { filter: { articleId: thread.globalId } }, { viewer: moderator });
    expect(queued.moderationQueue.totalCount).toBe(1);
    expect(queued.moderationQueue.edges[0]!.node).toMatchObject({
      status: 'PENDING',
      heldBy: ['PRE: every comment on this article waits for a moderator'],
      comment: { id: held.id, status: 'PENDING' },
    });

    const { approveComment } = await query(ApproveCommentDocument, { input: { commentId: held.id } }, { viewer: moderator });
    expect(approveComment).toMatchObject({ __typename: 'ApproveCommentSuccess', comment: { status: 'PUBLISHED' } });
    const publicView = await threadAs(thread, null);
    expect(publicView.commentCount).toBe(1);
    expect(publicView.comments.edges.map((edge) => edge.node.body)).toEqual(['Approve me, please.']);
    expect(await events(thread)).toEqual([{ kind: 'ADDED', commentId: rowId(held.id) }]);
    expect(
      (await query(ModerationQueueDocument, { filter: { articleId: thread.globalId } }, { viewer: moderator })).moderationQueue.totalCount,
    ).toBe(0);
    const logged = await db.reader.moderationAction.findMany({ where: { commentId: rowId(held.id) }, orderBy: { id: 'asc' } });
    expect(logged.map((entry) => [entry.kind, entry.actorId === null])).toEqual([
      ['HOLD', true],
      ['APPROVE', false],
    ]);
  });

  it('stays its author’s to edit and delete, and nobody else’s to reply to or quote', async () => {
    const thread = await newThread('PRE');
    const writer = someone();
    const held = await post(thread, writer, 'First words.');
    const { editComment } = await query(EditCommentDocument, { input: { commentId: held.id, body: 'Better words.' } }, { viewer: writer });
    expect(editComment.__typename).toBe('EditCommentSuccess');
    const reply = await query(
      PostCommentDocument,
      { input: { articleId: thread.globalId, body: 'Reply.', replyToId: held.id } },
      { viewer: moderator },
    );
    expect(reply.postComment).toMatchObject({ __typename: 'ValidationError', field: 'replyToId' });
    const quoting = await query(
      PostCommentDocument,
      { input: { articleId: thread.globalId, body: 'Quote.', quotes: [{ commentId: held.id, start: 0, end: 6 }] } },
      { viewer: moderator },
    );
    expect(quoting.postComment).toMatchObject({ __typename: 'ValidationError', field: 'quotes.0.commentId' });
    const { deleteComment } = await query(DeleteCommentDocument, { input: { commentId: held.id } }, { viewer: writer });
    expect(deleteComment.__typename).toBe('DeleteCommentSuccess');
    // Nothing of it ever reached the public log.
    expect(await events(thread)).toEqual([]);
    expect(
      (await query(ModerationQueueDocument, { filter: { articleId: thread.globalId } }, { viewer: moderator })).moderationQueue.totalCount,
    ).toBe(0);
  });

  it('rejected, stays a tombstone to the public and shows REJECTED to its author, with the reason in the log', async () => {
    const thread = await newThread('PRE');
    const writer = someone();
    const held = await post(thread, writer, 'Not going to make it.');
    const { rejectComment } = await query(
      RejectCommentDocument,
      { input: { commentId: held.id, reason: 'Off topic' } },
      { viewer: moderator },
    );
    expect(rejectComment).toMatchObject({ __typename: 'RejectCommentSuccess', comment: { status: 'REJECTED' } });
    expect(await statusOf(held.id, writer)).toMatchObject({ status: 'REJECTED', body: 'Not going to make it.' });
    expect(await statusOf(held.id, null)).toMatchObject({ isDeleted: true, body: '' });
    const rejected = await query(
      ModerationQueueDocument,
      { filter: { status: 'REJECTED', articleId: thread.globalId } },
      { viewer: moderator },
    );
    expect(rejected.moderationQueue.edges.map((edge) => edge.node.comment.id)).toEqual([held.id]);
    const entry = await db.reader.moderationAction.findFirstOrThrow({ where: { commentId: rowId(held.id), kind: 'REJECT' } });
    expect(entry.reason).toBe('Off topic');
  });

  it('is decided on in bulk, all or none, at most a hundred at once', async () => {
    const thread = await newThread('PRE');
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push((await post(thread, someone(), `Bulk ${n}.`)).id);
    const missing = globalId('Comment', 999_999);
    const refused = await query(ApproveCommentsDocument, { input: { commentIds: [...ids, missing] } }, { viewer: moderator });
    expect(refused.approveComments).toMatchObject({ __typename: 'NotFoundError' });
    expect((await threadAs(thread, null)).commentCount).toBe(0);
    const tooMany = await query(
      RejectCommentsDocument,
      { input: { commentIds: Array.from({ length: 101 }, (_, n) => globalId('Comment', n + 1)) } },
      { viewer: moderator },
    );
    expect(tooMany.rejectComments).toMatchObject({ __typename: 'ValidationError', field: 'commentIds' });
    const { approveComments } = await query(ApproveCommentsDocument, { input: { commentIds: ids } }, { viewer: moderator });
    expect(approveComments.__typename).toBe('ApproveCommentsSuccess');
    expect((await threadAs(thread, null)).commentCount).toBe(3);
  });

  it('is the moderators’ business: authors cannot approve, reject or read the queue', async () => {
    const thread = await newThread('PRE');
    const writer = someone();
    const held = await post(thread, writer, 'Mine to approve?');
    const { approveComment } = await query(ApproveCommentDocument, { input: { commentId: held.id } }, { viewer: writer });
    expect(approveComment.__typename).toBe('ForbiddenError');
    await expect(query(ModerationQueueDocument, {}, { viewer: writer })).rejects.toThrow();
    expect(await statusOf(held.id, writer)).toMatchObject({ status: 'PENDING' });
  });
});

describe('reports', () => {
  it('are taken once per reader; the third sends the comment back to review, heard as a deletion', async () => {
    const thread = await newThread('POST');
    const writer = someone();
    const comment = await post(thread, writer, 'A controversial take.');
    const [first, second, third] = [someone(), someone(), someone()];
    const report = (who: Viewer, reason: 'SPAM' | 'ABUSE' | 'OFF_TOPIC' | 'OTHER', note?: string) =>
      query(ReportCommentDocument, { input: { commentId: comment.id, reason, note } }, { viewer: who });

    expect((await report(writer, 'SPAM')).reportComment.__typename).toBe('ForbiddenError');
    expect((await report(first, 'SPAM', 'Selling things')).reportComment.__typename).toBe('ReportCommentSuccess');
    // A second report by the same reader succeeds and changes nothing.
    expect((await report(first, 'ABUSE')).reportComment.__typename).toBe('ReportCommentSuccess');
    await report(second, 'SPAM');
    expect((await threadAs(thread, null)).commentCount).toBe(1);

    const reported = await query(
      ModerationQueueDocument,
      { filter: { status: 'REPORTED', articleId: thread.globalId } },
      { viewer: moderator },
    );
    expect(reported.moderationQueue.edges[0]!.node).toMatchObject({
      status: 'REPORTED',
      reportCount: 2,
      reports: [{ reason: 'SPAM', count: 2 }],
      reportNotes: [{ reason: 'SPAM', note: 'Selling things' }],
    });

    await report(third, 'OFF_TOPIC');
    const publicView = await threadAs(thread, null);
    expect(publicView.commentCount).toBe(0);
    expect(publicView.comments.edges).toEqual([]);
    expect(await statusOf(comment.id, writer)).toMatchObject({ status: 'PENDING', body: 'A controversial take.' });
    expect((await events(thread)).map((event) => event.kind)).toEqual(['ADDED', 'HELD']);
    const pending = await query(ModerationQueueDocument, { filter: { articleId: thread.globalId } }, { viewer: moderator });
    expect(pending.moderationQueue.edges[0]!.node.heldBy).toEqual(['REPORTS: 3 open reports']);

    // Approved: published again (heard as restored), its reports dealt with.
    await query(ApproveCommentDocument, { input: { commentId: comment.id } }, { viewer: moderator });
    expect((await threadAs(thread, null)).commentCount).toBe(1);
    expect((await events(thread)).map((event) => event.kind)).toEqual(['ADDED', 'HELD', 'RESTORED']);
    const after = await query(
      ModerationQueueDocument,
      { filter: { status: 'REPORTED', articleId: thread.globalId } },
      { viewer: moderator },
    );
    expect(after.moderationQueue.totalCount).toBe(0);
    expect(await db.reader.report.count({ where: { commentId: rowId(comment.id), resolvedAt: null } })).toBe(0);
  });

  it('are refused for what the reader cannot see, and say which note is too long', async () => {
    const thread = await newThread('PRE');
    const held = await post(thread, someone(), 'Nobody can see me yet.');
    const hidden = await query(ReportCommentDocument, { input: { commentId: held.id, reason: 'SPAM' } }, { viewer: someone() });
    expect(hidden.reportComment.__typename).toBe('NotFoundError');
    const open = await newThread('POST');
    const visible = await post(open, someone(), 'Plain.');
    const long = await query(
      ReportCommentDocument,
      { input: { commentId: visible.id, reason: 'OTHER', note: 'x'.repeat(1001) } },
      { viewer: someone() },
    );
    expect(long.reportComment).toMatchObject({ __typename: 'ValidationError', field: 'note' });
  });

  it('of a reply keep the parent’s public reply count in step', async () => {
    const thread = await newThread('POST');
    const parent = await post(thread, someone(), 'Parent.');
    const reply = await post(thread, someone(), 'Reply.', parent.id);
    expect((await statusOf(parent.id, null))!.replyCount).toBe(1);
    for (let n = 0; n < 3; n++)
      await query(ReportCommentDocument, { input: { commentId: reply.id, reason: 'ABUSE' } }, { viewer: someone() });
    expect((await statusOf(parent.id, null))!.replyCount).toBe(0);
    await query(RejectCommentDocument, { input: { commentId: reply.id } }, { viewer: moderator });
    expect((await statusOf(parent.id, null))!.replyCount).toBe(0);
    await query(ApproveCommentDocument, { input: { commentId: reply.id } }, { viewer: moderator });
    expect((await statusOf(parent.id, null))!.replyCount).toBe(1);
  });
});

describe('the rules', () => {
  it('hold a new author’s first comments, comments with too many links, and reject banned terms, naming the rule', async () => {
    await db.writer.moderationSettings.upsert({
      where: { id: 1 },
      create: { id: 1, holdFirstComments: 1, maxLinks: 1 },
      update: { holdFirstComments: 1, maxLinks: 1 },
    });
    await db.writer.bannedTerm.create({ data: { pattern: 'crypto giveaway', action: 'REJECT' } });
    try {
      const thread = await newThread();
      const newcomer = someone();
      const first = await post(thread, newcomer, 'Hello, first time here.');
      expect(first).toMatchObject({ isDeleted: false });
      expect(await statusOf(first.id, newcomer)).toMatchObject({ status: 'PENDING' });
      await query(ApproveCommentDocument, { input: { commentId: first.id } }, { viewer: moderator });
      // Published once: the next one goes straight out.
      const regular = await post(thread, newcomer, 'Back again.');
      expect(await statusOf(regular.id, null)).toMatchObject({ isDeleted: false });

      const links = await post(thread, moderator, 'Moderators are trusted: http://a.example http://b.example');
      expect(await statusOf(links.id, null)).toMatchObject({ isDeleted: false });
      const spammy = await post(thread, someone(), 'See http://a.example and https://b.example');
      const rejected = await post(thread, someone(), 'Join the CRYPTO   Giveaway now');
      const queue = await query(ModerationQueueDocument, { filter: { articleId: thread.globalId } }, { viewer: moderator });
      const heldBy = new Map(queue.moderationQueue.edges.map((edge) => [edge.node.comment.id, edge.node.heldBy]));
      expect(heldBy.get(spammy.id)).toEqual(expect.arrayContaining([expect.stringMatching(/^LINKS: 2 links/)]));
      expect(await statusOf(rejected.id, moderator)).toMatchObject({ status: 'REJECTED' });
      const rejectedLog = await db.reader.moderationAction.findFirstOrThrow({ where: { commentId: rowId(rejected.id) } });
      expect(rejectedLog).toMatchObject({ kind: 'REJECT', actorId: null, reason: 'BANNED_TERM: contains "crypto giveaway"' });
    } finally {
      await db.writer.moderationSettings.deleteMany({});
      await db.writer.bannedTerm.deleteMany({});
    }
  });

  it('follow the article’s mode: POST publishes whatever the site rules say', async () => {
    await db.writer.moderationSettings.upsert({
      where: { id: 1 },
      create: { id: 1, holdFirstComments: 5 },
      update: { holdFirstComments: 5 },
    });
    try {
      const thread = await newThread('POST');
      const comment = await post(thread, someone(), 'Straight out.');
      expect(await statusOf(comment.id, null)).toMatchObject({ isDeleted: false });
    } finally {
      await db.writer.moderationSettings.deleteMany({});
    }
  });
});
