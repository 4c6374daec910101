// Several Threadline instances as real processes on one PostgreSQL and one Redis, and the
// clients the multi-instance and fault tests drive them with.
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { CommentAddedDocument, type CommentAddedSubscription, PostCommentDocument } from '../schema/generated/graphql.js';
import { testServices } from './database.js';
import { globalId, tokenFor, viewer } from './helpers.js';
import { startServer } from './instances.js';

export interface Instance {
  url: string;
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<number | null>;
  /** Its log lines at warn level and above, for failure messages. */
  warnings(): string[];
  /** Its Redis bus's log lines (trace level in tests), for failure messages. */
  redisLog(): string[];
}

/** Starts `npm start`'s server on DATABASE_URL and REDIS_URL (the test file's unless `env` says otherwise). */
export async function startInstance(env: Record<string, string> = {}): Promise<Instance> {
  const { server, url, logs } = await startServer({
    DATABASE_URL: testServices.database.url,
    REDIS_URL: testServices.redisUrl!,
    THREADLINE_REDIS_PREFIX: testServices.redisPrefix!,
    THREADLINE_JWT_SECRET: process.env.THREADLINE_JWT_SECRET!,
    // Only Redis may carry events between instances here, unless a test turns resync on.
    THREADLINE_LIVE_RESYNC_MS: '3600000',
    THREADLINE_WS_MAX_CONNECTIONS_PER_IP: '10000',
    LOG_LEVEL: 'trace',
    ...env,
  });
  return {
    url,
    kill: (signal = 'SIGTERM') => server.child.kill(signal),
    exited: server.exited,
    warnings: () => logs.filter((entry) => (entry.level as number) >= 40).map((entry) => JSON.stringify(entry)),
    redisLog: () => logs.filter((entry) => entry.component === 'redis').map((entry) => JSON.stringify(entry)),
  };
}

export async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A subscription starts at the end of the log once its server has registered it, which a
 * client cannot see: `post` until `live()` says every subscriber got something. On a busy
 * machine a new instance's first subscription can take seconds; `describe` says what was
 * seen when it never happens.
 */
export async function untilLive(live: () => boolean, post: (attempt: number) => Promise<unknown>, describe = () => '') {
  const deadline = Date.now() + 30_000;
  for (let attempt = 0; !live(); attempt++) {
    if (Date.now() > deadline) throw new Error(`the subscriptions never went live after ${attempt} posts. ${describe()}`);
    await post(attempt);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Brings `widgets` live and to a common starting point: warm-up comments until every widget
 * has received one, then a marker every widget must receive; the widgets keep only what comes
 * after the marker, which is what the test then counts.
 */
export async function goLive(widgets: Widget[], post: (body: string, attempt: number) => Promise<number>, describe?: () => string) {
  await untilLive(
    () => widgets.every((widget) => widget.numbers.length > 0),
    (attempt) => post(`Warm-up ${attempt}`, attempt),
    describe,
  );
  const marker = await post('Marker', 0);
  await waitFor(() => widgets.every((widget) => widget.numbers.includes(marker)), 'every widget to receive the marker');
  for (const widget of widgets) widget.numbers.splice(0, widget.numbers.indexOf(marker) + 1);
}

/** POSTs a GraphQL operation to an instance. */
export async function graphql(url: string, query: string, variables: object, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    headers: response.headers,
    // biome-ignore lint/suspicious/noExplicitAny: untyped JSON of ad-hoc operations, read by path in the tests
    body: (await response.json()) as { data?: Record<string, any>; errors?: { message: string; extensions?: Record<string, unknown> }[] },
  };
}

/** Moderators: exempt from the rate limit, so that one writer can post as fast as a test needs. */
export const writerToken = (handle = 'cluster-writer') => tokenFor(viewer(handle, 'MODERATOR', handle));

/** Posts a comment (a reply to comment `replyTo`, a row id, when given) through `url`; returns its number. */
export async function postComment(url: string, token: string, articleId: number, body: string, replyTo?: number): Promise<number> {
  const input = {
    articleId: globalId('Article', articleId),
    body,
    replyToId: replyTo === undefined ? undefined : globalId('Comment', replyTo),
  };
  const { body: result } = await graphql(url, print(PostCommentDocument), { input }, token);
  const payload = result.data?.postComment;
  if (payload?.__typename !== 'PostCommentSuccess') throw new Error(`postComment failed: ${JSON.stringify(result)}`);
  return payload.comment.number as number;
}

/** The article's comment numbers run 1, 2, 3, … with no gap or repeat, and its counter agrees. */
export async function expectGaplessNumbering(databaseUrl: string, articleId: number) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ number: number }>('SELECT number FROM "Comment" WHERE "articleId" = $1 ORDER BY number', [
      articleId,
    ]);
    expect(rows.map((row) => row.number)).toEqual(rows.map((_, index) => index + 1));
    const {
      rows: [article],
    } = await client.query<{ lastCommentNumber: number }>('SELECT "lastCommentNumber" FROM "Article" WHERE id = $1', [articleId]);
    expect(article!.lastCommentNumber).toBe(rows.length);
  } finally {
    await client.end();
  }
}

/**
 * A live comment widget: a graphql-ws client on commentAdded that records every comment
 * number it receives and the last cursor, and can move to another instance, resuming after
 * that cursor as a real client would after losing its server.
 */
export class Widget {
  readonly numbers: number[] = [];
  readonly errors: unknown[] = [];
  cursor: string | undefined;
  closed = false;
  #client: ReturnType<typeof createClient> | undefined;
  #ready = false;

  constructor(readonly articleId: number) {}

  /** Subscribes on `url`; resolves once the server has acknowledged the connection. */
  async connect(url: string): Promise<void> {
    this.closed = false;
    this.#ready = false;
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      // A lost server is expected here (the widget moves on); graphql-ws would console.error it.
      onNonLazyError: () => {},
      on: { connected: () => (this.#ready = true), closed: () => (this.closed = true) },
    });
    this.#client = client;
    client.subscribe<CommentAddedSubscription>(
      { query: print(CommentAddedDocument), variables: { articleId: globalId('Article', this.articleId), after: this.cursor } },
      {
        next: ({ data, errors }) => {
          if (errors) this.errors.push(errors);
          if (!data) return;
          this.numbers.push(data.commentAdded.comment.number);
          this.cursor = data.commentAdded.cursor;
        },
        error: (error) => {
          this.closed = true;
          // The server going away (1006 when killed, 1001 when stopped) is what a widget moves
          // on from; any other close (4499, 1011, …) or error is a failure.
          const code = (error as { code?: unknown } | null)?.code;
          if (code === 1006 || code === 1001) return;
          this.errors.push(typeof code === 'number' ? `closed with ${code}` : error);
        },
        complete: () => {},
      },
    );
    await waitFor(() => this.#ready || this.closed, 'the connection');
  }

  async close(): Promise<void> {
    await this.#client?.dispose();
  }
}
