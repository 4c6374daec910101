/**
 * Comments read with raw SQL for the thread connections: a page of comments with their authors
 * in one statement, and the rows turned straight into the objects the resolvers return.
 *
 * A row read here is a whole Comment (every column) with its `author` attached, marked as
 * such: `Comment.author` and `Comment.parent` answer from it without plugin-prisma
 * (src/schema/comment-rows.ts), and any other relation field of Comment loads what it needs
 * through plugin-prisma's own fallback, as for a row it did not plan.
 */
import type { Database } from '../db.js';
import type { Author, Comment } from '../generated/prisma/client.js';
import { loadPageRows, type PagedRelation, type PageRequest, type PageRows } from './pages.js';

/** Marks a comment whose `author` was read with it. */
export const withAuthor: unique symbol = Symbol('comment read with its author');

export interface CommentRow extends Comment {
  author: Author;
  [withAuthor]: true;
}

export const isCommentRow = (value: unknown): value is CommentRow =>
  typeof value === 'object' && value !== null && (value as Partial<CommentRow>)[withAuthor] === true;

const columns = [
  'c."id"',
  'c."articleId"',
  'c."number"',
  'c."authorId"',
  'c."parentId"',
  'c."depth"',
  'c."replyCount"',
  'c."imported"',
  'c."path"',
  'c."body"',
  'c."createdAt"',
  'c."editedAt"',
  'c."deletedAt"',
  'c."hiddenAt"',
  'c."sourceKey"',
  'c."status"',
  'c."publishedAt"',
  'c."heldBy"',
  'c."openReports"',
  'c."reportedAt"',
  'c."reactionCount"',
  'c."reactionsDirty"',
  'c."reactionsAnnouncedAt"',
  'c."pinnedAt"',
  'a."handle" AS "authorHandle"',
  'a."name" AS "authorName"',
  'a."bio" AS "authorBio"',
  'a."role" AS "authorRole"',
  'a."createdAt" AS "authorCreatedAt"',
  'a."bannedAt" AS "authorBannedAt"',
  'a."bannedUntil" AS "authorBannedUntil"',
  'a."banReason" AS "authorBanReason"',
].join(', ');

const joinAuthor = 'JOIN "Author" AS a ON a."id" = c."authorId"';

/** Read through `db.direct`: SQLite gives booleans as 0/1 and DateTimes as the text Prisma stored. */
type Stored<T> = T extends Date ? Date | string | number : T extends boolean ? boolean | number : T;

type Raw = { [K in keyof Comment]: Stored<Comment[K]> } & {
  authorHandle: string;
  authorName: string;
  authorBio: string | null;
  authorRole: Author['role'];
  authorCreatedAt: Stored<Date>;
  authorBannedAt: Stored<Date> | null;
  authorBannedUntil: Stored<Date> | null;
  authorBanReason: string | null;
};

/** A DateTime column's value as Prisma returns it: ISO text with its offset, or milliseconds. */
function toDate(value: Date | string | number): Date {
  if (typeof value !== 'string') return typeof value === 'number' ? new Date(value) : value;
  // Prisma writes UTC; text without an offset (SQLite's CURRENT_TIMESTAMP) is UTC too.
  return new Date(/(?:Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

const toOptionalDate = (value: Date | string | number | null) => (value === null ? null : toDate(value));

function toRow(raw: Raw): CommentRow {
  return {
    id: raw.id,
    articleId: raw.articleId,
    number: raw.number,
    authorId: raw.authorId,
    parentId: raw.parentId,
    depth: raw.depth,
    replyCount: raw.replyCount,
    imported: Boolean(raw.imported),
    path: raw.path,
    body: raw.body,
    createdAt: toDate(raw.createdAt),
    editedAt: toOptionalDate(raw.editedAt),
    deletedAt: toOptionalDate(raw.deletedAt),
    hiddenAt: toOptionalDate(raw.hiddenAt),
    sourceKey: raw.sourceKey,
    status: raw.status,
    publishedAt: toOptionalDate(raw.publishedAt),
    heldBy: raw.heldBy,
    openReports: raw.openReports,
    reportedAt: toOptionalDate(raw.reportedAt),
    reactionCount: raw.reactionCount,
    reactionsDirty: Boolean(raw.reactionsDirty),
    reactionsAnnouncedAt: toOptionalDate(raw.reactionsAnnouncedAt),
    pinnedAt: toOptionalDate(raw.pinnedAt),
    author: {
      id: raw.authorId,
      handle: raw.authorHandle,
      name: raw.authorName,
      bio: raw.authorBio,
      role: raw.authorRole,
      createdAt: toDate(raw.authorCreatedAt),
      bannedAt: toOptionalDate(raw.authorBannedAt),
      bannedUntil: toOptionalDate(raw.authorBannedUntil),
      banReason: raw.authorBanReason,
    },
    [withAuthor]: true,
  };
}

/** Each parent's page of comments (`relation`'s nodes are comment ids), with their authors, in one statement. */
export async function loadCommentPages(
  db: Database,
  relation: PagedRelation,
  parents: readonly number[],
  page: PageRequest,
  maxWeight: number,
): Promise<PageRows<CommentRow>> {
  const loaded = await loadPageRows<Raw>(db, relation, parents, page, { table: '"Comment"', columns, joins: joinAuthor, maxWeight });
  const pages = new Map<number, CommentRow[]>();
  for (const [parent, rows] of loaded.pages) pages.set(parent, rows.map(toRow));
  return { ...loaded, pages };
}

/** Comments by id, with their authors, in one statement. */
export async function loadCommentsById(db: Database, ids: readonly number[]): Promise<Map<number, CommentRow>> {
  const found = new Map<number, CommentRow>();
  if (ids.length === 0) return found;
  const raw =
    db.provider === 'postgresql'
      ? await db.direct.all<Raw>(`SELECT ${columns} FROM "Comment" AS c ${joinAuthor} WHERE c."id" = ANY($1::int[])`, [[...ids]])
      : await db.direct.all<Raw>(`SELECT ${columns} FROM "Comment" AS c ${joinAuthor} WHERE c."id" IN (SELECT "value" FROM json_each(?))`, [
          JSON.stringify(ids),
        ]);
  for (const row of raw) found.set(row.id, toRow(row));
  return found;
}
