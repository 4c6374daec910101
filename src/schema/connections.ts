/**
 * Relay connections whose pages load per parent (src/read/pages.ts): every connection of the
 * schema goes through here, so every one checks its arguments and cursors the same way and
 * none reads more rows than its pages hold.
 *
 * A connection field resolves in two statements per level of the query, however many parents
 * it has: the page ids of all parents at once, then the rows with the client's selection,
 * planned by plugin-prisma (`queryFromInfo`) so that their own relations come in the same
 * query. `totalCount` costs a third, only when selected.
 *
 * Comments whose selection asks nothing plugin-prisma would have to plan (see `servesFromRows`)
 * load with their authors in one statement per level instead (src/read/comments.ts).
 */
import { queryFromInfo } from '@pothos/plugin-prisma';
import {
  type FieldNode,
  GraphQLError,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import type { Context } from '../context.js';
import type { Database } from '../db.js';
import { defaultPageSize, defaultThreadPageSize, maxPageSize, maxThreadPageSize } from '../domain/limits.js';
import type { Article, Comment, CommentRevision, ModerationAction, WebhookDelivery } from '../generated/prisma/client.js';
import { loadCommentPages } from '../read/comments.js';
import { countPages, loadPages, type PagedRelation, type PageRequest } from '../read/pages.js';
import { budgetOf } from '../security/response-budget.js';
import { decodeBase64Strict, parseDatabaseId } from '../domain/ids.js';

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export interface PageSizes {
  default: number;
  max: number;
}

export const pageSizes: PageSizes = { default: defaultPageSize, max: maxPageSize };
export const threadPageSizes: PageSizes = { default: defaultThreadPageSize, max: maxThreadPageSize };

/** The rows a connection's nodes are, by type name, and how they load by id with plugin-prisma's query. */
interface Rows {
  Comment: Comment;
  Article: Article;
  CommentRevision: CommentRevision;
  /** The moderation queue's items: comments, shown with their reports and holds. */
  ModerationItem: Comment;
  ModerationAction: ModerationAction;
  WebhookDelivery: WebhookDelivery;
}

const loaders: { [T in keyof Rows]: (db: Database, ids: number[], query: object) => Promise<Rows[T][]> } = {
  Comment: (db, ids, query) => db.reader.comment.findMany({ ...query, where: { id: { in: ids } } }),
  Article: (db, ids, query) => db.reader.article.findMany({ ...query, where: { id: { in: ids } } }),
  CommentRevision: (db, ids, query) => db.reader.commentRevision.findMany({ ...query, where: { id: { in: ids } } }),
  ModerationItem: (db, ids, query) => db.reader.comment.findMany({ ...query, where: { id: { in: ids } } }),
  ModerationAction: (db, ids, query) => db.reader.moderationAction.findMany({ ...query, where: { id: { in: ids } } }),
  WebhookDelivery: (db, ids, query) => db.reader.webhookDelivery.findMany({ ...query, where: { id: { in: ids } } }),
};

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/** plugin-prisma's cursor format for an Int id, so cursors handed out before keep working. */
export const encodeCursor = (id: number): string => Buffer.from(`GPC:N:${id}`).toString('base64');

/** The row id a cursor names; BAD_USER_INPUT for anything this API did not write. */
export function decodeCursor(cursor: string, argument: string): number {
  const text = decodeBase64Strict(cursor);
  const match = text === null ? null : /^GPC:N:(.*)$/s.exec(text);
  const id = match ? parseDatabaseId(match[1]!) : null;
  if (id === null) throw badInput(`"${argument}" is not a cursor of this API: pass a page's startCursor or endCursor.`);
  return id;
}

/**
 * The page the arguments ask for. Pothos would clamp `first: 1000` to the maximum and let
 * `first` win over `last`; a client asking for what it cannot get is told instead.
 */
export function pageRequest(args: ConnectionArgs, sizes: PageSizes): PageRequest {
  if (args.first != null && args.last != null) throw badInput('Pass either "first" or "last", not both.');
  if (args.first != null && args.before != null) throw badInput('"before" pages backward: pass it with "last", not "first".');
  if (args.last != null && args.after != null) throw badInput('"after" pages forward: pass it with "first", not "last".');
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value != null && (value < 0 || value > sizes.max)) throw badInput(`"${name}" must be between 0 and ${sizes.max}; got ${value}.`);
  }
  const forward = args.last == null && args.before == null;
  const cursor = forward ? args.after : args.before;
  return {
    forward,
    size: (forward ? args.first : args.last) ?? sizes.default,
    cursor: cursor == null ? null : decodeCursor(cursor, forward ? 'after' : 'before'),
  };
}

export interface Connection<Node> {
  edges: { cursor: string; node: Node }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
}

export interface PagedConnection<T extends keyof Rows, Args> {
  /** The Pothos type of the nodes: plugin-prisma plans their selection. */
  typeName: T;
  sizes: PageSizes;
  relation: (args: Args, context: Context) => PagedRelation;
  /** The key the pages are per: the parent's id, or 0 for a root connection. */
  root?: boolean;
}

/**
 * Ids per statement that loads rows: Prisma refuses a statement of more than 999 bound values
 * on SQLite (and splits its own relation loads below that); a whole thread page (500) is one.
 */
const loadChunk = 500;

/** A parent's page: its nodes, and whether there are more beyond them. */
interface Page<Node> {
  nodes: Node[];
  more: boolean;
}

interface Batch<Node> {
  parents: Set<number>;
  pages: Promise<Map<number, Page<Node>>>;
  counts?: Promise<Map<number, number>>;
}

const batchesByContext = new WeakMap<object, Map<string, Batch<unknown>>>();

/**
 * The fields of Comment that a row read with its author answers without plugin-prisma: every
 * field plugin-prisma does not plan a selection for, and `author` and `parent`, which
 * src/schema/comment-rows.ts serves from the row.
 */
const rowFieldsBySchema = new WeakMap<GraphQLSchema, Set<string>>();

function rowFields(schema: GraphQLSchema): Set<string> {
  let fields = rowFieldsBySchema.get(schema);
  if (!fields) {
    const comment = schema.getType('Comment');
    fields = new Set(['__typename', 'author', 'parent']);
    if (isObjectType(comment)) {
      for (const field of Object.values(comment.getFields())) if (!field.extensions?.pothosPrismaSelect) fields.add(field.name);
    }
    rowFieldsBySchema.set(schema, fields);
  }
  return fields;
}

/** Every field named in `selectionSet` at `path` (through fragments); directives are not evaluated, so this may name more. */
function selectedNames(info: GraphQLResolveInfo, selectionSets: readonly SelectionSetNode[], path: readonly string[]): Set<string> {
  const names = new Set<string>();
  const walk = (selectionSet: SelectionSetNode, depth: number) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (depth === path.length) names.add(selection.name.value);
        else if (selection.name.value === path[depth] && selection.selectionSet) walk(selection.selectionSet, depth + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, depth);
      else {
        const fragment = info.fragments[selection.name.value];
        if (fragment) walk(fragment.selectionSet, depth);
      }
    }
  };
  for (const selectionSet of selectionSets) walk(selectionSet, 0);
  return names;
}

/** Field nodes are shared by every parent of a list: the answer is worked out once per list. */
const servedFromRows = new WeakMap<readonly FieldNode[], boolean>();

/** Whether the nodes of this Comment connection can be rows read with their authors. */
function servesFromRows(info: GraphQLResolveInfo): boolean {
  let served = servedFromRows.get(info.fieldNodes);
  if (served === undefined) {
    const sets = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
    const fields = rowFields(info.schema);
    served = [...selectedNames(info, sets, ['edges', 'node'])].every((name) => fields.has(name));
    servedFromRows.set(info.fieldNodes, served);
  }
  return served;
}

/** The field's place in the operation, list indices left out: the same for every parent in one list. */
function fieldKey(info: GraphQLResolveInfo): string {
  let key = '';
  for (let path: GraphQLResolveInfo['path'] | undefined = info.path; path; path = path.prev) {
    if (typeof path.key === 'string') key = `${path.key}/${key}`;
  }
  return key;
}

/**
 * A connection field's `extensions` (the page sizes the request cost counts) and `resolve`:
 * parents resolved together share their statements.
 */
export function pagedField<T extends keyof Rows, Args = unknown>(definition: PagedConnection<T, Args>) {
  type Node = Rows[T];
  const load = loaders[definition.typeName] as (db: Database, ids: number[], query: object) => Promise<Node[]>;
  const resolve = (
    parent: { id: number } | unknown,
    args: NoInfer<Args> & ConnectionArgs,
    context: Context,
    info: GraphQLResolveInfo,
  ): Promise<Connection<Node>> => {
    const page = pageRequest(args, definition.sizes);
    const relation = definition.relation(args, context);
    let batches = batchesByContext.get(context);
    if (!batches) {
      batches = new Map();
      batchesByContext.set(context, batches);
    }
    const key = fieldKey(info);
    let batch = batches.get(key) as Batch<Node> | undefined;
    const fromRows = definition.typeName === 'Comment' && servesFromRows(info);
    // plugin-prisma knows how a row was loaded by the path of the field that loaded it: the plan
    // is recorded under every parent's own path, or the nodes' relations would load again, row
    // by row. Each parent's plan is the same; the batch loads with the first.
    const planned = fromRows
      ? null
      : (queryFromInfo({ context, info, typeName: definition.typeName, path: ['edges', 'node'] }) as Record<string, unknown>);
    if (!batch) {
      const parents = new Set<number>();
      const created: Batch<Node> = {
        parents,
        // Every parent in this list asks in the same turn of the event loop; then the batch closes.
        pages: new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
          batches.delete(key);
          if (planned === null) return loadRows(relation, [...parents], page, context) as Promise<Map<number, Page<Node>>>;
          const query = 'select' in planned ? { select: { ...(planned.select as object), id: true } } : planned;
          const pages = await loadPages(context.db, relation, [...parents], page);
          const wanted = new Map<number, number>();
          for (const entries of pages.values()) for (const { id, weight } of entries.slice(0, page.size)) wanted.set(id, weight);
          // The text the rows carry counts against the response budget before any is read:
          // a page too heavy to send is refused for the price of its ids.
          let weight = 0;
          for (const bytes of wanted.values()) weight += bytes;
          budgetOf(context)?.load(weight);
          const ids = [...wanted.keys()];
          const rows = new Map<number, Node>();
          for (let start = 0; start < ids.length; start += loadChunk) {
            for (const row of await load(context.db, ids.slice(start, start + loadChunk), query)) rows.set(row.id, row);
          }
          return new Map(
            [...pages].map(([parentKey, entries]) => {
              const nodes = entries
                .slice(0, page.size)
                .map(({ id }) => rows.get(id))
                .filter((row) => row !== undefined);
              return [parentKey, { nodes, more: entries.length > page.size }] as const;
            }),
          );
        }),
      };
      batch = created;
      batches.set(key, batch as Batch<unknown>);
    }
    const parentKey = definition.root ? 0 : (parent as { id: number }).id;
    batch.parents.add(parentKey);
    const current = batch;
    const totalCount = () => {
      current.counts ??= countPages(context.db, relation, [...current.parents]);
      return current.counts.then((counts) => counts.get(parentKey) ?? 0);
    };
    return current.pages.then((pages) => toConnection(pages.get(parentKey) ?? { nodes: [], more: false }, page, totalCount));
  };
  return { extensions: { threadline: { pageSizes: definition.sizes } }, resolve };
}

/** Comment pages read with their authors, one statement for every parent; their text is charged to the budget as it is read. */
async function loadRows(
  relation: PagedRelation,
  parents: number[],
  page: PageRequest,
  context: Context,
): Promise<Map<number, Page<Comment>>> {
  const budget = budgetOf(context);
  const loaded = await loadCommentPages(context.db, relation, parents, page, budget?.loadable ?? Number.MAX_SAFE_INTEGER);
  budget?.load(loaded.weight);
  const pages = new Map<number, Page<Comment>>();
  for (const [parentKey, rows] of loaded.pages) {
    pages.set(parentKey, { nodes: rows.length > page.size ? rows.slice(0, page.size) : rows, more: rows.length > page.size });
  }
  return pages;
}

/** An empty page, for a parent that shows nothing (a tombstone's history); the arguments are still checked. */
export function emptyConnection(args: ConnectionArgs, sizes: PageSizes): Connection<never> {
  return toConnection({ nodes: [], more: false }, pageRequest(args, sizes), () => Promise.resolve(0));
}

function toConnection<Node extends { id: number }>(
  { nodes: found, more }: Page<Node>,
  page: PageRequest,
  totalCount: () => Promise<number>,
): Connection<Node> {
  const nodes = page.forward ? found : [...found].reverse();
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.forward ? more : page.cursor !== null,
      hasPreviousPage: page.forward ? page.cursor !== null : more,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount,
  };
}
