/**
 * Moderation in the API (issue 14): readers report comments; moderators work through the
 * queue, approving and rejecting one comment or up to a hundred at once.
 */
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import type { Database } from '../db.js';
import { decideComments, maxBulkComments, maxModerationReason, maxReportNote, reportComment } from '../domain/moderation.js';
import { defaultPageSize, maxPageSize } from '../domain/limits.js';
import type { ReportReason as ReportReasonValue } from '../generated/prisma/client.js';
import { type QueueStatus, moderationQueue } from '../read/relations.js';
import { Comment } from './comment.js';
import { commentIdInput, commentMutation } from './comment-mutations.js';
import { pagedField, pageSizes } from './connections.js';
import { writeErrors } from './errors.js';
import { argumentId, inputId } from './ids.js';

export const ReportReason = builder.enumType('ReportReason', {
  values: {
    SPAM: { description: 'Advertising, scams, the same text everywhere.' },
    ABUSE: { description: 'Harassment, hate, threats.' },
    OFF_TOPIC: { description: 'Nothing to do with the article or the thread.' },
    OTHER: { description: 'Something else: say what in the note.' },
  } as const,
});

const ReportCommentInput = builder.inputType('ReportCommentInput', {
  fields: (t) => ({
    commentId: t.id({ required: true }),
    reason: t.field({ type: ReportReason, required: true }),
    note: t.string({ description: `What a moderator should know (at most ${maxReportNote} characters).` }),
  }),
});

commentMutation('reportComment', ReportCommentInput, {
  description:
    'Report a comment to the moderators, once (reporting it again changes nothing and succeeds). Enough reports send it back to review until a moderator decides.',
  scope: 'signedIn',
  errors: writeErrors.report,
  write: async (input, { db, viewer, moderation }) => {
    const result = await reportComment(
      db,
      viewer!,
      { commentId: inputId(input.commentId, 'Comment', 'commentId'), reason: input.reason as ReportReasonValue, note: input.note },
      moderation.reportsToHold,
    );
    return { commentId: result.commentId, replayed: !result.recorded, events: result.events };
  },
});

const ApproveCommentInput = commentIdInput('ApproveCommentInput', 'The comment to publish (moderators).');
const RejectCommentInput = builder.inputType('RejectCommentInput', {
  description: 'The comment to reject (moderators), and why.',
  fields: (t) => ({
    commentId: t.id({ required: true }),
    reason: t.string({ description: `Why, for the log and its author (at most ${maxModerationReason} characters).` }),
  }),
});

commentMutation('approveComment', ApproveCommentInput, {
  description: 'Publish a comment waiting for review (or keep a reported one): its reports are dealt with.',
  scope: 'moderator',
  errors: writeErrors.admin,
  write: async (input, { db, viewer }) => {
    const id = inputId(input.commentId, 'Comment', 'commentId');
    const { events } = await decideComments(db, viewer!, { commentIds: [id], decision: 'APPROVE' });
    return { commentId: id, replayed: false, events };
  },
});

commentMutation('rejectComment', RejectCommentInput, {
  description: 'Reject a comment: everyone but moderators and its author then sees a tombstone. Its reports are dealt with.',
  scope: 'moderator',
  errors: writeErrors.admin,
  write: async (input, { db, viewer }) => {
    const id = inputId(input.commentId, 'Comment', 'commentId');
    const { events } = await decideComments(db, viewer!, { commentIds: [id], decision: 'REJECT', reason: input.reason });
    return { commentId: id, replayed: false, events };
  },
});

const ApproveCommentsInput = builder.inputType('ApproveCommentsInput', {
  description: `Up to ${maxBulkComments} comments to publish at once.`,
  fields: (t) => ({ commentIds: t.idList({ required: true }) }),
});
const RejectCommentsInput = builder.inputType('RejectCommentsInput', {
  description: `Up to ${maxBulkComments} comments to reject at once, and why.`,
  fields: (t) => ({ commentIds: t.idList({ required: true }), reason: t.string() }),
});

const loadComments = (db: Database, query: object, ids: number[]) => db.reader.comment.findMany({ ...query, where: { id: { in: ids } } });

/** approveComments / rejectComments: every comment or none, in one transaction. */
function bulkDecision(name: 'approveComments' | 'rejectComments', decision: 'APPROVE' | 'REJECT') {
  const typeName = name[0]!.toUpperCase() + name.slice(1);
  builder.mutationField(name, (t) =>
    t.prismaField({
      type: ['Comment'],
      description:
        decision === 'APPROVE'
          ? `Publish up to ${maxBulkComments} comments at once: all of them, or none (the error names the first that failed).`
          : `Reject up to ${maxBulkComments} comments at once: all of them, or none (the error names the first that failed).`,
      authScopes: { moderator: true },
      extensions: { threadline: { maxItems: maxBulkComments } },
      errors: {
        types: writeErrors.admin as never,
        union: { name: `${typeName}Payload` },
        result: { name: `${typeName}Success` },
        dataField: {
          name: 'comments',
          description: `The comments decided on (at most ${maxBulkComments}).`,
          extensions: { threadline: { maxItems: maxBulkComments } },
        },
      },
      args: { input: t.arg({ type: decision === 'APPROVE' ? ApproveCommentsInput : RejectCommentsInput, required: true }) },
      resolve: async (query, _root, { input }, context) => {
        const commentIds = input.commentIds.map((id, index) => inputId(id, 'Comment', `commentIds.${index}`));
        const reason = 'reason' in input ? (input.reason as string | null | undefined) : null;
        const { events } = await decideComments(context.db, context.viewer!, { commentIds, decision, reason });
        for (const event of events) context.pubsub.publish(event);
        const rows = await loadComments(context.db, query, [...new Set(commentIds)]);
        const byId = new Map(rows.map((row) => [row.id, row]));
        return [...new Set(commentIds)].map((id) => byId.get(id)).filter((row) => row !== undefined);
      },
    }),
  );
}
bulkDecision('approveComments', 'APPROVE');
bulkDecision('rejectComments', 'REJECT');

// The queue.

const ModerationQueueStatus = builder.enumType('ModerationQueueStatus', {
  values: {
    PENDING: { description: 'Waiting for review: held by a rule, a spam check or reports. Oldest first.' },
    REPORTED: { description: 'With reports no moderator has dealt with yet, published or not. Oldest report first.' },
    REJECTED: { description: 'Rejected, newest first.' },
  } as const,
});

const ModerationFilter = builder.inputType('ModerationFilter', {
  fields: (t) => ({
    status: t.field({ type: ModerationQueueStatus, defaultValue: 'PENDING' }),
    articleId: t.id({ description: 'Only this article’s comments.' }),
  }),
});

interface ReportSummary {
  counts: { reason: ReportReasonValue; count: number }[];
  notes: { reason: ReportReasonValue; note: string; createdAt: Date }[];
}

/** What can hold one comment at once: PRE, a banned term, links, first comments, spam, reports. */
const maxHoldReasons = 6;

/** Notes shown per queue item: the latest. */
export const maxReportNotes = 10;

const ReportCount = builder.objectRef<{ reason: ReportReasonValue; count: number }>('ReportCount').implement({
  description: 'How many open reports give this reason.',
  fields: (t) => ({ reason: t.field({ type: ReportReason, resolve: (row) => row.reason }), count: t.exposeInt('count') }),
});

const ReportNote = builder.objectRef<{ reason: ReportReasonValue; note: string; createdAt: Date }>('ReportNote').implement({
  description: 'What a reader wrote with a report.',
  fields: (t) => ({
    reason: t.field({ type: ReportReason, resolve: (row) => row.reason }),
    note: t.exposeString('note'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const summaries = new WeakMap<Context, { ids: Set<number>; loaded: Promise<Map<number, ReportSummary>> }>();

/**
 * The open reports of every queue item in the page, in two statements for the whole page: the
 * counts by reason, and each comment's latest notes (a window per comment, so a comment with
 * a thousand reports costs ten rows).
 */
function reportSummary(context: Context, commentId: number): Promise<ReportSummary> {
  let batch = summaries.get(context);
  if (!batch) {
    const ids = new Set<number>();
    const created = {
      ids,
      loaded: new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        summaries.delete(context);
        return loadSummaries(context.db, [...ids]);
      }),
    };
    summaries.set(context, created);
    batch = created;
  }
  batch.ids.add(commentId);
  return batch.loaded.then((found) => found.get(commentId) ?? { counts: [], notes: [] });
}

async function loadSummaries(db: Database, ids: number[]): Promise<Map<number, ReportSummary>> {
  const found = new Map<number, ReportSummary>(ids.map((id) => [id, { counts: [], notes: [] }]));
  if (ids.length === 0) return found;
  const counts = await db.reader.report.groupBy({
    by: ['commentId', 'reason'],
    where: { commentId: { in: ids }, resolvedAt: null },
    _count: { _all: true },
  });
  for (const row of counts) found.get(row.commentId)?.counts.push({ reason: row.reason, count: row._count._all });
  const list = db.provider === 'postgresql' ? '= ANY($1::int[])' : 'IN (SELECT "value" FROM json_each(?))';
  const notes = await db.direct.all<{ commentId: number; reason: ReportReasonValue; note: string; createdAt: Date | string | number }>(
    `SELECT "commentId", "reason", "note", "createdAt" FROM (
       SELECT r."commentId", r."reason", r."note", r."createdAt",
              ROW_NUMBER() OVER (PARTITION BY r."commentId" ORDER BY r."id" DESC) AS "place"
       FROM "Report" AS r WHERE r."commentId" ${list} AND r."resolvedAt" IS NULL AND r."note" IS NOT NULL
     ) AS n WHERE n."place" <= ${maxReportNotes} ORDER BY "commentId", "place"`,
    [db.provider === 'postgresql' ? ids : JSON.stringify(ids)],
  );
  for (const row of notes) {
    found.get(Number(row.commentId))?.notes.push({ reason: row.reason, note: row.note, createdAt: toDate(row.createdAt) });
  }
  return found;
}

function toDate(value: Date | string | number): Date {
  if (typeof value !== 'string') return typeof value === 'number' ? new Date(value) : value;
  return new Date(/(?:Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

const ModerationItem = builder.prismaObject('Comment', {
  variant: 'ModerationItem',
  description: 'A comment in the moderation queue, with what brought it there.',
  fields: (t) => ({
    comment: t.variant(Comment),
    status: t.field({
      type: ModerationQueueStatus,
      description: 'PENDING or REJECTED; REPORTED for a published comment with open reports.',
      resolve: (row) => (row.status === 'PUBLISHED' ? 'REPORTED' : row.status),
    }),
    heldBy: t.stringList({
      extensions: { threadline: { maxItems: maxHoldReasons } },
      description: `What held it for review, or rejected it: each rule, spam check or report count that did, with its detail (at most ${maxHoldReasons}).`,
      resolve: (row) => (row.heldBy ? row.heldBy.split('\n') : []),
    }),
    reportCount: t.exposeInt('openReports', { description: 'Reports no moderator has dealt with yet.' }),
    reportedAt: t.expose('reportedAt', { type: 'DateTime', nullable: true, description: 'When the first open report came.' }),
    reports: t.field({
      type: [ReportCount],
      extensions: { threadline: { maxItems: 4 } },
      description: 'Open reports, counted by reason (at most one entry per reason).',
      resolve: async (row, _args, context) => (await reportSummary(context, row.id)).counts,
    }),
    reportNotes: t.field({
      type: [ReportNote],
      extensions: { threadline: { maxItems: maxReportNotes } },
      description: `The latest notes of open reports (at most ${maxReportNotes}).`,
      resolve: async (row, _args, context) => (await reportSummary(context, row.id)).notes,
    }),
  }),
});

const ModerationQueueConnection = builder.connectionObject({ type: ModerationItem, name: 'ModerationQueueConnection' });

interface QueueArgs {
  filter?: { status?: QueueStatus | null; articleId?: string | number | null } | null;
}

builder.queryField('moderationQueue', (t) =>
  t.connection(
    {
      type: ModerationItem,
      description: `Comments for moderators to decide on: pages of at most ${maxPageSize} (${defaultPageSize} by default).`,
      authScopes: { moderator: true },
      args: { filter: t.arg({ type: ModerationFilter }) },
      ...pagedField({
        typeName: 'ModerationItem',
        sizes: pageSizes,
        root: true,
        relation: ({ filter }: QueueArgs, { viewer }: Context) =>
          moderationQueue(viewer, new Date(), {
            status: filter?.status ?? 'PENDING',
            articleId: filter?.articleId == null ? null : argumentId(filter.articleId, 'Article', 'filter.articleId'),
          }),
      }),
    },
    ModerationQueueConnection,
  ),
);
