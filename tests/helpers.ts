import { readFileSync } from 'node:fs';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, execute, print } from 'graphql';
import { parseDocument } from 'htmlparser2';
import { afterAll, expect } from 'vitest';
import { type App, type AppOptions, buildApp } from '../src/app.js';
import { type Role, secretFrom, signToken, type Viewer } from '../src/auth.js';
import { defaultWriteLimits, type WriteLimits } from '../src/config.js';
import { type Context, defaultEngagement, defaultModeration, type Engagement, type ModerationOptions } from '../src/context.js';
import { type Database, openDatabase } from '../src/db.js';
import { LivePubSub } from '../src/live/pubsub.js';
import { createLogger } from '../src/logger.js';
import { schema } from '../src/schema/index.js';
import { demoThreadPath } from '../src/seed.js';
import { testServices } from './database.js';

export const demoSlug = 'why-the-alder-hollow-library-started-lending-bike-tools';
/** The demo thread `npm start` seeds (prisma/demo-thread.txt), the suite's main fixture. */
export const readDemo = () => readFileSync(demoThreadPath, 'utf8');

/**
 * The test file's database (tests/database.ts), opened once for the file with its statements
 * reported (`statementsOf`); closed after the file, once its apps have stopped.
 */
export const db: Database = await openDatabase(testServices.database, { logQueries: true });

/** The pubsub in-process operations publish to. */
export const testPubSub = new LivePubSub();

/** The secret vitest.config.ts puts in THREADLINE_JWT_SECRET. */
export const testSecret = secretFrom(process.env.THREADLINE_JWT_SECRET!);

export const viewer = (handle: string, role: Role = 'AUTHOR', name = handle): Viewer => ({ handle, name, role });
export const tokenFor = (who: Viewer, expiresIn?: string | number) => signToken(who, testSecret, expiresIn);

export interface RunOptions {
  viewer?: Viewer | null;
  writeLimits?: WriteLimits;
  moderation?: ModerationOptions;
  engagement?: Engagement;
}

/** Runs an operation in-process against the real schema and database, as `viewer`. */
export async function run<TResult, TVariables extends Record<string, unknown>>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables?: NoInfer<TVariables>,
  { viewer = null, writeLimits = defaultWriteLimits, moderation = defaultModeration, engagement = defaultEngagement() }: RunOptions = {},
): Promise<ExecutionResult<TResult>> {
  const contextValue: Context = { db, viewer, writeLimits, moderation, engagement, pubsub: testPubSub };
  const result = await execute({ schema, document, variableValues: variables, contextValue });
  // What a client receives: JSON (scalars such as DateTime serialise to strings on the wire).
  return JSON.parse(JSON.stringify(result)) as ExecutionResult<TResult>;
}

/** Like `run`, but fails on GraphQL errors and returns the data. */
export async function query<TResult, TVariables extends Record<string, unknown>>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables?: NoInfer<TVariables>,
  options?: RunOptions,
): Promise<TResult> {
  const result = await run(document, variables, options);
  if (result.errors?.length) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.data as TResult;
}

const apps: App[] = [];

/**
 * An app on the test file's database (and, on PostgreSQL, its Redis) unless `options` name
 * another; every app a test file builds is stopped after the file (stopping twice is harmless).
 * Its outbox worker runs only when `notifications.worker` is true.
 */
export function testApp(options: Partial<AppOptions> = {}): App {
  const app = buildApp({
    database: db,
    logger: createLogger('silent'),
    secret: testSecret,
    redisUrl: testServices.redisUrl,
    redisPrefix: testServices.redisPrefix,
    ...options,
    // No outbox worker unless a test asks for one: a worker's statements would run through
    // other tests' statement counts.
    notifications: { worker: false, ...options.notifications },
  });
  apps.push(app);
  return app;
}

afterAll(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
  await db.close();
});

/** Which database this run of the suite is on (vitest.config.ts sets it per project). */
export const testDatabase = process.env.THREADLINE_TEST_DATABASE === 'postgresql' ? 'postgresql' : 'sqlite';

/** POSTs an operation to the app over its fetch interface; returns the status and the parsed body. */
export async function post<TResult, TVariables>(
  app: App,
  document: TypedDocumentNode<TResult, TVariables> | string,
  variables?: TVariables,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: ExecutionResult<TResult> }> {
  const response = await app.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query: typeof document === 'string' ? document : print(document), variables }),
  });
  return { status: response.status, body: (await response.json()) as ExecutionResult<TResult> };
}

/** The SQL statements Prisma sends while `action` runs. */
export async function statementsOf(action: () => Promise<unknown>): Promise<string[]> {
  const statements: string[] = [];
  const stop = db.onQuery((sql) => statements.push(sql));
  try {
    await action();
  } finally {
    stop();
  }
  return statements;
}

export async function rowCounts() {
  const [authors, articles, tags, comments, quotes, mentions, revisions, idempotencyKeys] = await Promise.all([
    db.reader.author.count(),
    db.reader.article.count(),
    db.reader.tag.count(),
    db.reader.comment.count(),
    db.reader.quote.count(),
    db.reader.mention.count(),
    db.reader.commentRevision.count(),
    db.reader.idempotencyKey.count(),
  ]);
  return { authors, articles, tags, comments, quotes, mentions, revisions, idempotencyKeys };
}

/** An article's comments as stored, in number order, with their parent, quotes (and sources) and mentioned authors. */
export function storedComments(articleId: number) {
  return db.reader.comment.findMany({
    where: { articleId },
    include: {
      parent: true,
      quotes: { include: { quotedComment: true }, orderBy: { ordinal: 'asc' } },
      mentions: { include: { author: true } },
    },
    orderBy: { number: 'asc' },
  });
}

export const globalId = (type: string, id: number) => Buffer.from(`${type}:${id}`).toString('base64');

/** Fails unless every element and attribute a browser would see is on bodyHtml's allow-list. */
export function expectInertHtml(html: string) {
  const walk = (nodes: ReturnType<typeof parseDocument>['children']) => {
    for (const node of nodes) {
      if ('attribs' in node) {
        expect(['p', 'br', 'a', 'blockquote', 'footer']).toContain(node.name);
        for (const [name, value] of Object.entries(node.attribs)) {
          expect(['href', 'rel', 'class', 'cite']).toContain(name);
          if (name === 'href' || name === 'cite') expect(value).toMatch(/^(https?:\/\/|#comment-\d+$)/);
        }
      }
      if ('children' in node) walk(node.children);
    }
  };
  walk(parseDocument(html).children);
}
