/**
 * The peer for the PostgreSQL read benchmarks: PostGraphile v5 (a dev dependency used only
 * here, never by the server) serving Threadline's tables as they are, with the Amber preset,
 * over node:http on loopback in the benchmark's process, through its own `pg` pool.
 *
 * Its generated schema has no lookup by slug (Prisma makes `Article.slug` unique with a unique
 * index, and PostGraphile exposes lookups only for unique constraints): the article is found
 * with `allArticles(condition: { slug })`, which uses the same index. S1 pages through the
 * article's comments ordered by `path` (`commentsByArticleId(orderBy: PATH_ASC)`, 500 a page,
 * the second `after` the first's endCursor), each with its parent's id, as `Article.thread`
 * does. For S2, top-level comments are the article's comments whose `parentId` is null
 * (`condition: { parentId: null }` is `IS NULL`), replies come through the `parentId` foreign
 * key, each level ordered by comment number.
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

/** S1's page as schema/operations/bench.graphql's BenchThreadPage asks it: `first` comments in path order after `$after`. */
export const pglThreadPageQuery = (first: number) => `query PglThreadPage($slug: String!, $after: Cursor) {
  allArticles(condition: { slug: $slug }, first: 1) {
    nodes {
      id
      title
      commentsByArticleId(first: ${first}, after: $after, orderBy: PATH_ASC) {
        pageInfo { hasNextPage endCursor }
        edges { node { ...PglComment commentByParentId { id } } }
      }
    }
  }
}
${comment}`;
/** S2 as BenchFirstPage asks it: the first 50 top-level comments, two levels of 10 replies. */
export const pglFirstPageQuery = threadQuery('PglFirstPage', 50, 2, 10);
/** S6's read: S2 and the article's comment count (BenchMixPage). */
export const pglMixQuery = threadQuery('PglMixPage', 50, 2, 10).replace(
  '      title\n',
  '      title\n      all: commentsByArticleId { totalCount }\n',
);
/** S6's write: a new top-level comment; PostGraphile's generated create mutation takes every column. */
export const pglCreateComment = `mutation PglCreateComment($input: CreateCommentInput!) { createComment(input: $input) { comment { id } } }`;

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

/** A Threadline `BenchFirstPage` answer's `data`, reduced. */
export const threadlineTree = (data: { article: { comments: Edges } }): CommentTree =>
  reduce(data.article.comments, { replies: 'replies', author: 'author' });

/** A PostGraphile answer's `data`, reduced. */
export function postgraphileTree(data: { allArticles: { nodes: { commentsByArticleId: Edges }[] } }): CommentTree {
  const article = data.allArticles.nodes[0];
  if (!article) throw new Error('PostGraphile found no article');
  return reduce(article.commentsByArticleId, { replies: 'commentsByParentId', author: 'authorByAuthorId' });
}

export const countComments = (tree: CommentTree): number => tree.reduce((sum, { replies }) => sum + 1 + countComments(replies), 0);

interface ThreadPage extends Edges {
  pageInfo: { hasNextPage: boolean };
}

/**
 * Pages of a flat thread reduced the same way, in order: each comment with its parent's number
 * (found through the API's own ids, which differ between the two), and each page's hasNextPage.
 */
export type FlatThread = { comments: string[]; hasNextPage: boolean[] };

function flatten(pages: ThreadPage[], keys: { parent: string; author: string }): FlatThread {
  const numbers = new Map<string, unknown>();
  for (const { node } of pages.flatMap((page) => page.edges)) numbers.set(node.id as string, node.number);
  return {
    comments: pages.flatMap((page) =>
      page.edges.map(({ node }) => {
        const author = node[keys.author] as { handle: string; name: string };
        const parent = node[keys.parent] as { id: string } | null;
        if (typeof node.createdAt !== 'string') throw new Error(`comment ${node.number} has no createdAt`);
        const parentNumber = parent === null ? null : (numbers.get(parent.id) ?? `unknown ${parent.id}`);
        return JSON.stringify([node.number, node.depth, node.body, author.handle, author.name, parentNumber]);
      }),
    ),
    hasNextPage: pages.map((page) => page.pageInfo.hasNextPage),
  };
}

/** Threadline `BenchThreadPage` answers' `data`, one per page, reduced. */
export const threadlineThread = (pages: { article: { thread: ThreadPage } }[]): FlatThread =>
  flatten(
    pages.map((page) => page.article.thread),
    { parent: 'parent', author: 'author' },
  );

/** PostGraphile `PglThreadPage` answers' `data`, one per page, reduced. */
export function postgraphileThread(pages: { allArticles: { nodes: { commentsByArticleId: ThreadPage }[] } }[]): FlatThread {
  return flatten(
    pages.map((page) => {
      const article = page.allArticles.nodes[0];
      if (!article) throw new Error('PostGraphile found no article');
      return article.commentsByArticleId;
    }),
    { parent: 'commentByParentId', author: 'authorByAuthorId' },
  );
}

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
