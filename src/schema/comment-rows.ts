/**
 * `Comment.author` and `Comment.parent` for comments read with their authors
 * (src/read/comments.ts): plugin-prisma would look for the plan that loaded such a row, find
 * none, and load its author again. Every other row goes to plugin-prisma's resolver as before.
 */
import { type FieldNode, type GraphQLFieldResolver, type GraphQLSchema, isObjectType, Kind } from 'graphql';
import type { Context } from '../context.js';
import { type CommentRow, isCommentRow, loadCommentsById } from '../read/comments.js';

/** A parent asked only for what the child row holds (its id): no row need be read. */
const idOnly = new WeakMap<readonly FieldNode[], boolean>();

function asksOnlyId(fieldNodes: readonly FieldNode[]): boolean {
  let only = idOnly.get(fieldNodes);
  if (only === undefined) {
    only = fieldNodes.every((node) =>
      (node.selectionSet?.selections ?? []).every(
        (selection) => selection.kind === Kind.FIELD && (selection.name.value === 'id' || selection.name.value === '__typename'),
      ),
    );
    idOnly.set(fieldNodes, only);
  }
  return only;
}

/** Parents of rows, read together: every row of a list asks in the same turn of the event loop. */
const parentBatches = new WeakMap<object, { ids: Set<number>; rows: Promise<Map<number, CommentRow>> }>();

function loadParent(context: Context, id: number): Promise<CommentRow | null> {
  let batch = parentBatches.get(context);
  if (!batch) {
    const ids = new Set<number>();
    const created = {
      ids,
      rows: new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        parentBatches.delete(context);
        return loadCommentsById(context.db, [...ids]);
      }),
    };
    parentBatches.set(context, created);
    batch = created;
  }
  batch.ids.add(id);
  return batch.rows.then((rows) => rows.get(id) ?? null);
}

export function serveCommentRows(schema: GraphQLSchema): void {
  const comment = schema.getType('Comment');
  if (!isObjectType(comment)) throw new Error('no Comment type');
  const fields = comment.getFields();
  const author = fields.author!;
  const parent = fields.parent!;
  const authorOfPlanned = author.resolve!;
  const parentOfPlanned = parent.resolve!;
  author.resolve = (source, args, context, info) => (isCommentRow(source) ? source.author : authorOfPlanned(source, args, context, info));
  parent.resolve = ((source, args, context, info) => {
    if (!isCommentRow(source)) return parentOfPlanned(source, args, context, info);
    if (source.parentId === null) return null;
    // The stub answers `id` (the Node id resolver reads only `id`), which is all that was asked.
    if (asksOnlyId(info.fieldNodes)) return { id: source.parentId };
    return loadParent(context, source.parentId);
  }) satisfies GraphQLFieldResolver<unknown, Context>;
}
