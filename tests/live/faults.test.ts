// Faults on the scale-out path, each on a PostgreSQL and a Redis of this file's own that the
// tests stop and start: Redis going away, PostgreSQL restarting, an instance killed.
import { print } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ArticleThreadDocument, PostCommentDocument } from '../../schema/generated/graphql.js';
import { type PostgresServer, type RedisServer, startPostgres, startRedis } from '../../scripts/services.js';
import {
  expectGaplessNumbering,
  goLive,
  graphql,
  type Instance,
  postComment,
  startInstance,
  waitFor,
  Widget,
  writerToken,
} from '../cluster.js';
import { demoSlug, globalId } from '../helpers.js';

let postgres: PostgresServer;
let redis: RedisServer;
let env: Record<string, string>;
let articleId: number;
let token: string;

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  env = { DATABASE_URL: postgres.url, REDIS_URL: redis.url, THREADLINE_REDIS_PREFIX: 'faults:' };
  // The first instance migrates and seeds the empty database.
  const first = await startInstance(env);
  first.kill();
  await first.exited;
  articleId = (await sql<{ id: number }>('SELECT id FROM "Article" WHERE slug = $1', [demoSlug]))[0]!.id;
  token = await writerToken();
});

afterAll(async () => {
  await Promise.all([postgres?.stop(), redis?.stop()]);
});

async function sql<Row extends object>(text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Widgets subscribed on `on`, live, and counting from now what is posted on `via`. */
async function liveWidgets(count: number, on: Instance, via: Instance): Promise<Widget[]> {
  const widgets = Array.from({ length: count }, () => new Widget(articleId));
  await Promise.all(widgets.map((widget) => widget.connect(on.url)));
  await goLive(
    widgets,
    (body) => postComment(via.url, token, articleId, `${body} ${Date.now()}`),
    () => {
      const state = widgets.map((widget) => ({ closed: widget.closed, errors: widget.errors, numbers: widget.numbers.length }));
      return [JSON.stringify(state), ...on.warnings(), ...via.warnings(), ...on.redisLog()].join('\n');
    },
  );
  return widgets;
}

async function postMany(via: Instance, count: number, label: string): Promise<number[]> {
  const numbers: number[] = [];
  for (let i = 0; i < count; i++) numbers.push(await postComment(via.url, token, articleId, `${label} ${i}`));
  return numbers;
}

it('Redis stopped and restarted mid-run: mutations still commit and answer, and subscribers recover every event', async () => {
  const [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
  const widgets = await liveWidgets(5, a, b);

  const before = await postMany(b, 10, 'Before the outage');
  await waitFor(() => widgets.every((widget) => widget.numbers.length === 10), 'the first ten through Redis');

  await redis.halt();
  // Nothing carries events between instances now; writes go on regardless.
  const during = await postMany(b, 10, 'During the outage');
  expect(during).toHaveLength(10);
  await redis.start();

  // Back on Redis, each instance checks the log for what its subscribers missed.
  await waitFor(() => widgets.every((widget) => widget.numbers.length === 20), 'the missed ten after Redis returned', 30_000);
  const after = await postMany(b, 10, 'After the outage');
  await waitFor(() => widgets.every((widget) => widget.numbers.length === 30), 'the last ten');
  for (const widget of widgets) {
    expect(widget.errors).toEqual([]);
    expect(widget.numbers).toEqual([...before, ...during, ...after]);
  }
  await Promise.all(widgets.map((widget) => widget.close()));
}, 120_000);

it('PostgreSQL restarted: requests fail with a retryable typed error while it is down, and recover without a server restart', async () => {
  const a = await startInstance(env);
  const thread = print(ArticleThreadDocument);
  expect((await graphql(a.url, thread, { slug: demoSlug, first: 1 })).body.data?.article).not.toBeNull();

  await postgres.halt();
  const read = await graphql(a.url, thread, { slug: demoSlug, first: 1 });
  const write = await graphql(
    a.url,
    print(PostCommentDocument),
    { input: { articleId: globalId('Article', articleId), body: 'While the database is down' } },
    token,
  );
  for (const response of [read, write]) {
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors![0]).toMatchObject({
      message: 'The database is unavailable for the moment; retry shortly.',
      extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
    });
    expect(JSON.stringify(response.body)).not.toMatch(/SELECT|INSERT|ECONNREFUSED|\.ts:\d+|at /);
  }
  expect((await fetch(new URL('/health', a.url))).status).toBe(503);

  await postgres.start();
  // The same process serves again once the database is back: the pool reconnects.
  let recovered = false;
  for (let attempt = 0; attempt < 100 && !recovered; attempt++) {
    const again = await graphql(a.url, thread, { slug: demoSlug, first: 1 });
    recovered = again.status === 200 && again.body.data?.article != null;
    if (!recovered) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(recovered).toBe(true);
  expect(await postComment(a.url, token, articleId, 'After the database came back')).toBeGreaterThan(0);
  expect((await fetch(new URL('/health', a.url))).status).toBe(200);
  await expectGaplessNumbering(postgres.url, articleId);
}, 120_000);

it('an instance killed with SIGKILL: its clients reconnect to another with after and lose nothing', async () => {
  const [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
  const widgets = await liveWidgets(5, a, b);

  const posted: number[] = [];
  const posting = (async () => {
    for (let i = 0; i < 40; i++) {
      posted.push(await postComment(b.url, token, articleId, `Through the crash ${i}`));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  await waitFor(() => posted.length >= 10, 'ten posts');
  a.kill('SIGKILL');
  await a.exited;
  await waitFor(() => widgets.every((widget) => widget.closed), 'the widgets to notice');
  // What a client does when its server goes: connect to another, resuming after its last cursor.
  await Promise.all(widgets.map((widget) => widget.connect(b.url)));
  await posting;

  await waitFor(() => widgets.every((widget) => widget.numbers.length >= 40), 'every widget to have all 40');
  for (const widget of widgets) {
    expect(widget.errors).toEqual([]);
    expect(widget.numbers).toEqual(posted);
  }
  await Promise.all(widgets.map((widget) => widget.close()));
  await expectGaplessNumbering(postgres.url, articleId);
}, 120_000);
