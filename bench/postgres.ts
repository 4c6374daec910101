/**
 * Read benchmarks on PostgreSQL, on demand: `npm run bench:postgres [-- --iterations 200]`.
 *
 * S1  a generated article of 1,000 comments nested four levels deep, read whole in path order:
 *     two requests of 500, the second after the first's endCursor (`Article.thread`);
 * S2  the first page of 50 top-level comments with two levels of replies.
 *
 * One throwaway PostgreSQL server (scripts/services.ts) holds both threads. Three readers of
 * the same rows are measured in the same run, one request at a time after a warm-up:
 *
 *   Threadline    the real HTTP server (Yoga on node:http, Prisma through @prisma/adapter-pg),
 *                 over loopback, in this process, as bench/run.ts does on SQLite;
 *   PostGraphile  v5 with the Amber preset serving the same tables over node:http, in this
 *                 process, through its own pool (bench/postgraphile.ts);
 *   floor         hand-written SQL through a `pg` pool, built into the same tree and
 *                 JSON.stringify-ed, called directly as bench/run.ts calls the SQLite floor
 *                 (bench/postgres-floor.ts).
 *
 * Target: Threadline's throughput at least PostGraphile's on both.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { startPostgres } from '../scripts/services.js';
import {
  loadAverage,
  postGraphQL,
  s1Thread,
  s2Thread,
  sample,
  summarise,
  table,
  threadlineCommentCount,
  threadPageSize,
  type Timing,
  twoPages,
} from './common.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '30' },
    // Each reader's iterations are split over this many rounds, the readers taking turns, so a
    // slow spell of the (shared) machine does not fall on one reader only.
    rounds: { type: 'string', default: '2' },
    // S6: the read-mostly mix (bench/mix.ts); 0 leaves it out.
    'mix-seconds': { type: 'string', default: '20' },
    'mix-readers': { type: 'string', default: '16' },
    'mix-write-ms': { type: 'string', default: '100' },
  },
});
const mix = {
  seconds: Number(values['mix-seconds']),
  readers: Number(values['mix-readers']),
  writeEveryMs: Number(values['mix-write-ms']),
};
const iterations = Number(values.iterations);
const warmup = Number(values.warmup);
const rounds = Math.max(1, Math.min(iterations, Number(values.rounds)));
if (!(iterations > 0 && warmup >= 0)) throw new Error('--iterations must be positive and --warmup at least 0');

process.env.NODE_ENV = 'production';
process.env.GRAPHILE_ENV ??= 'production';

const postgres = await startPostgres({ maxConnections: 50 });
const cleanup: (() => Promise<unknown>)[] = [];
try {
  const { default: pg } = await import('pg');
  const { print } = await import('graphql');
  const { applyMigrations } = await import('../prisma/migrate.js');
  const { buildApp } = await import('../src/app.js');
  const { databaseSettings, defaultResponseCache, defaultWriteLimits } = await import('../src/config.js');
  const { secretFrom } = await import('../src/auth.js');
  const { openDatabase } = await import('../src/db.js');
  const { loadThread } = await import('../src/importers/load.js');
  const { createLogger } = await import('../src/logger.js');
  const { BenchFirstPageDocument, BenchThreadPageDocument } = await import('../schema/generated/graphql.js');
  const { floorFirstPagePg, floorThreadPagePg } = await import('./postgres-floor.js');
  const pgl = await import('./postgraphile.js');
  const { otherArticles, otherArticlesSql, otherComments } = await import('./scale.js');

  await applyMigrations(postgres.url);
  const database = await openDatabase(databaseSettings({ DATABASE_URL: postgres.url }));
  cleanup.push(() => database.close());
  await loadThread(database, s1Thread());
  await loadThread(database, s2Thread());

  const pool = (max: number) => {
    const created = new pg.Pool({ connectionString: postgres.url, max });
    created.on('error', () => {});
    cleanup.push(() => created.end());
    return created;
  };
  const floorPool = pool(2);
  // Fresh statistics, so that no autovacuum run changes the plans halfway through.
  await floorPool.query('ANALYZE');
  const serverVersion = (await floorPool.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;

  const app = buildApp({
    database,
    logger: createLogger('silent'),
    secret: secretFrom('bench-secret-0123456789abcdef0123456789'),
    graphiql: false,
    // S1 and S2 measure reading, not the response cache (S6 measures that).
    responseCache: { ...defaultResponseCache, maxBytes: 0 },
  });
  const { port } = await app.start(0, '127.0.0.1');
  cleanup.push(() => app.stop());
  const endpoint = `http://127.0.0.1:${port}/graphql`;

  const postgraphile = await pgl.startPostGraphile(pool(10));
  cleanup.push(() => postgraphile.stop());
  const postgraphileVersion = JSON.parse(
    readFileSync(join(dirname(createRequire(import.meta.url).resolve('postgraphile')), '..', 'package.json'), 'utf8'),
  ).version as string;

  const threadPage = print(BenchThreadPageDocument);
  const firstPage = print(BenchFirstPageDocument);
  const pglThreadPage = pgl.pglThreadPageQuery(threadPageSize);

  // Each reader answers with its responses' JSON texts (two pages for S1, one for S2);
  // `comparable` reduces Threadline's and PostGraphile's `data` to what both answer alike.
  const scenarios = [
    {
      name: 'S1 whole thread, 1,000 comments, 2 pages of 500',
      threadline: () => twoPages((after) => postGraphQL(endpoint, threadPage, { slug: 'bench-s1', after })),
      postgraphile: () => twoPages((after) => postGraphQL(postgraphile.endpoint, pglThreadPage, { slug: 'bench-s1', after })),
      floor: () => twoPages((after) => floorThreadPagePg(floorPool, 'bench-s1', after, threadPageSize)),
      comparable(ours: unknown[], peer: unknown[]) {
        const theirs = pgl.postgraphileThread(peer as Parameters<typeof pgl.postgraphileThread>[0]);
        return {
          ours: pgl.threadlineThread(ours as Parameters<typeof pgl.threadlineThread>[0]),
          theirs,
          theirCount: theirs.comments.length,
        };
      },
      expectedComments: 1000,
    },
    {
      name: 'S2 first 50 top-level comments + 2 levels',
      threadline: async () => [await postGraphQL(endpoint, firstPage, { slug: 'bench-s2' })],
      postgraphile: async () => [await postGraphQL(postgraphile.endpoint, pgl.pglFirstPageQuery, { slug: 'bench-s2' })],
      floor: async () => [await floorFirstPagePg(floorPool, 'bench-s2')],
      comparable(ours: unknown[], peer: unknown[]) {
        const theirs = pgl.postgraphileTree(peer[0] as Parameters<typeof pgl.postgraphileTree>[0]);
        return {
          ours: pgl.threadlineTree(ours[0] as Parameters<typeof pgl.threadlineTree>[0]),
          theirs,
          theirCount: pgl.countComments(theirs),
        };
      },
      expectedComments: 500,
    },
  ];

  const loadBefore = loadAverage();
  const results: { name: string; threadline: Timing; postgraphile: Timing; floor: Timing }[] = [];
  for (const scenario of scenarios) {
    // All three must produce the same comments before their speed means anything.
    const data = async (pages: Promise<string[]>) => (await pages).map((page): unknown => JSON.parse(page).data);
    const ours = await data(scenario.threadline());
    const floor = await data(scenario.floor());
    const comparable = scenario.comparable(ours, await data(scenario.postgraphile()));
    const counts = {
      threadline: threadlineCommentCount(ours),
      floor: threadlineCommentCount(floor),
      postgraphile: comparable.theirCount,
    };
    if (Object.values(counts).some((count) => count !== scenario.expectedComments)) {
      throw new Error(`${scenario.name}: expected ${scenario.expectedComments} comments, got ${JSON.stringify(counts)}`);
    }
    if (JSON.stringify(ours) !== JSON.stringify(floor)) throw new Error(`${scenario.name}: the floor's JSON differs from the API's`);
    if (!isDeepStrictEqual(comparable.ours, comparable.theirs)) {
      throw new Error(
        `${scenario.name}: PostGraphile's comments (numbers, depths, bodies, authors, parents or pages) differ from Threadline's`,
      );
    }

    const readers = ['threadline', 'postgraphile', 'floor'] as const;
    const times = { threadline: [] as number[], postgraphile: [] as number[], floor: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const count = Math.floor(iterations / rounds) + (round < iterations % rounds ? 1 : 0);
      for (const reader of readers) {
        times[reader].push(...(await sample(scenario[reader], { iterations: count, warmup: round === 0 ? warmup : 0 })));
      }
    }
    results.push({
      name: scenario.name,
      threadline: summarise(times.threadline),
      postgraphile: summarise(times.postgraphile),
      floor: summarise(times.floor),
    });
  }

  const perSecond = (t: Timing) => t.perSecond.toFixed(0);
  const latency = (t: Timing) => `${t.p50.toFixed(2)} / ${t.p99.toFixed(2)}`;
  console.log(
    `${iterations} iterations after ${warmup} warm-up in ${rounds} round(s), Node ${process.version}, PostgreSQL ${serverVersion} ` +
      `over loopback, PostGraphile ${postgraphileVersion}; one request at a time, req/s = 1000 / mean ms; ` +
      `load average ${loadBefore} before, ${loadAverage()} after\n`,
  );
  console.log(
    table(
      ['scenario', 'Threadline req/s', 'PostGraphile req/s', 'floor req/s', 'Threadline / PostGraphile', 'Threadline p50 / floor p50'],
      results.map((r) => [
        r.name,
        perSecond(r.threadline),
        perSecond(r.postgraphile),
        perSecond(r.floor),
        `${(r.threadline.perSecond / r.postgraphile.perSecond).toFixed(2)}×`,
        `${(r.threadline.p50 / r.floor.p50).toFixed(1)}×`,
      ]),
    ),
  );
  console.log();
  console.log(
    table(
      ['scenario', 'Threadline p50 / p99 ms', 'PostGraphile p50 / p99 ms', 'floor p50 / p99 ms'],
      results.map((r) => [r.name, latency(r.threadline), latency(r.postgraphile), latency(r.floor)]),
    ),
  );
  console.log();
  for (const r of results) {
    const met = r.threadline.perSecond >= 1.2 * r.postgraphile.perSecond;
    console.log(
      `${r.name.slice(0, 2)}: target Threadline throughput ≥ 1.2× PostGraphile's ${met ? 'MET' : 'MISSED'} ` +
        `(${perSecond(r.threadline)} vs ${perSecond(r.postgraphile)} req/s)`,
    );
  }

  if (mix.seconds > 0) {
    const { countFrom, mutateOrFail, runMix } = await import('./mix.js');
    const { BenchMixPageDocument, PostCommentDocument } = await import('../schema/generated/graphql.js');
    const { signToken } = await import('../src/auth.js');
    const { childPath } = await import('../src/domain/thread.js');
    const secret = secretFrom('bench-secret-0123456789abcdef0123456789');
    const token = `Bearer ${await signToken({ handle: 'bench-s6-writer', name: 'S6 writer', role: 'AUTHOR' }, secret)}`;
    const mixPage = print(BenchMixPageDocument);
    const postComment = print(PostCommentDocument);
    // One writer posting ten times a second: no rate limit for it.
    const writeLimits = { ...defaultWriteLimits, minIntervalSeconds: 0, windowMax: 1_000_000 };
    const threadlineApp = async (responseCache: typeof defaultResponseCache) => {
      const mixApp = buildApp({ database, logger: createLogger('silent'), secret, graphiql: false, writeLimits, responseCache });
      const address = await mixApp.start(0, '127.0.0.1');
      cleanup.push(() => mixApp.stop());
      return `http://127.0.0.1:${address.port}/graphql`;
    };
    const s2Page = JSON.parse(await postGraphQL(endpoint, mixPage, { slug: 'bench-s2' })) as {
      data: { article: { id: string; comments: { edges: { node: { id: string } }[] } } };
    };
    const articleId = s2Page.data.article.id;
    // Every write replies to the first comment, which S2 shows with its first ten replies.
    const replyToId = s2Page.data.article.comments.edges[0]!.node.id;
    const threadline = (name: string, url: string) => ({
      name,
      read: () => countFrom(url, mixPage, { slug: 'bench-s2' }, /"commentCount":(\d+)/),
      write: (n: number) =>
        mutateOrFail(url, postComment, { input: { articleId, replyToId, body: `S6 reply ${n} through ${name}` } }, token),
    });
    const targets = [
      threadline('Threadline, cache on', await threadlineApp(defaultResponseCache)),
      threadline('Threadline, cache off', await threadlineApp({ ...defaultResponseCache, maxBytes: 0 })),
    ];
    const results = [];
    for (const target of targets) results.push(await runMix(target, mix));
    // PostGraphile last: its writes number comments themselves, after Threadline's.
    const { rows } = await floorPool.query<{ articleId: number; authorId: number; last: number; parentId: number; parentPath: string }>(
      `SELECT a."id" AS "articleId", a."authorId", c."id" AS "parentId", c."path" AS "parentPath",
         (SELECT MAX("number") FROM "Comment" WHERE "articleId" = a."id") AS "last"
       FROM "Article" a JOIN "Comment" c ON c."articleId" = a."id" AND c."parentId" IS NULL
       WHERE a."slug" = 'bench-s2' ORDER BY c."number" LIMIT 1`,
    );
    const article = rows[0]!;
    results.push(
      await runMix(
        {
          name: 'PostGraphile',
          read: () => countFrom(postgraphile.endpoint, pgl.pglMixQuery, { slug: 'bench-s2' }, /"totalCount":(\d+)/),
          write: (n: number) => {
            const number = article.last + n + 1;
            return mutateOrFail(postgraphile.endpoint, pgl.pglCreateComment, {
              input: {
                comment: {
                  articleId: article.articleId,
                  authorId: article.authorId,
                  number,
                  parentId: article.parentId,
                  depth: 1,
                  path: childPath(article.parentPath, number),
                  body: `S6 reply ${n} through PostGraphile`,
                },
              },
            });
          },
        },
        mix,
      ),
    );
    const peer = results.at(-1)!;
    console.log(
      `\nS6 read-mostly mix: ${mix.readers} concurrent readers of S2 (and the comment count), one writer sending a reply at most every ` +
        `${mix.writeEveryMs} ms, ${mix.seconds} s each, through HTTP, one server after the other on the same PostgreSQL; ` +
        `load average ${loadAverage()}\n`,
    );
    console.log(
      table(
        ['server', 'reads/s', 'read p50 / p99 ms', 'writes (per s)', 'write p50 ms', 'stale reads', 'reads/s / PostGraphile'],
        results.map((r) => [
          r.name,
          r.readsPerSecond.toFixed(0),
          `${r.p50.toFixed(1)} / ${r.p99.toFixed(1)}`,
          `${r.writes} (${(r.writes / mix.seconds).toFixed(1)})`,
          r.writeP50.toFixed(1),
          String(r.stale),
          `${(r.readsPerSecond / peer.readsPerSecond).toFixed(2)}×`,
        ]),
      ),
    );
    const cached = results[0]!;
    console.log(
      `\nS6: target Threadline reads ≥ 5× PostGraphile's ${cached.readsPerSecond >= 5 * peer.readsPerSecond ? 'MET' : 'MISSED'} ` +
        `(${cached.readsPerSecond.toFixed(0)} vs ${peer.readsPerSecond.toFixed(0)} reads/s, ${(cached.readsPerSecond / peer.readsPerSecond).toFixed(2)}×)`,
    );
    const stale = results.filter((r) => r.stale > 0);
    if (stale.length > 0) throw new Error(`S6: stale reads from ${stale.map((r) => `${r.name} (${r.stale})`).join(', ')}`);
  }

  // The scale check: S2 again, with 400,000 comments in other articles beside it.
  const s2 = scenarios[1]!;
  for (const statement of otherArticlesSql('postgresql')) await floorPool.query(statement);
  await floorPool.query('ANALYZE');
  const crowded = { threadline: [] as number[], floor: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const count = Math.floor(iterations / rounds) + (round < iterations % rounds ? 1 : 0);
    for (const reader of ['threadline', 'floor'] as const) {
      crowded[reader].push(...(await sample(s2[reader], { iterations: count, warmup: round === 0 ? warmup : 0 })));
    }
  }
  const alone = results[1]!;

  console.log(
    `\nScale: S2 with ${otherComments.toLocaleString('en')} comments in ${otherArticles} other articles, against S2 alone above (target ≤ 1.1×):\n`,
  );
  console.log(
    table(
      ['reader', 'alone p50 ms', 'crowded p50 ms', 'p50 ratio', 'alone req/s', 'crowded req/s'],
      (['threadline', 'floor'] as const).map((reader) => {
        const after = summarise(crowded[reader]);
        return [
          reader === 'threadline' ? 'Threadline' : 'floor',
          alone[reader].p50.toFixed(2),
          after.p50.toFixed(2),
          `${(after.p50 / alone[reader].p50).toFixed(2)}×`,
          perSecond(alone[reader]),
          perSecond(after),
        ];
      }),
    ),
  );
} finally {
  for (const step of cleanup.reverse()) await step().catch((error: unknown) => console.error('cleanup failed:', error));
  await postgres.stop();
}
