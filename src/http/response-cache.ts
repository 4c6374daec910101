/**
 * A cache of public answers that is never stale, and HTTP caching on top of it.
 *
 * Public answers are the ones anonymous readers and plain authors get alike: queries that ask
 * nothing about the viewer, from anyone but a moderator, an administrator, or an author who has
 * comments waiting for review or rejected (which show to their author alone). Each is stored
 * with the versions it was computed at (src/domain/versions.ts), read from the database after
 * it ran, and served again only while the database still holds those versions. A write moves
 * them before it commits, and a write is acknowledged only once it has committed, so no reader
 * can get an answer older than a write already acknowledged to anyone, on any instance.
 *
 * An answer about one article (`article`, `permalink`, and inside them nothing that leads to
 * other articles) depends on that article's sequence number and the site version; any other
 * answer, and one whose root found nothing, depends on the epoch, which every write moves.
 * An answer is stored only if no write committed while it ran (the epoch read before it is
 * the epoch read after it): otherwise what it read may straddle that write.
 *
 * Over HTTP, a public answer carries a strong ETag derived from its request, those versions
 * and its bytes, and `Cache-Control: public, max-age=0, must-revalidate`, so a CDN or a
 * browser keeps it and revalidates it with If-None-Match every time (a GET answers 304 while
 * it holds). Everything else is `private, no-store`. Every GraphQL answer varies on
 * Authorization, Accept and Origin.
 *
 * Yoga's response-cache plugin is not used: its ETag is a hash of the request alone, its 304
 * only checks that an entry is still in the cache, and it invalidates entities that appear in
 * a mutation's result, on the instance that ran it; a new reply is not in any cached
 * thread's entities, so a cached thread would miss it.
 */
import { createHash } from 'node:crypto';
import {
  type DocumentNode,
  type ExecutionResult,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  isLeafType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import type { Database } from '../db.js';
import { currentEpoch, nextPublication, readVersions, type Versions } from '../domain/versions.js';
import { isAdmin, isModerator } from '../domain/visibility.js';
import type { AnswerStore, CachedAnswer } from './answer-store.js';
import { matchesEtag } from './html.js';

/**
 * Whether a field's answer is the viewer's own (`extensions: { threadline: { private: true } }`
 * where it is defined): answers that ask for one are never shared. Every other field answers
 * alike for everyone but moderators and administrators, whose answers are never shared either.
 */
const isPrivate = (field: GraphQLField<unknown, unknown> | null | undefined) =>
  (field?.extensions as { threadline?: { private?: boolean } } | undefined)?.threadline?.private === true;
/** Root fields that answer about one article. */
const articleRoots = new Set(['Query.article', 'Query.permalink']);
/** Types that belong to one article: every field of theirs stays inside it. */
const articleTypes = new Set([
  'Article',
  'Comment',
  'CommentConnection',
  'CommentEdge',
  'CommentRevision',
  'CommentRevisionConnection',
  'CommentRevisionEdge',
  'PageInfo',
  'Permalink',
  'Quote',
  // A comment's reaction counts: they change with its article's REACTED events.
  'ReactionCount',
]);
/** Shown inside an article by their own fields only: their lists span articles. */
const sharedTypes = new Set(['Author', 'Tag']);

interface Shape {
  /** Asks about the viewer: never cached. */
  private: boolean;
  /** Incremental delivery (@defer, @stream): not cached. */
  incremental: boolean;
  /** Depends on the articles its root fields return, and on the site; otherwise on every write. */
  articleScoped: boolean;
}

const shapes = new WeakMap<DocumentNode, Map<string, Shape>>();

function shapeOf(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): Shape {
  const byOperation = shapes.get(document) ?? new Map<string, Shape>();
  shapes.set(document, byOperation);
  const cached = byOperation.get(operationName ?? '');
  if (cached) return cached;
  const shape: Shape = { private: false, incremental: false, articleScoped: true };
  const typeInfo = new TypeInfo(schema);
  const query = schema.getQueryType();
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Directive(node) {
        if (node.name.value === 'defer' || node.name.value === 'stream') shape.incremental = true;
      },
      Field(node) {
        const parent = typeInfo.getParentType();
        const type = typeInfo.getType();
        if (!parent || node.name.value === '__typename') return;
        const coordinate = `${parent.name}.${node.name.value}`;
        if (isPrivate(typeInfo.getFieldDef())) shape.private = true;
        if (parent === query) {
          if (!articleRoots.has(coordinate)) shape.articleScoped = false;
        } else if (!articleTypes.has(parent.name) && !(sharedTypes.has(parent.name) && type && isLeafType(getNamedType(type)))) {
          shape.articleScoped = false;
        }
      },
    }),
  );
  byOperation.set(operationName ?? '', shape);
  return shape;
}

/** Whether a stored answer to the operation holds while its articles' events do (else: until any write). */
export const isArticleScoped = (schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): boolean =>
  shapeOf(schema, document, operationName).articleScoped;

/** Whether the operation asks for a field that is the viewer's own (live groups keep such subscribers apart). */
export const asksForPrivateFields = (schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): boolean =>
  shapeOf(schema, document, operationName).private;

/**
 * The articles an execution's answer is about, as its root fields return them; `unknown` when
 * a root answered null (a comment not posted yet has no article to watch: such an answer
 * depends on every write).
 */
interface ArticlesRead {
  ids: Set<number>;
  unknown: boolean;
}
const articlesRead = new WeakMap<object, ArticlesRead>();

/**
 * Wraps the article-scoped root fields so that an execution learns which articles its answer
 * is about. Idempotent.
 */
function trackArticles(schema: GraphQLSchema): void {
  const fields = schema.getQueryType()?.getFields() ?? {};
  const idOf: Record<string, (value: unknown) => number | undefined> = {
    article: (value) => (value as { id?: number } | null)?.id,
    permalink: (value) => (value as { articleId?: number } | null)?.articleId,
  };
  for (const [name, articleId] of Object.entries(idOf)) {
    const field = fields[name];
    if (!field?.resolve || tracked.has(field)) continue;
    tracked.add(field);
    const resolve: GraphQLFieldResolver<unknown, object> = field.resolve;
    field.resolve = async (source, args, context, info) => {
      const value = await resolve(source, args, context, info);
      const read = articlesRead.get(context);
      const id = articleId(value);
      if (read && id !== undefined) read.ids.add(id);
      else if (read) read.unknown = true;
      return value;
    };
  }
}
const tracked = new WeakSet<object>();

/** An answer as sent: with an ETag when it is known to hold at the versions it was stored with. */
type Computed = { json: string; etag?: string };

/** An answer being computed: the epoch it started at (known shortly after it registers), and the answer. */
interface Flight {
  epoch: Promise<number>;
  answer: Promise<Computed | null>;
}

function startFlight() {
  let setEpoch!: (epoch: number) => void;
  let settle!: (answer: Computed | null) => void;
  const flight: Flight = {
    epoch: new Promise((resolve) => (setEpoch = resolve)),
    answer: new Promise((resolve) => (settle = resolve)),
  };
  return { flight, setEpoch, settle };
}

/** What the HTTP layer needs to know about a request's answer. */
interface Verdict {
  /** A public answer at known versions: its ETag. */
  etag?: string;
}
const verdicts = new WeakMap<Request, Verdict>();
/** What onParams found for a request it could not answer, so that onExecute does not look again. */
const looked = new WeakMap<Request, { key: string; found: CachedAnswer | undefined; now: Versions | undefined }>();

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** Variables by name, in name order: the same request keys alike however a client orders them. */
const sorted = (variables: Record<string, unknown>, names = Object.keys(variables)) =>
  names
    .filter((name) => Object.hasOwn(variables, name))
    .sort()
    .map((name): [string, unknown] => [name, variables[name]]);

const keyOf = (query: string, operationName: string | null | undefined, variables: [string, unknown][]) =>
  sha256(JSON.stringify([query, operationName ?? null, variables]));

/**
 * The longest answer kept (in UTF-16 units): a page of 500 comments is about 300,000. Bigger
 * answers are computed each time, so that a few cannot flush everything else.
 */
const maxStoredChars = 1024 * 1024;

/** Strong: the same tag only for the same bytes, computed from the same versions. */
const etagOf = (key: string, answer: Omit<CachedAnswer, 'etag'>) =>
  `"${sha256(JSON.stringify([key, answer.site, answer.epoch, answer.articles, answer.expiresAt, answer.json])).slice(0, 32)}"`;

function holds(answer: CachedAnswer, versions: Versions, now: number): boolean {
  if (answer.expiresAt !== null && now >= answer.expiresAt) return false;
  if (answer.site !== versions.site) return false;
  if (answer.epoch !== null && answer.epoch !== versions.epoch) return false;
  return answer.articles.every(([id, seq]) => versions.articles.get(id) === seq);
}

/** Whether the author with this handle has comments only they (and moderators) see: one indexed lookup. */
async function showsOwnUnpublished(db: Database, handle: string): Promise<boolean> {
  const found = await db.reader.comment.findFirst({
    where: { author: { handle }, status: { not: 'PUBLISHED' }, deletedAt: null, hiddenAt: null },
    select: { id: true },
  });
  return found !== null;
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

export interface ResponseCacheOptions {
  /** Where answers are kept; null turns caching off, ETags with it (every answer is then `private, no-store`). */
  store: AnswerStore | null;
  /** The database the versions are read from: the one the answers are read from. */
  db: Database;
}

/**
 * Serves a stored answer that still holds (one small statement), stores a fresh public one,
 * and gives every GraphQL answer its caching headers.
 */
export function useResponseCache({ store, db }: ResponseCacheOptions): Plugin<Context> {
  /** Answers being computed now, by key: requests for the same one wait for it (see onExecute). */
  const computing = new Map<string, Flight>();
  /** The versions now of what a stored answer depends on. */
  const versionsOf = (answer: CachedAnswer) =>
    readVersions(
      db,
      answer.articles.map(([id]) => id),
    );
  return {
    onSchemaChange({ schema }) {
      trackArticles(schema);
    },
    // Anonymous requests, before anything else runs: a stored answer that holds is the answer,
    // with no parsing, context, limits or execution (it passed them all when it was computed).
    async onParams({ params, request, setResult }) {
      if (!store || !params.query || request.headers.has('authorization')) return;
      const key = keyOf(params.query, params.operationName, sorted(params.variables ?? {}));
      const found = await store.get(key);
      const now = found ? await versionsOf(found) : undefined;
      if (found && now && holds(found, now, Date.now())) {
        verdicts.set(request, { etag: found.etag });
        setResult({ stringify: () => found.json } as ExecutionResult);
        return;
      }
      looked.set(request, { key, found, now });
    },
    async onExecute({ args, executeFn, setExecuteFn, setResultAndStopExecution }) {
      const context = args.contextValue as Context & { request?: Request; params?: { query?: string } };
      const request = context.request;
      if (!request || context.transport !== 'http') return;
      const verdict: Verdict = {};
      verdicts.set(request, verdict);
      const operation = getOperationAST(args.document, args.operationName);
      if (!store || operation?.operation !== 'query' || isModerator(context.viewer) || isAdmin(context.viewer)) return;
      const shape = shapeOf(args.schema, args.document, args.operationName);
      if (shape.private || shape.incremental) return;
      // An author's own comments that are not published show to them alone (src/domain/visibility.ts):
      // while they have any, their answers are their own, neither served from the cache nor stored.
      if (context.viewer && (await showsOwnUnpublished(db, context.viewer.handle))) return;
      const query = context.params?.query;
      if (!query) return;
      const serve = (answer: Computed) => {
        verdict.etag = answer.etag;
        setResultAndStopExecution({ stringify: () => answer.json } as ExecutionResult);
      };

      // Only the variables the operation declares: others change nothing, and must not make new entries.
      const declared = operation.variableDefinitions?.map((definition) => definition.variable.name.value) ?? [];
      const key = keyOf(query, args.operationName, sorted((args.variableValues ?? {}) as Record<string, unknown>, declared));
      // Requests for the same answer at the same time: the first registers its computation at
      // once, before anything is awaited, and the others find it.
      const flight = computing.get(key);
      let own = flight ? undefined : startFlight();
      if (own) computing.set(key, own.flight);
      const finish = (answer: Computed | null) => {
        if (!own) return;
        if (computing.get(key) === own.flight) computing.delete(key);
        // No epoch yet (a failure before it was read): nobody may join, so none will wait.
        own.setEpoch(-1);
        own.settle(answer);
      };
      try {
        const looks = looked.get(request);
        const earlier = looks?.key === key ? looks : undefined;
        const found = earlier?.found ?? (await store.get(key));
        // What onParams read, or the versions now.
        const now: Pick<Versions, 'epoch'> = earlier?.now ?? (found ? await versionsOf(found) : { epoch: await currentEpoch(db) });
        own?.setEpoch(now.epoch);
        if (found && found !== earlier?.found && holds(found, now as Versions, Date.now())) {
          finish(found);
          return serve(found);
        }

        // The same answer is being computed, and no write has committed since it started: every
        // write acknowledged before this request is in it. Wait for it rather than compute it again.
        if (flight && (await flight.epoch) === now.epoch) {
          const answer = await flight.answer;
          if (answer) return serve(answer);
        }
        if (!own) {
          own = startFlight();
          own.setEpoch(now.epoch);
          computing.set(key, own.flight);
        }

        const epochBefore = now.epoch;
        const articles: ArticlesRead = { ids: new Set(), unknown: false };
        articlesRead.set(context, articles);
        // Publication is decided by the time resolvers read: the answer may change from the
        // first publication after the moment it started.
        const startedAt = new Date();
        let answer: Computed | null = null;
        setExecuteFn(async (executionArgs) => {
          try {
            const result = await executeFn(executionArgs);
            if (isAsyncIterable(result) || (result as ExecutionResult).errors?.length) return result;
            const json = JSON.stringify(result);
            answer = { json };
            const ids = [...articles.ids];
            const [versions, next] = await Promise.all([readVersions(db, ids), nextPublication(db, startedAt)]);
            // A write committed while this ran: what it read may straddle that write.
            if (versions.epoch === epochBefore && json.length <= maxStoredChars) {
              const fields = {
                site: versions.site,
                epoch: shape.articleScoped && !articles.unknown ? null : versions.epoch,
                articles: ids.map((id): [number, number] => [id, versions.articles.get(id) ?? -1]),
                expiresAt: next?.getTime() ?? null,
              };
              const stored: CachedAnswer = { ...fields, json, etag: etagOf(key, { ...fields, json }) };
              answer = stored;
              verdict.etag = stored.etag;
              await store.set(key, stored);
            }
            return { ...(result as ExecutionResult), stringify: () => json } as ExecutionResult;
          } finally {
            finish(answer);
          }
        });
        // Whatever ends the execution (another plugin may answer instead), those waiting are let go.
        return { onExecuteDone: () => finish(answer) };
      } catch (error) {
        finish(null);
        throw error;
      }
    },
    onResponse({ request, response, setResponse, fetchAPI }) {
      if (!response.headers.get('content-type')?.includes('json')) return;
      // Origin too: the CORS headers echo it, and a shared cache must not give one origin's copy to another.
      response.headers.append('Vary', 'Authorization, Accept, Origin');
      const etag = verdicts.get(request)?.etag;
      if (!etag || response.status !== 200) {
        response.headers.set('Cache-Control', 'private, no-store');
        return;
      }
      response.headers.set('ETag', etag);
      response.headers.set('Cache-Control', 'public, max-age=0, must-revalidate');
      if (request.method === 'GET' && matchesEtag(request.headers.get('if-none-match'), etag)) {
        const headers = new fetchAPI.Headers();
        for (const [name, value] of response.headers) {
          if (/^(etag|cache-control|vary|access-control-.*)$/i.test(name)) headers.set(name, value);
        }
        setResponse(new fetchAPI.Response(null, { status: 304, headers }));
      }
    },
  };
}
