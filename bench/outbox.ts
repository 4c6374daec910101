/**
 * Outbox throughput, on demand: `npm run bench:outbox [-- --events 2000] [-- --database postgresql://…]`.
 *
 * N comment events wait in the outbox (as N posts would have left them); one webhook listens,
 * at a receiver in a child process that answers 204 at once. Measured: how long the worker
 * (src/notify/worker.ts) takes from the first dispatch to the last delivery recorded as
 * DELIVERED, in deliveries per second, at its default concurrency (16, at most 4 per endpoint,
 * which is what one endpoint gets) and with the endpoint allowed 16.
 *
 * Floor, in the same run: the same N signed POSTs straight to the receiver over keep-alive
 * connections at the same concurrency, with no database at all. Peer: what a naive sender
 * does, one `fetch` at a time with one row update each.
 */
import { fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '2000' }, database: { type: 'string' }, receiver: { type: 'boolean' } },
});

if (values.receiver) {
  // The child: an endpoint that answers at once.
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as { port: number }).port));
} else {
  process.env.NODE_ENV = 'production';
  const events = Number(values.events);
  const databaseUrl = values.database ?? `file:${join(mkdtempSync(join(tmpdir(), 'threadline-bench-outbox-')), 'bench.db')}`;
  const { applyMigrations } = await import('../prisma/migrate.js');
  const { databaseSettings } = await import('../src/config.js');
  const { openDatabase } = await import('../src/db.js');
  const { NotifyWorker } = await import('../src/notify/worker.js');
  const { defaultWebhookSettings, signatureHeader } = await import('./../src/notify/webhooks.js');
  const { loadAverage, table } = await import('./common.js');

  const child = fork(new URL(import.meta.url).pathname, ['--receiver'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (message) => resolve(Number(message))));
  const url = `http://127.0.0.1:${port}/hook`;

  await applyMigrations(databaseUrl);
  const database = await openDatabase(databaseSettings({ DATABASE_URL: databaseUrl }));
  const slug = `outbox-${Date.now()}`;
  const author = await database.writer.author.upsert({
    where: { handle: 'bench-outbox' },
    create: { handle: 'bench-outbox', name: 'Bench' },
    update: {},
  });
  const article = await database.writer.article.create({
    data: { slug, title: 'Outbox benchmark', body: 'Body.', publishedAt: new Date(), authorId: author.id },
  });
  const comments = Array.from({ length: events }, (_, i) => ({
    articleId: article.id,
    number: i + 1,
    authorId: author.id,
    path: `${String(i + 1).padStart(8, '0')}/`,
    body: `Comment ${i + 1}: a few words, as a comment has, to make the payload a realistic size for a webhook.`,
  }));
  for (let start = 0; start < comments.length; start += 1000)
    await database.writer.comment.createMany({ data: comments.slice(start, start + 1000) });
  const ids = (
    await database.reader.comment.findMany({ where: { articleId: article.id }, select: { id: true }, orderBy: { id: 'asc' } })
  ).map((c) => c.id);

  const secret = 'whsec_bench';
  const logger = { warn: (...args: unknown[]) => console.error(...args), info: () => {} };

  /** Our worker: the outbox filled, a webhook registered, the clock from the first dispatch to the last DELIVERED. */
  async function worker(perWebhook: number): Promise<number> {
    await database.writer.webhookDelivery.deleteMany({});
    await database.writer.webhook.deleteMany({});
    await database.writer.webhook.create({ data: { url, events: 'COMMENT_ADDED', secret } });
    await database.writer.outboxEvent.createMany({
      data: ids.map((commentId) => ({ kind: 'ADDED' as const, articleId: article.id, commentId })),
    });
    const started = performance.now();
    const run = new NotifyWorker(database, {
      webhooks: { ...defaultWebhookSettings, allowPrivate: true },
      mail: null,
      publicUrl: () => 'https://news.example',
      logger,
      intervalMs: 1000,
      concurrency: 16,
      perWebhook,
    });
    run.start();
    await run.idle();
    const seconds = (performance.now() - started) / 1000;
    await run.stop();
    const delivered = await database.reader.webhookDelivery.count({ where: { status: 'DELIVERED' } });
    if (delivered !== events) throw new Error(`${delivered} of ${events} delivered`);
    return events / seconds;
  }

  /** The floor: the same signed POSTs, straight, over keep-alive connections, `concurrency` at a time; no database. */
  async function floor(concurrency: number): Promise<number> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const body = JSON.stringify({ id: 'evt_1', type: 'comment.added', data: { comment: { body: comments[0]!.body } } });
    let next = 0;
    const send = () =>
      new Promise<void>((resolve, reject) => {
        const request = http.request(url, {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'threadline-signature': signatureHeader(secret, body, Math.floor(Date.now() / 1000)),
          },
        });
        request.on('response', (response) => {
          response.resume();
          response.on('end', resolve);
        });
        request.on('error', reject);
        request.end(body);
      });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < events) await send();
      }),
    );
    agent.destroy();
    return events / ((performance.now() - started) / 1000);
  }

  /** A naive sender: one delivery at a time, a fresh fetch each, a row update each. */
  async function naive(): Promise<number> {
    await database.writer.webhookDelivery.deleteMany({});
    const hook = await database.writer.webhook.findFirstOrThrow();
    const body = JSON.stringify({ type: 'comment.added' });
    await database.writer.webhookDelivery.createMany({
      data: ids
        .slice(0, Math.min(events, 500))
        .map(() => ({ webhookId: hook.id, eventType: 'COMMENT_ADDED', payload: body, nextAttemptAt: new Date() })),
    });
    const rows = await database.reader.webhookDelivery.findMany({ select: { id: true, payload: true } });
    const started = performance.now();
    for (const row of rows) {
      const t = Math.floor(Date.now() / 1000);
      const mac = createHmac('sha256', secret).update(`${t}.${row.payload}`).digest('hex');
      const response = await fetch(url, { method: 'POST', body: row.payload, headers: { 'threadline-signature': `t=${t},v1=${mac}` } });
      await response.arrayBuffer();
      await database.writer.webhookDelivery.update({ where: { id: row.id }, data: { status: 'DELIVERED', deliveredAt: new Date() } });
    }
    return rows.length / ((performance.now() - started) / 1000);
  }

  const floor16 = await floor(16);
  const floor4 = await floor(4);
  const ours = await worker(4);
  const ours16 = await worker(16);
  const peer = await naive();
  const row = (name: string, rate: number) => [name, rate.toFixed(0), (rate / floor16).toFixed(2)];
  console.log(`\nOutbox: ${events} events, one webhook, ${database.provider}, load ${loadAverage()}\n`);
  console.log(
    table(
      ['', 'deliveries/s', '× floor (16)'],
      [
        row('floor: raw keep-alive POSTs, 16 at a time, no database', floor16),
        row('floor: raw keep-alive POSTs, 4 at a time, no database', floor4),
        row('Threadline worker (4 per endpoint, the default)', ours),
        row('Threadline worker (16 per endpoint)', ours16),
        row('peer: naive sender, one fetch and one update at a time', peer),
      ],
    ),
  );
  await database.close();
  child.kill();
}
