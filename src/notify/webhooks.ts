/**
 * Webhook deliveries (issue 15, item 1): each is one event's JSON for one endpoint, POSTed with
 * Stripe's signature scheme, retried with exponential backoff for `retryForMs` (24 hours), then
 * marked FAILED. An instance claims a delivery in the database before it sends it (a lease on
 * the row), so with several instances each attempt is made by one of them.
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Database } from '../db.js';
import { checkTargetUrl, guardedLookup } from './targets.js';

export interface WebhookSettings {
  /** THREADLINE_WEBHOOK_ALLOW_PRIVATE: private, loopback and link-local targets too. */
  allowPrivate: boolean;
  /** How long one attempt may take, connection to last byte. */
  timeoutMs: number;
  /** The first retry's delay; each next one doubles, up to `maxDelayMs`. */
  retryBaseMs: number;
  maxDelayMs: number;
  /** How long after the event a delivery keeps being retried before it is marked FAILED. */
  retryForMs: number;
}

export const defaultWebhookSettings: WebhookSettings = {
  allowPrivate: false,
  timeoutMs: 10_000,
  retryBaseMs: 30_000,
  maxDelayMs: 3_600_000,
  retryForMs: 24 * 3_600_000,
};

/** Characters of an answer kept with its attempt. */
export const keptAnswerChars = 1024;
/** Bytes of an answer read at most: the rest is not waited for. */
const readAnswerBytes = 64 * 1024;

export const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

/** `Threadline-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>`. */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export interface AttemptResult {
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  error: string | null;
}

/** Keep-alive connections to the endpoints, shared by one worker's attempts. */
export interface Agents {
  http: http.Agent;
  https: https.Agent;
  close(): void;
}

export function newAgents(maxSockets = 8): Agents {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets }),
    https: new https.Agent({ keepAlive: true, maxSockets }),
    close: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
  return agents;
}

/** One POST of `body` to `url`; never throws. A 2xx answer is success; anything else says why it failed. */
export function attempt(
  url: string,
  body: string,
  headers: Record<string, string>,
  settings: Pick<WebhookSettings, 'allowPrivate' | 'timeoutMs'>,
  agents: Agents,
): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<AttemptResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: elapsed() });
    };
    const fail = (error: string) => finish({ statusCode: null, responseBody: null, error });
    let target: URL;
    try {
      target = checkTargetUrl(url, settings.allowPrivate);
    } catch (error) {
      settled = true;
      return resolve({ durationMs: 0, statusCode: null, responseBody: null, error: (error as Error).message });
    }
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(target, {
      method: 'POST',
      agent: target.protocol === 'https:' ? agents.https : agents.http,
      lookup: guardedLookup(settings.allowPrivate),
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'user-agent': 'Threadline-Webhooks/1',
        ...headers,
      },
    });
    const timer = setTimeout(() => {
      fail(`No answer within ${settings.timeoutMs} ms.`);
      request.destroy();
    }, settings.timeoutMs);
    request.on('error', (error) => fail(describe(error)));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const text = Buffer.concat(chunks).toString('utf8').slice(0, keptAnswerChars);
        const statusCode = response.statusCode ?? 0;
        finish({
          statusCode,
          responseBody: text,
          error:
            statusCode >= 200 && statusCode < 300
              ? null
              : `The endpoint answered ${statusCode}${statusCode >= 300 && statusCode < 400 ? ' (redirects are not followed)' : ''}.`,
        });
      };
      response.on('data', (chunk: Buffer) => {
        if (size < keptAnswerChars * 4) chunks.push(chunk);
        size += chunk.length;
        if (size > readAnswerBytes) {
          done();
          response.destroy();
        }
      });
      response.on('end', done);
      response.on('error', (error) => fail(describe(error)));
    });
    request.end(body);
  });
}

/** What went wrong, in words an administrator can act on: never a stack. */
function describe(error: Error & { code?: string }): string {
  if (error.name === 'TargetRefusedError') return error.message;
  switch (error.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'The host name does not resolve.';
    case 'ECONNREFUSED':
      return 'The endpoint refused the connection.';
    case 'ECONNRESET':
      return 'The endpoint closed the connection.';
    case 'ETIMEDOUT':
      return 'The connection timed out.';
    default:
      return error.code ? `The request failed (${error.code}).` : 'The request failed.';
  }
}

/** The delay before the attempt after `attempts` failed ones: base × 2^(attempts − 1), capped, ±10 %. */
export function retryDelayMs(
  attempts: number,
  settings: Pick<WebhookSettings, 'retryBaseMs' | 'maxDelayMs'>,
  random = Math.random,
): number {
  const exact = Math.min(settings.retryBaseMs * 2 ** Math.min(attempts - 1, 30), settings.maxDelayMs);
  return Math.round(exact * (0.9 + 0.2 * random()));
}

/**
 * How long `count` deliveries claimed together for one endpoint stay this instance's: long
 * enough for all of them, `perWebhook` at a time, each up to the time limit, with room to spare.
 */
export const leaseMs = (settings: WebhookSettings, count: number, perWebhook: number) =>
  settings.timeoutMs * (Math.ceil(count / perWebhook) + 1) + 5000;

/** Due deliveries, oldest first, for the worker to claim. */
export function dueDeliveries(db: Database, now: Date, take: number) {
  return db.reader.webhookDelivery.findMany({
    where: { status: 'PENDING', nextAttemptAt: { lte: now }, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
    orderBy: [{ nextAttemptAt: 'asc' }, { id: 'asc' }],
    take,
    select: { id: true, webhookId: true },
  });
}

/**
 * Takes due deliveries for one attempt each, in one statement that answers which it took:
 * another instance's claims are not due any more, so each delivery goes to one instance.
 */
export async function claimDeliveries(db: Database, ids: readonly number[], now: Date, lease: number): Promise<number[]> {
  if (ids.length === 0) return [];
  const claimed = await db.writer.webhookDelivery.updateManyAndReturn({
    where: {
      id: { in: [...ids] },
      status: 'PENDING',
      nextAttemptAt: { lte: now },
      OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }],
    },
    data: { lockedUntil: new Date(now.getTime() + lease) },
    select: { id: true },
  });
  return claimed.map((row) => row.id);
}

export interface ClaimedDelivery {
  id: number;
  /** Until when this instance holds it (set when claimed, here): an attempt starts only with time to finish inside it. */
  leaseUntil?: number;
  webhookId: number;
  payload: string;
  eventType: string;
  attemptCount: number;
  createdAt: Date;
  webhook: { url: string; secret: string; active: boolean };
}

export const loadDeliveries = (db: Database, ids: readonly number[]): Promise<ClaimedDelivery[]> =>
  db.writer.webhookDelivery.findMany({
    where: { id: { in: [...ids] } },
    select: {
      id: true,
      webhookId: true,
      payload: true,
      eventType: true,
      attemptCount: true,
      createdAt: true,
      webhook: { select: { url: true, secret: true, active: true } },
    },
  });

/** One attempt's outcome, to record. */
export interface Outcome {
  delivery: ClaimedDelivery;
  sentAt: Date;
  finishedAt: Date;
  result: AttemptResult;
}

/** Makes one attempt at a claimed delivery; never throws. */
export async function attemptDelivery(
  delivery: ClaimedDelivery,
  settings: WebhookSettings,
  agents: Agents,
  clock = () => new Date(),
): Promise<Outcome> {
  const sentAt = clock();
  const result = delivery.webhook.active
    ? await attempt(
        delivery.webhook.url,
        delivery.payload,
        {
          'threadline-signature': signatureHeader(delivery.webhook.secret, delivery.payload, Math.floor(sentAt.getTime() / 1000)),
          'threadline-event': delivery.eventType,
          'threadline-delivery': String(delivery.id),
        },
        settings,
        agents,
      )
    : { durationMs: 0, statusCode: null, responseBody: null, error: 'The webhook is paused.' };
  return { delivery, sentAt, finishedAt: clock(), result };
}

/**
 * Records attempts, many in one transaction: each attempt's row, and each delivery's new state:
 * DELIVERED, retried after its backoff, or FAILED once the next try would fall past `retryForMs`.
 * Not a writeTransaction: nothing a reader sees changes, so cached answers keep their versions.
 */
export async function recordOutcomes(db: Database, outcomes: readonly Outcome[], settings: WebhookSettings): Promise<void> {
  if (outcomes.length === 0) return;
  try {
    await recordTogether(db, outcomes, settings);
  } catch (error) {
    if (outcomes.length === 1) throw error;
    // One of them cannot be recorded (its webhook was deleted meanwhile): the others still are,
    // each alone, so that none is sent again for want of a record.
    const failures = [];
    for (const outcome of outcomes) await recordTogether(db, [outcome], settings).catch((failure: unknown) => failures.push(failure));
    if (failures.length > 0 && failures.length === outcomes.length) throw error;
  }
}

async function recordTogether(db: Database, outcomes: readonly Outcome[], settings: WebhookSettings): Promise<void> {
  const delivered = outcomes.filter(({ result }) => result.error === null);
  const failed = outcomes.filter(({ result }) => result.error !== null);
  const now = new Date();
  await db.writer.$transaction([
    // An insert first: on SQLite the transaction takes the write lock at once.
    db.writer.webhookAttempt.createMany({
      data: outcomes.map(({ delivery, sentAt, result }) => ({
        deliveryId: delivery.id,
        createdAt: sentAt,
        durationMs: result.durationMs,
        statusCode: result.statusCode,
        responseBody: result.responseBody,
        error: result.error,
      })),
    }),
    // Only while still PENDING: another instance's late record cannot undo a delivery.
    db.writer.webhookDelivery.updateMany({
      where: { id: { in: delivered.map(({ delivery }) => delivery.id) }, status: 'PENDING' },
      data: { status: 'DELIVERED', deliveredAt: now, attemptCount: { increment: 1 }, lockedUntil: null },
    }),
    ...failed.map(({ delivery, finishedAt }) => {
      const attempts = delivery.attemptCount + 1;
      const next = new Date(finishedAt.getTime() + retryDelayMs(attempts, settings));
      const givenUp = next.getTime() > delivery.createdAt.getTime() + settings.retryForMs;
      return db.writer.webhookDelivery.updateMany({
        where: { id: delivery.id, status: 'PENDING' },
        data: { attemptCount: attempts, lockedUntil: null, ...(givenUp ? { status: 'FAILED' as const } : { nextAttemptAt: next }) },
      });
    }),
  ]);
}

/** Gives claimed deliveries back at once (an instance stopping), for another instance to take. */
export async function releaseDeliveries(db: Database, ids: readonly number[]): Promise<void> {
  if (ids.length > 0)
    await db.writer.webhookDelivery.updateMany({ where: { id: { in: [...ids] }, status: 'PENDING' }, data: { lockedUntil: null } });
}
