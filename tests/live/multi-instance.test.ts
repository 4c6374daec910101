// Several server processes on one PostgreSQL database and one Redis: live events cross
// instances through Redis, and comment numbers stay gapless with writers on every instance.
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import { beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ReplyAddedDocument, type ReplyAddedSubscription } from '../../schema/generated/graphql.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { expectGaplessNumbering, goLive, postComment, startInstance, untilLive, waitFor, Widget, writerToken } from '../cluster.js';
import { testServices } from '../database.js';
import { db, demoSlug, globalId } from '../helpers.js';

let articleId: number;
let token: string;

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  articleId = (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id;
  token = await writerToken();
});

it('a subscriber on instance A receives a reply posted on instance B', async () => {
  const [a, b] = await Promise.all([startInstance(), startInstance()]);
  const parentNumber = await postComment(b.url, token, articleId, 'A parent, posted on B');
  const parent = await db.reader.comment.findUniqueOrThrow({ where: { articleId_number: { articleId, number: parentNumber } } });

  const client = createClient({ url: a.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
  const received: ReplyAddedSubscription[] = [];
  client.subscribe<ReplyAddedSubscription>(
    { query: print(ReplyAddedDocument), variables: { commentId: globalId('Comment', parent.id) } },
    { next: ({ data }) => data && received.push(data), error: () => {}, complete: () => {} },
  );
  const replies: number[] = [];
  await untilLive(
    () => received.length > 0,
    async (attempt) => replies.push(await postComment(b.url, token, articleId, `Warm-up reply ${attempt}`, parent.id)),
  );

  const reply = await postComment(b.url, token, articleId, 'A reply, posted on B', parent.id);
  await waitFor(() => received.some((event) => event.replyAdded.comment.number === reply), 'the reply on A');
  expect(received.at(-1)!.replyAdded.comment).toMatchObject({ number: reply, parent: { number: parentNumber }, depth: 1 });
  // Once live, every reply arrives once and in order.
  const numbers = received.map((event) => event.replyAdded.comment.number);
  expect(numbers).toEqual([...replies, reply].slice(-numbers.length));
  await client.dispose();
  a.kill();
  b.kill();
  await Promise.all([a.exited, b.exited]);
});

it('three instances, 100 subscribers each, 300 posts sent round-robin: every subscriber gets all 300 exactly once, in order', async () => {
  const instances = await Promise.all([startInstance(), startInstance(), startInstance()]);
  const widgets = instances.flatMap((instance) => Array.from({ length: 100 }, () => ({ instance, widget: new Widget(articleId) })));
  await Promise.all(widgets.map(({ instance, widget }) => widget.connect(instance.url)));

  await goLive(
    widgets.map(({ widget }) => widget),
    (body, attempt) => postComment(instances[attempt % 3]!.url, token, articleId, `${body} ${Date.now()}`),
  );
  const start = (await db.reader.article.findUniqueOrThrow({ where: { id: articleId }, select: { lastCommentNumber: true } }))
    .lastCommentNumber;

  // 300 posts, round-robin over the instances, ten in flight at a time.
  const posted: number[] = [];
  for (let batch = 0; batch < 30; batch++) {
    const numbers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => {
        const n = batch * 10 + i;
        return postComment(instances[n % 3]!.url, token, articleId, `Round-robin post ${n}`);
      }),
    );
    posted.push(...numbers);
  }
  const expected = [...posted].sort((x, y) => x - y);
  expect(expected).toEqual(Array.from({ length: 300 }, (_, i) => start + 1 + i));

  await waitFor(() => widgets.every(({ widget }) => widget.numbers.length >= 300), 'every widget to get 300 comments', 120_000);
  for (const { widget } of widgets) {
    expect(widget.errors).toEqual([]);
    expect(widget.numbers).toEqual(expected);
  }
  await expectGaplessNumbering(testServices.database.url, articleId);

  // Each instance listens on the article's channel once, for its 100 subscribers, and stops
  // listening when the last of them has gone.
  const redis = new Redis(testServices.redisUrl!);
  const channel = `${testServices.redisPrefix}article:${articleId}`;
  const listeners = async () => ((await redis.pubsub('NUMSUB', channel)) as [string, number])[1];
  expect(await listeners()).toBe(3);
  await Promise.all(widgets.map(({ widget }) => widget.close()));
  for (let attempt = 0; attempt < 100 && (await listeners()) > 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await listeners()).toBe(0);
  redis.disconnect();
  for (const instance of instances) instance.kill();
  await Promise.all(instances.map((instance) => instance.exited));
}, 300_000);
