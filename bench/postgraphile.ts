/**
 * The peer for the PostgreSQL read benchmarks: PostGraphile v5 (a dev dependency used only
 * here, never by the server) serving Threadline's tables as they are, with the Amber preset,
 * over node:http on loopback in the benchmark's process, through its own `pg` pool.
 *
 * Its generated schema has no lookup by slug (Prisma makes `Article.slug` unique with a unique
 * index, and PostGraphile exposes lookups only for unique constraints): the article is found
 * with `allArticles(condition: { slug })`, which uses the same index. Top-level comments are the
 * article's comments whose `parentId` is null (`condition: { parentId: null }` is `IS NULL`),
 * replies come through the `parentId` foreign key, each level ordered by comment number.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

/**
 * PostGraphile v5 declares Node >= 22: of what Node 20 lacks, it uses only
 * `Promise.withResolvers` (ES2024), at run time (without it every query fails). The standard
 * behaviour, added only when missing. (Yoga's promise helpers feature-detect the same method and
 * do the equivalent themselves without it, so Threadline's work is unchanged.)
 */
type WithResolvers = <T>() => { promise: Promise<T>; resolve: (value: T | PromiseLike<T>) => void; reject: (reason?: unknown) => void };
const promiseConstructor = Promise as PromiseConstructor & { withResolvers?: WithResolvers };
promiseConstructor.withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((resolved, rejected) => {
    resolve = resolved;
    reject = rejected;
  });
  return { promise, resolve, reject };
};

const comment = `fragment PglComment on Comment {
  id
  number
  depth
  body
  createdAt
  authorByAuthorId {
    handle
    name
  }
}`;

/** `levels` nested reply connections of at most `first` each, under a comment's fields. */
function replies(levels: number, first: number): string {
  if (levels === 0) return '';
  return `commentsByParentId(first: ${first}, orderBy: NUMBER_ASC) { edges { node { ...PglComment ${replies(levels - 1, first)} } } }`;
}

function threadQuery(name: string, topLevel: number, levels: number, repliesFirst: number): string {
  return `query ${name}($slug: String!) {
  allArticles(condition: { slug: $slug }, first: 1) {
    nodes {
      id
      title
      commentsByArticleId(first: ${topLevel}, condition: { parentId: null }, orderBy: NUMBER_ASC) {
        edges { node { ...PglComment ${replies(levels, repliesFirst)} } }
      }
    }
  }
}
${comment}`;
}

/** S1 as schema/operations/bench.graphql's BenchWholeThread asks it: 100 top-level comments, three levels of 100 replies. */
export const pglWholeThreadQuery = threadQuery('PglWholeThread', 100, 3, 100);
/** S2 as BenchFirstPage asks it: the first 50 top-level comments, two levels of 10 replies. */
export const pglFirstPageQuery = threadQuery('PglFirstPage', 50, 2, 10);

interface Edges {
  edges: { node: Record<string, unknown> }[];
}

/**
 * A thread reduced to what both APIs answer alike, to check that they return the same comments
 * in the same places: each comment's number, depth, body and author, and its replies.
 * (Global ids differ by design; times are formatted differently.)
 */
export type CommentTree = { comment: string; replies: CommentTree }[];

function reduce(connection: Edges | undefined, keys: { replies: string; author: string }): CommentTree {
  return (connection?.edges ?? []).map(({ node }) => {
    const author = node[keys.author] as { handle: string; name: string };
    if (typeof node.createdAt !== 'string') throw new Error(`comment ${node.number} has no createdAt`);
    return {
      comment: JSON.stringify([node.number, node.depth, node.body, author.handle, author.name]),
      replies: reduce(node[keys.replies] as Edges | undefined, keys),
    };
  });
}

/** A Threadline `BenchWholeThread`/`BenchFirstPage` answer's `data`, reduced. */
export const threadlineTree = (data: { article: { comments: Edges } }): CommentTree =>
  reduce(data.article.comments, { replies: 'replies', author: 'author' });

/** A PostGraphile answer's `data`, reduced. */
export function postgraphileTree(data: { allArticles: { nodes: { commentsByArticleId: Edges }[] } }): CommentTree {
  const article = data.allArticles.nodes[0];
  if (!article) throw new Error('PostGraphile found no article');
  return reduce(article.commentsByArticleId, { replies: 'commentsByParentId', author: 'authorByAuthorId' });
}

export const countComments = (tree: CommentTree): number => tree.reduce((sum, { replies }) => sum + 1 + countComments(replies), 0);

export interface PostGraphileServer {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts PostGraphile on 127.0.0.1 (a free port) over `pool`, which the caller ends after `stop()`. */
export async function startPostGraphile(pool: pg.Pool): Promise<PostGraphileServer> {
  const pgl = postgraphile({
    extends: [PostGraphileAmberPreset],
    pgServices: [makePgService({ pool, schemas: ['public'], pubsub: false })],
    grafserv: { graphqlPath: '/graphql', graphiql: false, websockets: false, watch: false },
  });
  const serv = pgl.createServ(grafserv);
  const server = createServer();
  await serv.addTo(server, false);
  await new Promise<void>((listening, fail) => server.once('error', fail).listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/graphql`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((closed) => server.close(() => closed()));
      await pgl.release(); // releases `serv` too
    },
  };
}
