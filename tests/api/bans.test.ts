// Issue 14, item 5: administrators ban and unban authors; a banned author's writes answer
// BannedError { until } until the ban ends; a ban may reject the author's pending comments at
// once; every ban and unban is in the moderation log.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/auth.js';
import { defaultWriteLimits } from '../../src/config.js';
import { defaultModeration } from '../../src/context.js';
import { assertNotBanned, banAuthor, maxRejectedOnBan } from '../../src/domain/bans.js';
import { BannedError } from '../../src/domain/errors.js';
import {
  AuthorBanDocument,
  BanAuthorDocument,
  DeleteCommentWhileBannedDocument,
  EditCommentWhileBannedDocument,
  PostCommentDocument,
  PostCommentWhileBannedDocument,
  ReportCommentDocument,
  ReportCommentWhileBannedDocument,
  UnbanAuthorDocument,
} from '../../schema/generated/graphql.js';
import { db, globalId, query, statementsOf, viewer } from '../helpers.js';

const admin = viewer('ban-admin', 'ADMIN', 'Ban Admin');
const moderator = viewer('ban-moderator', 'MODERATOR', 'Ban Moderator');
let people = 0;
const someone = () => viewer(`ban-reader-${++people}`, 'AUTHOR', 'Reader');

/** No waiting between one author's comments here: the rate limit is tested elsewhere. */
const writeLimits = { ...defaultWriteLimits, minIntervalSeconds: 0, windowMax: 1000 };

interface Thread {
  id: number;
  globalId: string;
}
let threads = 0;

async function newThread(moderation: 'PRE' | 'POST'): Promise<Thread> {
  const slug = `banned-${++threads}`;
  const owner = await db.writer.author.upsert({
    where: { handle: 'ban-owner' },
    create: { handle: 'ban-owner', name: 'Owner' },
    update: {},
    select: { id: true },
  });
  const { id } = await db.writer.article.create({
    data: { slug, title: slug, body: 'Body.', publishedAt: new Date(Date.now() - 60_000), authorId: owner.id, moderation },
    select: { id: true },
  });
  return { id, globalId: globalId('Article', id) };
}

let open: Thread;
let held: Thread;

beforeAll(async () => {
  open = await newThread('POST');
  held = await newThread('PRE');
});

async function post(thread: Thread, who: Viewer, body: string) {
  const { postComment } = await query(PostCommentDocument, { input: { articleId: thread.globalId, body } }, { viewer: who, writeLimits });
  if (postComment.__typename !== 'PostCommentSuccess') throw new Error(`${postComment.__typename}: ${JSON.stringify(postComment)}`);
  return postComment.comment;
}

const rowId = (id: string) => Number(Buffer.from(id, 'base64').toString().split(':')[1]);
const authorRow = (handle: string) => db.reader.author.findUniqueOrThrow({ where: { handle } });
const authorGlobalId = async (who: Viewer) => globalId('Author', (await authorRow(who.handle)).id);

/** A new author with a published comment: their Author row exists, and they have something to edit and delete. */
async function authorWithComment() {
  const who = someone();
  const comment = await post(open, who, 'Something to edit or delete later.');
  return { who, comment, authorId: await authorGlobalId(who) };
}

const ban = (
  input: { authorId: string; until?: string | null; reason?: string | null; rejectPending?: boolean },
  as: Viewer | null = admin,
) => query(BanAuthorDocument, { input }, { viewer: as }).then((result) => result.banAuthor);
const unban = (authorId: string, as: Viewer | null = admin) =>
  query(UnbanAuthorDocument, { input: { authorId } }, { viewer: as }).then((result) => result.unbanAuthor);

const log = (kind: 'BAN' | 'UNBAN' | 'REJECT') =>
  db.reader.moderationAction.findMany({
    where: { kind },
    orderBy: { id: 'asc' },
    select: {
      kind: true,
      authorId: true,
      articleId: true,
      commentId: true,
      reason: true,
      detail: true,
      actor: { select: { handle: true } },
    },
  });
const logSize = () => db.reader.moderationAction.count();

/** Each kind of write, as the banned author: what each answers. */
async function writesOf(who: Viewer, own: { id: string }) {
  const others = await post(open, someone(), 'Somebody else’s comment, to report.');
  const options = { viewer: who, writeLimits };
  const posted = await query(PostCommentWhileBannedDocument, { input: { articleId: open.globalId, body: 'Let me in.' } }, options);
  const edited = await query(EditCommentWhileBannedDocument, { input: { commentId: own.id, body: 'Changed.' } }, options);
  const deleted = await query(DeleteCommentWhileBannedDocument, { input: { commentId: own.id } }, options);
  const reported = await query(ReportCommentWhileBannedDocument, { input: { commentId: others.id, reason: 'SPAM' } }, options);
  return [posted.postComment, edited.editComment, deleted.deleteComment, reported.reportComment];
}

describe('banning an author', () => {
  it('is for administrators only: moderators, authors and anonymous viewers get ForbiddenError and nothing changes', async () => {
    const { authorId, who } = await authorWithComment();
    const before = await logSize();
    for (const as of [moderator, someone(), null]) {
      expect((await ban({ authorId, reason: 'No.' }, as)).__typename).toBe('ForbiddenError');
      expect((await unban(authorId, as)).__typename).toBe('ForbiddenError');
    }
    expect(await authorRow(who.handle)).toMatchObject({ bannedAt: null, bannedUntil: null, banReason: null });
    expect(await logSize()).toBe(before);
  });

  it('without end: every write of the author answers BannedError { until: null }, writes nothing, and the log records BAN', async () => {
    const { who, comment, authorId } = await authorWithComment();
    const banned = await ban({ authorId, reason: '  Repeated abuse.  ' });
    expect(banned).toMatchObject({ __typename: 'BanAuthorSuccess', author: { id: authorId, isBanned: true, bannedUntil: null } });
    expect(await authorRow(who.handle)).toMatchObject({ bannedUntil: null, banReason: 'Repeated abuse.' });

    const comments = await db.reader.comment.count();
    const answers = await writesOf(who, comment);
    for (const answer of answers)
      expect(answer).toEqual({ __typename: 'BannedError', code: 'BANNED', message: 'You are banned from commenting.', until: null });
    // The report's target was posted by someone else inside writesOf: one comment more, no other.
    expect(await db.reader.comment.count()).toBe(comments + 1);
    expect(await db.reader.comment.findUniqueOrThrow({ where: { id: rowId(comment.id) } })).toMatchObject({
      body: 'Something to edit or delete later.',
      deletedAt: null,
    });

    expect((await log('BAN')).at(-1)).toEqual({
      kind: 'BAN',
      authorId: rowId(authorId),
      articleId: null,
      commentId: null,
      reason: 'Repeated abuse.',
      detail: 'no end',
      actor: { handle: admin.handle },
    });
  });

  it('until a time: writes answer BannedError with that time, and once it has passed the author writes again', async () => {
    const { who, comment, authorId } = await authorWithComment();
    const until = new Date(Date.now() + 3_600_000);
    const banned = await ban({ authorId, until: until.toISOString() });
    expect(banned).toMatchObject({ __typename: 'BanAuthorSuccess', author: { isBanned: true, bannedUntil: until.toISOString() } });
    for (const answer of await writesOf(who, comment)) {
      expect(answer).toMatchObject({ __typename: 'BannedError', code: 'BANNED', until: until.toISOString() });
    }
    expect((await log('BAN')).at(-1)).toMatchObject({ authorId: rowId(authorId), reason: null, detail: until.toISOString() });

    // A ban made an hour ago that ended a second later: not in force, with nothing run at its end.
    const hourAgo = new Date(Date.now() - 3_600_000);
    await banAuthor(db, admin, { authorId: rowId(authorId), until: new Date(hourAgo.getTime() + 1000) }, hourAgo);
    const { author } = await query(AuthorBanDocument, { handle: who.handle }, { viewer: admin });
    expect(author).toMatchObject({ isBanned: false, bannedUntil: null });
    await post(open, who, 'Back after the ban ended.');
  });

  it('assertNotBanned refuses while the ban is in force and passes at its end, after it, and for authors never banned', async () => {
    const { authorId } = await authorWithComment();
    const id = rowId(authorId);
    const now = new Date();
    await assertNotBanned(db.writer, id, now);
    const until = new Date(now.getTime() + 60_000);
    await banAuthor(db, admin, { authorId: id, until }, now);
    const refusal = await assertNotBanned(db.writer, id, new Date(until.getTime() - 1)).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(BannedError);
    expect((refusal as BannedError).until).toEqual(until);
    await assertNotBanned(db.writer, id, until);
    await assertNotBanned(db.writer, id, new Date(until.getTime() + 1));

    await banAuthor(db, admin, { authorId: id }, now);
    const forever = await assertNotBanned(db.writer, id, new Date('9999-01-01T00:00:00Z')).catch((error: unknown) => error);
    expect(forever).toBeInstanceOf(BannedError);
    expect((forever as BannedError).until).toBeNull();
  });

  it('refuses an end that is not in the future, a long reason, a wrong or unknown ID, yourself and administrators, writing nothing', async () => {
    const { who, authorId } = await authorWithComment();
    await db.writer.author.upsert({ where: { handle: admin.handle }, create: { ...admin }, update: {} });
    const otherAdmin = await db.writer.author.create({ data: { handle: 'ban-other-admin', name: 'Other Admin', role: 'ADMIN' } });
    const before = await logSize();

    expect(await ban({ authorId, until: new Date(Date.now() - 1000).toISOString() })).toMatchObject({
      __typename: 'ValidationError',
      field: 'until',
    });
    expect(await ban({ authorId, reason: 'x'.repeat(501) })).toMatchObject({ __typename: 'ValidationError', field: 'reason' });
    expect(await ban({ authorId: globalId('Comment', rowId(authorId)) })).toMatchObject({
      __typename: 'ValidationError',
      field: 'authorId',
    });
    expect(await ban({ authorId: 'not an id' })).toMatchObject({ __typename: 'ValidationError', field: 'authorId' });
    expect((await ban({ authorId: globalId('Author', 987_654) })).__typename).toBe('NotFoundError');
    expect((await unban(globalId('Author', 987_654))).__typename).toBe('NotFoundError');
    expect(await ban({ authorId: await authorGlobalId(admin) })).toMatchObject({
      __typename: 'ForbiddenError',
      message: 'You cannot ban yourself.',
    });
    expect(await ban({ authorId: globalId('Author', otherAdmin.id) })).toMatchObject({
      __typename: 'ForbiddenError',
      message: 'Administrators cannot be banned.',
    });

    expect(await authorRow(who.handle)).toMatchObject({ bannedAt: null });
    expect(await authorRow('ban-other-admin')).toMatchObject({ bannedAt: null });
    expect(await logSize()).toBe(before);
    // The longest reason there may be is taken.
    expect((await ban({ authorId, reason: 'é'.repeat(500) })).__typename).toBe('BanAuthorSuccess');
  });

  it('banning a banned author changes its end and reason, keeps when it began, and records again', async () => {
    const { who, authorId } = await authorWithComment();
    await ban({ authorId, reason: 'First.' });
    const first = await authorRow(who.handle);
    const until = new Date(Date.now() + 86_400_000);
    expect(await ban({ authorId, until: until.toISOString(), reason: 'Shortened.' })).toMatchObject({
      author: { isBanned: true, bannedUntil: until.toISOString() },
    });
    expect(await authorRow(who.handle)).toMatchObject({ bannedAt: first.bannedAt, bannedUntil: until, banReason: 'Shortened.' });
    const entries = (await log('BAN')).filter((entry) => entry.authorId === rowId(authorId));
    expect(entries.map(({ reason, detail }) => ({ reason, detail }))).toEqual([
      { reason: 'First.', detail: 'no end' },
      { reason: 'Shortened.', detail: until.toISOString() },
    ]);
  });

  it('unbanning lets the author write again and records UNBAN; unbanning an author who is not banned succeeds and records nothing', async () => {
    const { who, authorId } = await authorWithComment();
    const until = new Date(Date.now() + 3_600_000);
    await ban({ authorId, until: until.toISOString(), reason: 'For an hour.' });
    expect(await unban(authorId)).toMatchObject({ __typename: 'UnbanAuthorSuccess', author: { isBanned: false, bannedUntil: null } });
    expect(await authorRow(who.handle)).toMatchObject({ bannedAt: null, bannedUntil: null, banReason: null });
    expect((await log('UNBAN')).at(-1)).toEqual({
      kind: 'UNBAN',
      authorId: rowId(authorId),
      articleId: null,
      commentId: null,
      reason: null,
      detail: until.toISOString(),
      actor: { handle: admin.handle },
    });
    await post(open, who, 'Free to write again.');

    const before = await logSize();
    expect((await unban(authorId)).__typename).toBe('UnbanAuthorSuccess');
    const never = await authorWithComment();
    expect((await unban(never.authorId)).__typename).toBe('UnbanAuthorSuccess');
    // A ban that has ended is cleared, but nobody lifted it.
    const hourAgo = new Date(Date.now() - 3_600_000);
    await banAuthor(db, admin, { authorId: rowId(authorId), until: new Date(hourAgo.getTime() + 1000) }, hourAgo);
    const afterEndedBan = await logSize();
    expect((await unban(authorId)).__typename).toBe('UnbanAuthorSuccess');
    expect(await authorRow(who.handle)).toMatchObject({ bannedAt: null, bannedUntil: null, banReason: null });
    expect(await logSize()).toBe(afterEndedBan);
    expect(afterEndedBan).toBe(before + 1);
  });

  it('shows isBanned and bannedUntil to moderators and administrators only', async () => {
    const { who, authorId } = await authorWithComment();
    const until = new Date(Date.now() + 3_600_000);
    await ban({ authorId, until: until.toISOString() });
    for (const as of [null, someone(), who]) {
      const { author } = await query(AuthorBanDocument, { handle: who.handle }, { viewer: as });
      expect(author).toMatchObject({ handle: who.handle, isBanned: null, bannedUntil: null });
    }
    for (const as of [moderator, admin]) {
      const { author } = await query(AuthorBanDocument, { handle: who.handle }, { viewer: as });
      expect(author).toMatchObject({ isBanned: true, bannedUntil: until.toISOString() });
    }
  });
});

describe('rejecting a banned author’s pending comments', () => {
  it('leaves them pending without rejectPending; with it, rejects them at once, each in the log, and nobody else’s', async () => {
    const who = someone();
    const first = await post(held, who, 'Waiting for review, one.');
    const second = await post(held, who, 'Waiting for review, two.');
    const shown = await post(open, who, 'Published before the ban.');
    // Sent back to review by a reader's report: pending, with an open report.
    const reported = await post(open, who, 'Reported back to review.');
    await query(
      ReportCommentDocument,
      { input: { commentId: reported.id, reason: 'ABUSE' } },
      { viewer: someone(), moderation: { ...defaultModeration, reportsToHold: 1 } },
    );
    const bystander = await post(held, someone(), 'Somebody else’s, waiting too.');
    const authorId = await authorGlobalId(who);
    const status = async (id: string) => (await db.reader.comment.findUniqueOrThrow({ where: { id: rowId(id) } })).status;
    expect(await Promise.all([first, second, reported, bystander].map((comment) => status(comment.id)))).toEqual([
      'PENDING',
      'PENDING',
      'PENDING',
      'PENDING',
    ]);

    expect((await ban({ authorId, reason: 'Spam.' })).__typename).toBe('BanAuthorSuccess');
    expect(await status(first.id)).toBe('PENDING');
    expect((await log('REJECT')).filter((entry) => entry.authorId === rowId(authorId))).toEqual([]);

    const counts = () => db.reader.article.findMany({ where: { id: { in: [open.id, held.id] } }, select: { commentCount: true } });
    const events = () => db.reader.commentEvent.count({ where: { articleId: { in: [open.id, held.id] } } });
    const [countsBefore, eventsBefore] = [await counts(), await events()];
    expect((await ban({ authorId, reason: 'Spam.', rejectPending: true })).__typename).toBe('BanAuthorSuccess');

    expect(await Promise.all([first, second, reported, shown, bystander].map((comment) => status(comment.id)))).toEqual([
      'REJECTED',
      'REJECTED',
      'REJECTED',
      'PUBLISHED',
      'PENDING',
    ]);
    // Its report is dealt with: the comment leaves the REPORTED queue.
    expect(await db.reader.comment.findUniqueOrThrow({ where: { id: rowId(reported.id) } })).toMatchObject({
      openReports: 0,
      reportedAt: null,
    });
    expect(await db.reader.report.count({ where: { commentId: rowId(reported.id), resolvedAt: null } })).toBe(0);
    // None of them was public: no count moves, no event is logged.
    expect(await counts()).toEqual(countsBefore);
    expect(await events()).toBe(eventsBefore);

    const rejections = (await log('REJECT')).filter((entry) => entry.authorId === rowId(authorId));
    expect(rejections).toEqual(
      [
        [held, first],
        [held, second],
        [open, reported],
      ].map(([thread, comment]) => ({
        kind: 'REJECT',
        authorId: rowId(authorId),
        articleId: (thread as Thread).id,
        commentId: rowId((comment as { id: string }).id),
        reason: 'author banned',
        detail: null,
        actor: { handle: admin.handle },
      })),
    );
    expect((await log('BAN')).filter((entry) => entry.authorId === rowId(authorId))).toHaveLength(2);
  });

  it(`rejects at most ${maxRejectedOnBan} comments per ban, the oldest; the rest stay in the queue`, async () => {
    const who = someone();
    await post(held, who, 'One pending comment through the API, the rest written directly.');
    const author = await authorRow(who.handle);
    const thread = await newThread('PRE');
    const extra = maxRejectedOnBan + 5;
    await db.writer.comment.createMany({
      data: Array.from({ length: extra }, (_, index) => ({
        articleId: thread.id,
        number: index + 1,
        authorId: author.id,
        path: `${String(index + 1).padStart(8, '0')}/`,
        body: `Pending ${index + 1}.`,
        status: 'PENDING' as const,
      })),
    });
    const statements = await statementsOf(async () => {
      expect((await ban({ authorId: globalId('Author', author.id), rejectPending: true })).__typename).toBe('BanAuthorSuccess');
    });
    // A few statements, not a few per comment: the updates and the log entries go in bulk.
    expect(statements.length).toBeLessThan(25);
    const left = await db.reader.comment.findMany({
      where: { authorId: author.id, status: 'PENDING' },
      select: { articleId: true, number: true },
    });
    // The comment posted through the API is the oldest, so the direct ones from number 1000 on stay.
    expect(left.map(({ articleId, number }) => [articleId, number]).sort((a, b) => a[1]! - b[1]!)).toEqual(
      Array.from({ length: extra - (maxRejectedOnBan - 1) }, (_, index) => [thread.id, maxRejectedOnBan + index]),
    );
    expect(await db.reader.moderationAction.count({ where: { kind: 'REJECT', authorId: author.id } })).toBe(maxRejectedOnBan);
  });
});
