import type { Viewer } from '../auth.js';
import type { DbTx } from '../db.js';

/**
 * The Author row of a signed-in viewer, created on their first write. The host site's token
 * is the source of truth for name and role, so they follow it. One upsert statement: it also
 * locks the row until the write commits, so one author's concurrent writes (on PostgreSQL,
 * where writers run side by side) take turns through the rate and duplicate checks.
 */
export async function ensureAuthor(tx: DbTx, viewer: Viewer): Promise<{ id: number }> {
  return tx.author.upsert({
    where: { handle: viewer.handle },
    create: { handle: viewer.handle, name: viewer.name, role: viewer.role },
    update: { name: viewer.name, role: viewer.role },
    select: { id: true },
  });
}

const mentionPattern = /(^|[^\p{L}\p{N}_@])@([a-z0-9][a-z0-9_.-]*[a-z0-9]|[a-z0-9])/giu;

/** Handles written as `@handle` in a body, lowercased, in order, without repeats. */
function mentionedHandles(body: string): string[] {
  return [...new Set([...body.matchAll(mentionPattern)].map((match) => match[2]!.toLowerCase()))];
}

/** Sets a comment's mentions to the known authors its body names (never its own author). */
export async function linkMentions(
  tx: DbTx,
  commentId: number,
  authorId: number,
  body: string,
  { replace = true }: { replace?: boolean } = {},
): Promise<void> {
  if (replace) await tx.mention.deleteMany({ where: { commentId } });
  const handles = mentionedHandles(body);
  if (handles.length === 0) return;
  const authors = await tx.author.findMany({
    where: { handle: { in: handles }, id: { not: authorId } },
    select: { id: true, handle: true },
  });
  // In body order, which is the order the API lists them in.
  authors.sort((a, b) => handles.indexOf(a.handle) - handles.indexOf(b.handle));
  if (authors.length > 0) await tx.mention.createMany({ data: authors.map((author) => ({ commentId, authorId: author.id })) });
}
