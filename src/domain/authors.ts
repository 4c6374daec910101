/**
 * Authors: who a token's author is, who an import's authors are, and who a comment mentions.
 *
 * Two namespaces never meet. A token's `sub` is a site handle (`siteHandlePattern`, no ":"),
 * which names the author a host site signed in. An import names its authors by an identity,
 * `<source>:<key>` (`text:dana-k`), and gives each the handle `import:<source>:<key>`, which
 * no token can name: nobody can post, edit or delete as an imported author until an operator
 * links the identity to a site handle (`npm run authors -- link`).
 */
import type { Viewer } from '../auth.js';
import type { BulkColumn, Database, DbTx } from '../db.js';
import { NotFoundError, ValidationError } from './errors.js';
import { siteChanged } from './versions.js';
import { maxMentionsPerComment } from './limits.js';
import { recordModeration } from './moderation-log.js';

/** A site handle: what a token's `sub` must be. */
export const siteHandlePattern = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** An import's name for an author: the source (the format, say) and the author's key in it. */
export const identityPattern = /^([a-z0-9]+):([a-z0-9][a-z0-9_.-]{0,99})$/;

export const importedHandle = (identity: string) => `import:${identity}`;

/**
 * The Author row of a signed-in viewer, created on their first write. The host site's token
 * is the source of truth for name and role, so they follow it. One upsert statement: it also
 * locks the row until the write commits, so one author's concurrent writes (on PostgreSQL,
 * where writers run side by side) take turns through the rate and duplicate checks.
 */
export async function ensureAuthor(tx: DbTx, viewer: Viewer): Promise<{ id: number }> {
  if (!siteHandlePattern.test(viewer.handle)) throw new Error(`"${viewer.handle}" is not a site handle`);
  const before = await tx.author.findUnique({ where: { handle: viewer.handle }, select: { name: true, role: true } });
  const author = await tx.author.upsert({
    where: { handle: viewer.handle },
    create: { handle: viewer.handle, name: viewer.name, role: viewer.role },
    update: { name: viewer.name, role: viewer.role },
    select: { id: true },
  });
  // The name shows beside the author's comments on every article.
  if (before && (before.name !== viewer.name || before.role !== viewer.role)) siteChanged(tx);
  return author;
}

/** The authors of an import, by identity: found again when the same export is imported once more, linked or not. */
export async function ensureImportedAuthors(
  db: Database,
  tx: DbTx,
  authors: readonly { identity: string; name: string; bio: string | null }[],
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const keys = authors.map((a) => a.identity);
  for (let from = 0; from < keys.length; from += 500) {
    const known = await tx.importedIdentity.findMany({ where: { key: { in: keys.slice(from, from + 500) } } });
    for (const identity of known) ids.set(identity.key, identity.authorId);
  }
  const fresh = [...new Map(authors.filter((a) => !ids.has(a.identity)).map((a) => [a.identity, a])).values()];
  for (const author of fresh) {
    if (!identityPattern.test(author.identity)) throw new Error(`"${author.identity}" is not an import identity`);
  }
  if (fresh.length === 0) return ids;
  const reserved = await db.reserveIds(tx, 'Author', fresh.length);
  const now = new Date();
  await db.insertRows(
    tx,
    'Author',
    authorColumns,
    fresh.map((author, index) => [reserved[index], importedHandle(author.identity), author.name, author.bio, 'AUTHOR', now]),
  );
  await db.insertRows(
    tx,
    'ImportedIdentity',
    identityColumns,
    fresh.map((author, index) => [author.identity, reserved[index]]),
  );
  for (const [index, author] of fresh.entries()) ids.set(author.identity, reserved[index]!);
  return ids;
}

const authorColumns: readonly BulkColumn[] = [
  ['id', 'int'],
  ['handle', 'text'],
  ['name', 'text'],
  ['bio', 'text'],
  ['role', 'enum:Role'],
  ['createdAt', 'datetime'],
];
const identityColumns: readonly BulkColumn[] = [
  ['key', 'text'],
  ['authorId', 'int'],
];

const mentionPattern = /(^|[^\p{L}\p{N}_@])@([a-z0-9][a-z0-9_.-]*[a-z0-9]|[a-z0-9])/giu;

/** Handles written as `@handle` in a body, lowercased, in order, without repeats. */
function mentionedHandles(body: string): string[] {
  return [...new Set([...body.matchAll(mentionPattern)].map((match) => match[2]!.toLowerCase()))];
}

/** `@handles` looked up per comment: a body naming more is not mentioning, it is listing. */
const maxHandlesLookedUp = 3 * maxMentionsPerComment;

/**
 * The known authors a body names with `@handle`, in body order, never its own author, at most
 * `maxMentionsPerComment`. `@dana-k` names the site author `dana-k`, or else the one imported
 * author whose key is `dana-k` (`import:text:dana-k`): people mention whom they read, and a
 * mention gives nobody any right.
 */
export async function mentionedAuthors(tx: DbTx, body: string, authorId: number): Promise<number[]> {
  const handles = mentionedHandles(body).slice(0, maxHandlesLookedUp);
  if (handles.length === 0) return [];
  const found = await tx.author.findMany({
    where: {
      id: { not: authorId },
      OR: [{ handle: { in: handles } }, ...handles.map((handle) => ({ handle: { startsWith: 'import:', endsWith: `:${handle}` } }))],
    },
    select: { id: true, handle: true },
  });
  const ids: number[] = [];
  for (const handle of handles) {
    const site = found.find((author) => author.handle === handle);
    const imported = found.filter((author) => author.handle.startsWith('import:') && author.handle.endsWith(`:${handle}`));
    const author = site ?? (imported.length === 1 ? imported[0] : undefined);
    if (author && !ids.includes(author.id)) ids.push(author.id);
  }
  return ids.slice(0, maxMentionsPerComment);
}

/** Sets an edited comment's mentions to the known authors its body names. */
export async function replaceMentions(tx: DbTx, commentId: number, authorId: number, body: string): Promise<void> {
  await tx.mention.deleteMany({ where: { commentId } });
  const ids = await mentionedAuthors(tx, body, authorId);
  if (ids.length > 0) await tx.mention.createMany({ data: ids.map((id) => ({ commentId, authorId: id })) });
}

export interface LinkResult {
  identity: string;
  handle: string;
  /** The identity's author took the handle (no author had it) or was merged into the author who had it. */
  merged: boolean;
  comments: number;
}

/**
 * Links an imported identity to a site handle, so that a token naming the handle owns what
 * the import wrote. When no author has the handle yet, the imported author takes it; when a
 * site author has it, the imported author's comments, articles and mentions move to that
 * author, the identity follows, and the imported row goes.
 */
export async function linkIdentity(tx: DbTx, identity: string, handle: string): Promise<LinkResult> {
  if (!siteHandlePattern.test(handle)) {
    throw new ValidationError('handle', `"${handle}" is not a site handle: lowercase letters, digits, ".", "_" or "-", at most 64.`);
  }
  const found = await tx.importedIdentity.findUnique({ where: { key: identity }, include: { author: true } });
  if (!found) throw new NotFoundError(`No import identity "${identity}".`);
  if (found.author.handle === handle) throw new ValidationError('handle', `"${identity}" is linked to "${handle}" already.`);
  if (!found.author.handle.startsWith('import:')) {
    throw new ValidationError('identity', `"${identity}" is linked to "${found.author.handle}"; unlink it first.`);
  }
  const from = found.author.id;
  const target = await tx.author.findUnique({ where: { handle }, select: { id: true } });
  const comments = await tx.comment.count({ where: { authorId: from } });
  // An operator's command: no actor.
  const linked = (authorId: number, how: string) => {
    const detail = `identity "${identity}" linked to "${handle}" (${how})`;
    return recordModeration(tx, null, { kind: 'IDENTITY_LINK', authorId, detail }, new Date());
  };
  if (!target) {
    await tx.author.update({ where: { id: from }, data: { handle } });
    await linked(from, `its author took the handle, with ${comments} comments`);
    return { identity, handle, merged: false, comments };
  }
  await tx.comment.updateMany({ where: { authorId: from }, data: { authorId: target.id } });
  await tx.article.updateMany({ where: { authorId: from }, data: { authorId: target.id } });
  // A comment that mentions both keeps one mention.
  const both = await tx.mention.findMany({
    where: { authorId: target.id, comment: { mentions: { some: { authorId: from } } } },
    select: { commentId: true },
  });
  await tx.mention.deleteMany({ where: { authorId: from, commentId: { in: both.map((m) => m.commentId) } } });
  await tx.mention.updateMany({ where: { authorId: from }, data: { authorId: target.id } });
  await tx.importedIdentity.updateMany({ where: { authorId: from }, data: { authorId: target.id } });
  // The log's earlier entries about the merged author (its links) name the author it became.
  await tx.moderationAction.updateMany({ where: { authorId: from }, data: { authorId: target.id } });
  await tx.author.delete({ where: { id: from } });
  await linked(target.id, `merged into the existing author, ${comments} comments moved`);
  return { identity, handle, merged: true, comments };
}

/**
 * Puts the author with a site handle into the import namespace as `import:<identity>`, with
 * everything they wrote: the inverse of `linkIdentity` when it took the handle, and the way
 * to move authors imported before identities existed (whose plain handles a token could name)
 * out of reach of tokens.
 */
export async function unlinkIdentity(tx: DbTx, handle: string, identity: string): Promise<{ comments: number }> {
  if (!identityPattern.test(identity)) {
    throw new ValidationError('identity', `"${identity}" is not an import identity: "<source>:<key>", as in "text:dana-k".`);
  }
  const author = await tx.author.findUnique({ where: { handle }, select: { id: true } });
  if (!author || handle.startsWith('import:')) throw new NotFoundError(`No site author has the handle "${handle}".`);
  const existing = await tx.importedIdentity.findUnique({ where: { key: identity } });
  if (existing && existing.authorId !== author.id) throw new ValidationError('identity', `"${identity}" belongs to another author.`);
  if (await tx.author.findUnique({ where: { handle: importedHandle(identity) }, select: { id: true } })) {
    throw new ValidationError('identity', `"${importedHandle(identity)}" is taken.`);
  }
  await tx.author.update({ where: { id: author.id }, data: { handle: importedHandle(identity) } });
  if (!existing) await tx.importedIdentity.create({ data: { key: identity, authorId: author.id } });
  const detail = `identity "${identity}" unlinked from "${handle}": the author is "${importedHandle(identity)}" now`;
  await recordModeration(tx, null, { kind: 'IDENTITY_LINK', authorId: author.id, detail }, new Date());
  return { comments: await tx.comment.count({ where: { authorId: author.id } }) };
}
