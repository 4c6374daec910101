/**
 * Comment.reactions for a whole page at once: the comments a request asks about in the same
 * tick are read together, in one statement for the counts and (for a signed-in viewer) one for
 * the viewer's own reactions. A comment nobody reacted to costs nothing.
 */
import type { Context } from '../context.js';
import { viewerAuthorId } from '../context.js';

export interface ReactionSummary {
  kind: string;
  count: number;
  /** Null for an anonymous viewer, who has not reacted. */
  viewerHasReacted: () => Promise<boolean>;
}

interface Batch {
  ids: Set<number>;
  counts: Promise<Map<number, Map<string, number>>>;
  mine: Promise<Set<string>>;
}

const batches = new WeakMap<Context, Batch>();

/** The counts of the comment's reactions, one entry per kind of the site's, in the site's order. */
export async function reactionsOf(context: Context, comment: { id: number; reactionCount: number }): Promise<ReactionSummary[]> {
  const kinds = context.engagement.reactionKinds;
  const zero = (kind: string) => ({ kind, count: 0, viewerHasReacted: async () => false });
  if (comment.reactionCount <= 0) return kinds.map(zero);
  const batch = batchOf(context);
  batch.ids.add(comment.id);
  const counts = (await batch.counts).get(comment.id);
  return kinds.map((kind) => ({
    kind,
    count: counts?.get(kind) ?? 0,
    viewerHasReacted: async () => (await batch.mine).has(`${comment.id}:${kind}`),
  }));
}

function batchOf(context: Context): Batch {
  const current = batches.get(context);
  if (current) return current;
  const ids = new Set<number>();
  // Read once the tick's resolvers have all asked. The batch closes as its ids are taken: a
  // resolver that asks later starts a batch of its own instead of joining one already read.
  const ready = new Promise<number[]>((resolve) =>
    setImmediate(() => {
      if (batches.get(context) === batch) batches.delete(context);
      resolve([...ids]);
    }),
  );
  const { db } = context;
  const kinds = [...context.engagement.reactionKinds];
  const counts = ready.then(async (commentIds) => {
    const rows = await db.reader.reactionCount.findMany({
      where: { commentId: { in: commentIds }, kind: { in: kinds }, count: { gt: 0 } },
      select: { commentId: true, kind: true, count: true },
    });
    const byComment = new Map<number, Map<string, number>>();
    for (const row of rows) {
      const map = byComment.get(row.commentId) ?? new Map<string, number>();
      byComment.set(row.commentId, map);
      map.set(row.kind, row.count);
    }
    return byComment;
  });
  let mine: Promise<Set<string>> | null = null;
  const batch: Batch = {
    ids,
    counts,
    // Asked only when a field wants it: the viewer's reactions on the batch's comments.
    get mine() {
      mine ??= ready.then(async (commentIds) => {
        const authorId = context.viewer ? await viewerAuthorId(context) : null;
        if (authorId === null) return new Set<string>();
        const rows = await db.reader.reaction.findMany({
          where: { authorId, commentId: { in: commentIds } },
          select: { commentId: true, kind: true },
        });
        return new Set(rows.map((row) => `${row.commentId}:${row.kind}`));
      });
      return mine;
    },
  };
  batches.set(context, batch);
  return batch;
}
