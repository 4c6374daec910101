/**
 * Writing comments: the rules, each in one place, each write in one transaction.
 * Functions take decoded database ids and return the id of the comment they touched.
 */
import { createHash } from 'node:crypto';
import type { Viewer } from '../auth.js';
import type { WriteLimits } from '../config.js';
import type { BulkColumn, Database, DbTx } from '../db.js';
import type { CommentStatus } from '../generated/prisma/client.js';
import { appendEvent, appendEvents, type CommentEventKind, type LiveEvent } from './events.js';
import { ensureAuthor, mentionedAuthors, replaceMentions } from './authors.js';
import {
  DuplicateCommentError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  NotFoundError,
  RateLimitedError,
  ThreadLockedError,
  ValidationError,
} from './errors.js';
import { maxQuotesPerComment, maxThreadDepth } from './limits.js';
import type { SpamVerdict } from '../moderation/akismet.js';
import { assertNotBanned } from './bans.js';
import { decideNewComment, wantsSpamCheck } from './moderation.js';
import { recordModeration } from './moderation-log.js';
import { childPath } from './thread.js';
import { enqueue } from '../notify/outbox.js';
import { unacceptableProse, unstorableText } from './text.js';
import { isModerator, showsArticle } from './visibility.js';

export interface QuoteInput {
  commentId: number;
  start: number;
  end: number;
}

export interface PostCommentInput {
  articleId: number;
  body: string;
  replyToId?: number | null;
  quotes?: readonly QuoteInput[] | null;
  idempotencyKey?: string | null;
}

export interface WriteResult {
  commentId: number;
  /** True when an idempotency key returned the comment an earlier request made. */
  replayed: boolean;
  /** What the write logged, to publish once it has committed. */
  events: LiveEvent[];
}

/** A body as stored: line endings normalised, surrounding whitespace trimmed, checked. */
function checkBody(raw: string, limits: WriteLimits, field = 'body'): string {
  const body = raw.replace(/\r\n?/g, '\n').trim();
  if (body === '') throw new ValidationError(field, 'The comment is empty.');
  const problem = unacceptableProse(body);
  if (problem) throw new ValidationError(field, `The comment ${problem}`);
  const length = [...body].length;
  if (length > limits.maxCommentLength) {
    throw new ValidationError(field, `The comment is ${length} characters long; the limit is ${limits.maxCommentLength}.`);
  }
  return body;
}

const secondsSince = (now: Date, then: Date) => (now.getTime() - then.getTime()) / 1000;

/** The rate of what an author posts here: imported comments (dated when they were imported) do not count. */
async function checkRate(tx: DbTx, authorId: number, limits: WriteLimits, now: Date): Promise<void> {
  const latest = await tx.comment.findFirst({
    where: { authorId, imported: false },
    orderBy: { createdAt: 'desc' },
    select: { createdAt: true },
  });
  if (latest) {
    // A concurrent post that committed first may carry a later time than this one's `now`.
    const wait = limits.minIntervalSeconds - Math.max(0, secondsSince(now, latest.createdAt));
    if (wait > 0) throw new RateLimitedError(Math.ceil(wait));
  }
  const windowStart = new Date(now.getTime() - limits.windowSeconds * 1000);
  const recent = await tx.comment.findMany({
    where: { authorId, imported: false, createdAt: { gt: windowStart } },
    orderBy: { createdAt: 'desc' },
    take: limits.windowMax,
    select: { createdAt: true },
  });
  if (recent.length >= limits.windowMax) {
    const oldest = recent[recent.length - 1]!.createdAt;
    throw new RateLimitedError(Math.max(1, Math.ceil(limits.windowSeconds - secondsSince(now, oldest))));
  }
}

async function checkQuotes(tx: DbTx, articleId: number, quotes: readonly QuoteInput[], limits: WriteLimits): Promise<QuoteRow[]> {
  // postComment has checked their number before opening the transaction.
  if (quotes.length === 0) return [];
  const sources = await tx.comment.findMany({
    where: { id: { in: [...new Set(quotes.map((q) => q.commentId))] } },
    select: { id: true, articleId: true, body: true, deletedAt: true, hiddenAt: true, status: true },
  });
  const byId = new Map(sources.map((source) => [source.id, source]));
  const seen = new Map<string, number>();
  return quotes.map((quote, index) => {
    const field = `quotes.${index}`;
    const source = byId.get(quote.commentId);
    if (!source) throw new NotFoundError(`${field}: the quoted comment does not exist.`);
    if (source.articleId !== articleId) throw new ValidationError(`${field}.commentId`, 'The quoted comment belongs to another article.');
    if (source.deletedAt || source.hiddenAt) throw new ValidationError(`${field}.commentId`, 'The quoted comment was removed.');
    if (source.status !== 'PUBLISHED') throw new ValidationError(`${field}.commentId`, 'The quoted comment is not published.');
    if (!Number.isInteger(quote.start) || quote.start < 0) throw new ValidationError(`${field}.start`, '`start` must be 0 or more.');
    if (quote.end <= quote.start) throw new ValidationError(`${field}.end`, '`end` must be greater than `start`.');
    if (quote.end > source.body.length) {
      throw new ValidationError(`${field}.end`, `\`end\` is past the quoted comment's end (${source.body.length}).`);
    }
    const splitsPair = (offset: number) => offset > 0 && offset < source.body.length && /[\uDC00-\uDFFF]/.test(source.body[offset]!);
    if (splitsPair(quote.start) || splitsPair(quote.end)) {
      throw new ValidationError(
        `${field}`,
        'The span cuts a character in two (an emoji, say): UTF-16 offsets must fall between characters.',
      );
    }
    if (quote.end - quote.start > limits.maxQuoteLength) {
      throw new ValidationError(`${field}`, `A quote may be at most ${limits.maxQuoteLength} characters long.`);
    }
    const span = `${quote.commentId}:${quote.start}:${quote.end}`;
    const earlier = seen.get(span);
    if (earlier !== undefined) throw new ValidationError(field, `The same span is quoted in quotes.${earlier} already; quote a span once.`);
    seen.set(span, index);
    return {
      quoted: { id: source.id },
      text: source.body.slice(quote.start, quote.end),
      start: quote.start,
      end: quote.end,
      bodyStart: null,
      bodyEnd: null,
    };
  });
}

function requestHash(input: PostCommentInput, body: string): string {
  const canonical = { articleId: input.articleId, body, replyToId: input.replyToId ?? null, quotes: input.quotes ?? [] };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** A quote as stored: its source, the span there, and where the body holds the pasted words (imports know). */
export interface QuoteRow {
  /** The quoted comment: stored already (its id), or earlier in the same batch (its number). */
  quoted: { id: number } | { number: number };
  text: string;
  start: number;
  end: number;
  bodyStart: number | null;
  bodyEnd: number | null;
}

/** The comment a new one replies to: stored already, or earlier in the same batch (its number). */
export type ParentRef = { id: number; path: string; depth: number } | { number: number };

export interface NewComment {
  number: number;
  authorId: number;
  parent: ParentRef | null;
  body: string;
  createdAt: Date;
  imported?: boolean;
  /** The comment's id in the export it was imported from. */
  sourceKey?: string | null;
  editedAt?: Date | null;
  hiddenAt?: Date | null;
  deletedAt?: Date | null;
  /** PUBLISHED unless moderation held or rejected it; a comment not published counts nowhere yet and logs no event. */
  status?: CommentStatus;
  /** What held it, one reason a line. */
  heldBy?: string | null;
  quotes: readonly QuoteRow[];
  mentionIds: readonly number[];
}

export interface InsertedComment {
  id: number;
  number: number;
  path: string;
  depth: number;
  /** Its ADDED event; none for a comment not published. */
  event: LiveEvent | null;
}

/** The columns a batch writes, in the order `rowOf` lists them. */
const commentColumns: readonly BulkColumn[] = [
  ['id', 'int'],
  ['articleId', 'int'],
  ['number', 'int'],
  ['authorId', 'int'],
  ['parentId', 'int'],
  ['depth', 'int'],
  ['replyCount', 'int'],
  ['path', 'text'],
  ['body', 'text'],
  ['imported', 'bool'],
  ['sourceKey', 'text'],
  ['createdAt', 'datetime'],
  ['editedAt', 'datetime'],
  ['hiddenAt', 'datetime'],
  ['deletedAt', 'datetime'],
  ['status', 'enum:CommentStatus'],
  ['publishedAt', 'datetime'],
  ['heldBy', 'text'],
];
const quoteColumns: readonly BulkColumn[] = [
  ['commentId', 'int'],
  ['quotedCommentId', 'int'],
  ['ordinal', 'int'],
  ['text', 'text'],
  ['start', 'int'],
  ['end', 'int'],
  ['bodyStart', 'int'],
  ['bodyEnd', 'int'],
  ['createdAt', 'datetime'],
];
const mentionColumns: readonly BulkColumn[] = [
  ['commentId', 'int'],
  ['authorId', 'int'],
];

/**
 * Writes comments of one article with their quotes and mentions, counts them as their parents'
 * replies and as the article's comments, and logs an event for each: the one way a comment
 * comes to be, for the API (a batch of one) and every importer. The caller holds the article's
 * row lock, has checked everything and numbered the comments (`article.lastCommentNumber` is
 * the number before them). A parent or a quoted comment may be in the batch, in any order;
 * ids and events follow the batch's order. A batch of several goes in as few statements as the
 * database allows (`Database.insertRows`), with ids reserved up front so that a reply's row
 * can name its parent's.
 */
export async function insertComments(
  db: Database,
  tx: DbTx,
  article: { id: number; lastCommentNumber: number },
  comments: readonly NewComment[],
): Promise<InsertedComment[]> {
  if (comments.length === 0) return [];
  const byNumber = new Map<number, NewComment>();
  for (const comment of comments) {
    if (byNumber.has(comment.number)) throw new Error(`comment ${comment.number} is in the batch twice`);
    byNumber.set(comment.number, comment);
  }
  const isPublished = (comment: NewComment) => (comment.status ?? 'PUBLISHED') === 'PUBLISHED';
  const placed = new Map<number, { path: string; depth: number; level: number; replies: number }>();
  const storedReplies = new Map<number, number>();
  const place = (comment: NewComment, chain: number): { path: string; depth: number; level: number; replies: number } => {
    const known = placed.get(comment.number);
    if (known) return known;
    const { parent } = comment;
    let at: { path: string; depth: number; level: number; replies: number };
    if (parent == null) {
      at = { path: childPath(undefined, comment.number), depth: 0, level: 0, replies: 0 };
    } else if ('id' in parent) {
      at = { path: childPath(parent.path, comment.number), depth: parent.depth + 1, level: 0, replies: 0 };
      if (isPublished(comment)) storedReplies.set(parent.id, (storedReplies.get(parent.id) ?? 0) + 1);
    } else {
      const above = byNumber.get(parent.number);
      if (!above || chain > maxThreadDepth)
        throw new Error(`comment ${comment.number} replies to ${parent.number}, which the batch does not place`);
      const up = place(above, chain + 1);
      at = { path: childPath(up.path, comment.number), depth: up.depth + 1, level: up.level + 1, replies: 0 };
      if (isPublished(comment)) up.replies++;
    }
    if (at.depth > maxThreadDepth) throw new Error(`comment ${comment.number} would nest ${at.depth} levels deep`);
    placed.set(comment.number, at);
    return at;
  };
  for (const comment of comments) place(comment, 0);

  const rowOf = (comment: NewComment, id: number | null) => {
    const { parent } = comment;
    const at = placed.get(comment.number)!;
    return {
      ...(id === null ? {} : { id }),
      articleId: article.id,
      number: comment.number,
      authorId: comment.authorId,
      parentId: parent == null ? null : 'id' in parent ? parent.id : ids.get(parent.number)!,
      depth: at.depth,
      replyCount: at.replies,
      path: at.path,
      body: comment.body,
      imported: comment.imported ?? false,
      sourceKey: comment.sourceKey ?? null,
      createdAt: comment.createdAt,
      editedAt: comment.editedAt ?? null,
      hiddenAt: comment.hiddenAt ?? null,
      deletedAt: comment.deletedAt ?? null,
      status: comment.status ?? 'PUBLISHED',
      publishedAt: isPublished(comment) ? comment.createdAt : null,
      heldBy: comment.heldBy ?? null,
    };
  };
  const ids = new Map<number, number>();
  if (comments.length === 1) {
    const [comment] = comments;
    const created = await tx.comment.create({ data: rowOf(comment!, null), select: { id: true } });
    ids.set(comment!.number, created.id);
  } else {
    // Ids in the batch's order; rows a level at a time, parents before their replies.
    const reserved = await db.reserveIds(tx, 'Comment', comments.length);
    for (const [index, comment] of comments.entries()) ids.set(comment.number, reserved[index]!);
    const rows = [...comments]
      .sort((a, b) => placed.get(a.number)!.level - placed.get(b.number)!.level)
      .map((comment) => Object.values(rowOf(comment, ids.get(comment.number)!)));
    await db.insertRows(tx, 'Comment', commentColumns, rows);
  }
  for (const [parentId, count] of storedReplies) {
    await tx.comment.update({ where: { id: parentId }, data: { replyCount: { increment: count } }, select: { id: true } });
  }

  const idOf = (ref: { id: number } | { number: number }) => ('id' in ref ? ref.id : ids.get(ref.number)!);
  const quotes = comments.flatMap((comment) =>
    comment.quotes.map(({ quoted, text, start, end, bodyStart, bodyEnd }, ordinal) => [
      ids.get(comment.number)!,
      idOf(quoted),
      ordinal,
      text,
      start,
      end,
      bodyStart,
      bodyEnd,
      comment.createdAt,
    ]),
  );
  if (quotes.length > 0) await db.insertRows(tx, 'Quote', quoteColumns, quotes);
  const mentions = comments.flatMap((comment) => comment.mentionIds.map((authorId) => [ids.get(comment.number)!, authorId]));
  if (mentions.length > 0) await db.insertRows(tx, 'Mention', mentionColumns, mentions);

  const lastNumber = Math.max(article.lastCommentNumber, ...comments.map((c) => c.number));
  const published = comments.filter(isPublished);
  await tx.article.update({
    where: { id: article.id },
    data: { commentCount: { increment: published.length }, lastCommentNumber: lastNumber },
    select: { id: true },
  });
  const events = await appendEvents(
    tx,
    article.id,
    published.map((comment) => ({ commentId: ids.get(comment.number)!, path: placed.get(comment.number)!.path, kind: 'ADDED' as const })),
    db,
  );
  const eventOf = new Map(events.map((event) => [event.commentId, event]));
  return comments.map((comment) => ({
    id: ids.get(comment.number)!,
    number: comment.number,
    path: placed.get(comment.number)!.path,
    depth: placed.get(comment.number)!.depth,
    event: eventOf.get(ids.get(comment.number)!) ?? null,
  }));
}

/**
 * A write to one article's comments: each such write logs an event, which moves the article's
 * sequence number, and that is what cached answers about the article check (src/domain/versions.ts).
 */
const commentWrite = <T>(db: Database, work: (tx: DbTx) => Promise<T>) => db.writeTransaction(work, { scope: 'comments' });

/** What posting needs from outside the database. */
export interface PostingChecks {
  /** Asks the spam checkers about the comment (src/moderation/check.ts); called before the write's transaction, only when the rules want it. */
  spamCheck?: (body: string) => Promise<SpamVerdict>;
}

export async function postComment(
  db: Database,
  viewer: Viewer,
  limits: WriteLimits,
  input: PostCommentInput,
  now = new Date(),
  checks: PostingChecks = {},
): Promise<WriteResult> {
  const body = checkBody(input.body, limits);
  const key = input.idempotencyKey ?? null;
  if (key !== null && (key.length < 1 || key.length > 255)) {
    throw new ValidationError('idempotencyKey', 'The idempotency key must be 1 to 255 characters long.');
  }
  const keyProblem = key === null ? null : unstorableText(key);
  if (keyProblem) throw new ValidationError('idempotencyKey', `The idempotency key ${keyProblem}`);
  const quotes = input.quotes ?? [];
  if (quotes.length > Math.min(limits.maxQuotes, maxQuotesPerComment)) {
    throw new ValidationError(
      'quotes',
      `A comment may quote at most ${Math.min(limits.maxQuotes, maxQuotesPerComment)} passages; this one has ${quotes.length}.`,
    );
  }
  const hash = requestHash(input, body);
  // Outside the transaction, which must not wait on another service: the verdict is one input
  // of the rules inside it. A checker that fails or times out answers UNKNOWN, which holds.
  const spam = checks.spamCheck && (await wantsSpamCheck(db, viewer, input.articleId)) ? await checks.spamCheck(body) : null;

  return commentWrite(db, async (tx) => {
    const author = await ensureAuthor(tx, viewer);
    await assertNotBanned(tx, author.id, now);

    if (key !== null) {
      const earlier = await tx.idempotencyKey.findUnique({ where: { authorId_key: { authorId: author.id, key } } });
      if (earlier && secondsSince(now, earlier.createdAt) < limits.idempotencyKeySeconds) {
        if (earlier.requestHash !== hash) throw new IdempotencyKeyReusedError();
        return { commentId: earlier.commentId, replayed: true, events: [] };
      }
      if (earlier) await tx.idempotencyKey.delete({ where: { id: earlier.id } });
    }

    // Locked first: a thread locked, or a reply's parent removed, meanwhile is seen here.
    await db.lockRow(tx, 'Article', input.articleId);
    const article = await tx.article.findUnique({
      where: { id: input.articleId },
      select: { id: true, commentsLocked: true, publishedAt: true, lastCommentNumber: true },
    });
    if (!article || !showsArticle(article, viewer, now)) throw new NotFoundError('The article does not exist.');
    if (article.commentsLocked) throw new ThreadLockedError();

    let parent: { id: number; path: string; depth: number } | null = null;
    if (input.replyToId != null) {
      const found = await tx.comment.findUnique({
        where: { id: input.replyToId },
        select: { id: true, articleId: true, path: true, depth: true, deletedAt: true, hiddenAt: true, status: true },
      });
      if (!found) throw new NotFoundError('The comment to reply to does not exist.');
      if (found.deletedAt || found.hiddenAt) throw new ValidationError('replyToId', 'The comment to reply to was removed.');
      if (found.status !== 'PUBLISHED') throw new ValidationError('replyToId', 'The comment to reply to is not published.');
      if (found.articleId !== article.id) throw new ValidationError('replyToId', 'The comment to reply to belongs to another article.');
      if (found.depth >= maxThreadDepth) {
        throw new ValidationError('replyToId', `Replies nest at most ${maxThreadDepth} levels deep; reply to a comment further up.`);
      }
      parent = found;
    }

    const quoteRows = await checkQuotes(tx, article.id, quotes, limits);

    const duplicate = await tx.comment.findFirst({
      where: {
        authorId: author.id,
        articleId: article.id,
        parentId: parent?.id ?? null,
        body,
        deletedAt: null,
        createdAt: { gt: new Date(now.getTime() - limits.duplicateWindowSeconds * 1000) },
      },
      select: { id: true },
    });
    if (duplicate) throw new DuplicateCommentError(duplicate.id);

    if (viewer.role === 'AUTHOR') await checkRate(tx, author.id, limits, now);

    const decision = await decideNewComment(tx, viewer, { articleId: article.id, authorId: author.id, body }, spam);
    const [comment] = await insertComments(db, tx, article, [
      {
        number: article.lastCommentNumber + 1,
        authorId: author.id,
        parent,
        body,
        createdAt: now,
        status: decision.status,
        heldBy: decision.heldBy,
        quotes: quoteRows,
        mentionIds: await mentionedAuthors(tx, body, author.id),
      },
    ]);
    if (comment!.event) await enqueue(tx, [comment!.event], now);
    if (decision.status !== 'PUBLISHED') {
      // Moderators hear of it through the log (moderationEvents); the public does not, yet.
      const kind = decision.status === 'PENDING' ? 'HOLD' : 'REJECT';
      await recordModeration(tx, null, { kind, articleId: article.id, commentId: comment!.id, reason: decision.heldBy }, now);
    }
    if (key !== null) {
      // Keys are honoured for idempotencyKeySeconds; past that, the author's old ones go.
      const expired = new Date(now.getTime() - limits.idempotencyKeySeconds * 1000);
      await tx.idempotencyKey.deleteMany({ where: { authorId: author.id, createdAt: { lt: expired } } });
      await tx.idempotencyKey.create({ data: { authorId: author.id, key, requestHash: hash, commentId: comment!.id, createdAt: now } });
    }
    return { commentId: comment!.id, replayed: false, events: comment!.event ? [comment!.event] : [] };
  });
}

/**
 * The comment a change applies to, locked until the change commits (two deletes cannot both
 * succeed). A comment of an article the viewer may not see does not exist for them.
 */
async function findComment(db: Database, tx: DbTx, commentId: number, viewer: Viewer, now: Date) {
  await db.lockRow(tx, 'Comment', commentId);
  const comment = await tx.comment.findUnique({
    where: { id: commentId },
    select: {
      id: true,
      articleId: true,
      path: true,
      authorId: true,
      body: true,
      createdAt: true,
      editedAt: true,
      deletedAt: true,
      hiddenAt: true,
      status: true,
      imported: true,
      author: { select: { handle: true } },
      article: { select: { publishedAt: true, commentsLocked: true } },
    },
  });
  if (!comment || !showsArticle(comment.article, viewer, now)) throw new NotFoundError('The comment does not exist.');
  return comment;
}

/**
 * Logs a change for live subscribers, of a published comment only: a comment not published is
 * nobody's news but its author's and the moderators' (who see it change when they read it).
 */
const logChange = async (
  tx: DbTx,
  comment: { id: number; articleId: number; path: string; status: CommentStatus },
  kind: CommentEventKind,
): Promise<LiveEvent[]> =>
  comment.status === 'PUBLISHED'
    ? [await appendEvent(tx, { articleId: comment.articleId, commentId: comment.id, path: comment.path, kind })]
    : [];

/**
 * A locked thread takes no new words: no comments and no edits (an edit could change what
 * the thread was locked on). Deleting stays open to authors and moderators, and moderation too.
 */
export async function editComment(
  db: Database,
  viewer: Viewer,
  limits: WriteLimits,
  input: { commentId: number; body: string },
  now = new Date(),
): Promise<WriteResult> {
  const body = checkBody(input.body, limits);
  return commentWrite(db, async (tx) => {
    const comment = await findComment(db, tx, input.commentId, viewer, now);
    if (comment.deletedAt) throw new NotFoundError('The comment was deleted.');
    if (comment.author.handle !== viewer.handle) throw new ForbiddenError('Only its author may edit a comment.');
    await assertNotBanned(tx, comment.authorId, now);
    if (comment.hiddenAt) throw new ForbiddenError('A moderator hid this comment; it cannot be edited.');
    if (comment.imported) throw new ForbiddenError('An imported comment keeps the words of its archive; it cannot be edited.');
    if (comment.article.commentsLocked) throw new ThreadLockedError();
    if (secondsSince(now, comment.createdAt) > limits.editWindowSeconds) {
      throw new ForbiddenError(`Comments can be edited for ${Math.round(limits.editWindowSeconds / 60)} minutes after posting.`);
    }
    if (body === comment.body) return { commentId: comment.id, replayed: false, events: [] };
    await tx.commentRevision.create({
      data: { commentId: comment.id, body: comment.body, createdAt: comment.editedAt ?? comment.createdAt },
    });
    await tx.comment.update({ where: { id: comment.id }, data: { body, editedAt: now } });
    await replaceMentions(tx, comment.id, comment.authorId, body);
    return { commentId: comment.id, replayed: false, events: await logChange(tx, comment, 'EDITED') };
  });
}

export async function deleteComment(db: Database, viewer: Viewer, input: { commentId: number }, now = new Date()): Promise<WriteResult> {
  return commentWrite(db, async (tx) => {
    const comment = await findComment(db, tx, input.commentId, viewer, now);
    if (comment.deletedAt) throw new NotFoundError('The comment is already deleted.');
    if (comment.author.handle !== viewer.handle && !isModerator(viewer)) {
      throw new ForbiddenError('Only its author or a moderator may delete a comment.');
    }
    if (comment.author.handle === viewer.handle) await assertNotBanned(tx, comment.authorId, now);
    await tx.comment.update({ where: { id: comment.id }, data: { deletedAt: now } });
    if (comment.author.handle !== viewer.handle) {
      await recordModeration(tx, viewer, { kind: 'DELETE', articleId: comment.articleId, commentId: comment.id }, now);
    }
    return { commentId: comment.id, replayed: false, events: await logChange(tx, comment, 'DELETED') };
  });
}

/** Hides (`hidden: true`) or restores a comment; moderators only, which the schema enforces. */
export async function setCommentHidden(
  db: Database,
  viewer: Viewer,
  input: { commentId: number; hidden: boolean },
  now = new Date(),
): Promise<WriteResult> {
  return commentWrite(db, async (tx) => {
    const comment = await findComment(db, tx, input.commentId, viewer, now);
    if (input.hidden === (comment.hiddenAt != null)) return { commentId: comment.id, replayed: false, events: [] };
    await tx.comment.update({ where: { id: comment.id }, data: { hiddenAt: input.hidden ? now : null } });
    await recordModeration(
      tx,
      viewer,
      { kind: input.hidden ? 'HIDE' : 'RESTORE', articleId: comment.articleId, commentId: comment.id },
      now,
    );
    return { commentId: comment.id, replayed: false, events: await logChange(tx, comment, input.hidden ? 'HIDDEN' : 'RESTORED') };
  });
}
