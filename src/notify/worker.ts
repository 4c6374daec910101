/**
 * One per instance: hands the outbox on (src/notify/outbox.ts), makes webhook deliveries'
 * attempts (src/notify/webhooks.ts) and sends emails (src/notify/mail.ts). It runs once a
 * second, at once after a write on this instance (`wake`), and straight on while work remains.
 *
 * Every step claims its rows in the database first, so instances share the work and none is
 * done twice. Attempts run side by side, at most `concurrency` here and `perWebhook` per
 * endpoint, so one slow endpoint holds a few slots while the others' deliveries go on.
 */
import type { Transporter } from 'nodemailer';
import type { Database } from '../db.js';
import type { Logger } from '../logger.js';
import { type MailSettings, sendDueEmails } from './mail.js';
import { dispatch } from './outbox.js';
import { pruneNotifications } from './prune.js';
import {
  type Agents,
  attemptDelivery,
  type ClaimedDelivery,
  claimDeliveries,
  dueDeliveries,
  leaseMs,
  loadDeliveries,
  newAgents,
  type Outcome,
  recordOutcomes,
  releaseDeliveries,
  type WebhookSettings,
} from './webhooks.js';

export interface WorkerOptions {
  webhooks: WebhookSettings;
  /** Null without THREADLINE_SMTP_URL: notifications then wait, unsent. */
  mail: { settings: Omit<MailSettings, 'publicUrl'>; transport: Transporter; key: Buffer } | null;
  /** The site's public origin, for links in payloads (known once the server listens, when not configured). */
  publicUrl: () => string;
  logger: Pick<Logger, 'warn' | 'info'>;
  intervalMs?: number;
  concurrency?: number;
  perWebhook?: number;
}

/** How often an instance drops deliveries and emails past their retention (src/notify/prune.ts). */
const pruneEveryMs = 3_600_000;

/** An attempt starts only if its lease outlasts its time limit by this much (time to record it). */
const leaseMarginMs = 2000;

/** Outcomes finishing this close together are recorded in one transaction. */
const recordEveryMs = 10;

export class NotifyWorker {
  readonly #agents: Agents;
  readonly #inFlight = new Map<number, number>();
  readonly #running = new Set<Promise<void>>();
  #total = 0;
  #timer: NodeJS.Timeout | null = null;
  #cycle: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #refilling: Promise<void> | null = null;
  #outcomes: Outcome[] = [];
  /** When this instance last pruned; 0: at its first round. */
  #pruned = 0;
  /** Claimed deliveries waiting for a slot, per webhook. */
  readonly #queues = new Map<number, ClaimedDelivery[]>();
  #recording: Promise<void> | null = null;
  #refillAgain = false;

  constructor(
    readonly db: Database,
    readonly options: WorkerOptions,
  ) {
    this.#agents = newAgents(options.perWebhook ?? 4);
  }

  start(): void {
    this.#schedule(0);
  }

  /** Something was written here: look now rather than at the next tick. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#cycle) this.#again = true;
    else this.#schedule(0);
  }

  /** Resolves once the outbox is empty and no delivery is due or running (tests, benchmarks). */
  async idle(): Promise<void> {
    for (;;) {
      await this.#cycle;
      await this.#refilling;
      await Promise.all(this.#running);
      await this.#recording?.catch(() => {});
      const [outbox, due] = await Promise.all([
        this.db.reader.outboxEvent.count(),
        dueDeliveries(this.db, new Date(), 1).then((rows) => rows.length),
      ]);
      if (outbox === 0 && due === 0 && this.#running.size === 0 && this.#recording === null && this.#queues.size === 0) return;
      this.wake();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#cycle;
    await this.#refilling;
    await Promise.all(this.#running);
    await this.#recording?.catch(() => {});
    const waiting = [...this.#queues.values()].flat().map((delivery) => delivery.id);
    this.#queues.clear();
    await releaseDeliveries(this.db, waiting).catch(() => {});
    this.#agents.close();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#cycle = this.#run().finally(() => {
        this.#cycle = null;
        const again = this.#again;
        this.#again = false;
        this.#schedule(again ? 0 : (this.options.intervalMs ?? 1000));
      });
    }, delayMs);
    this.#timer.unref();
  }

  async #run(): Promise<void> {
    try {
      // Whole batches mean more are waiting: go on at once.
      if ((await dispatch(this.db, this.options.publicUrl())) === 200) this.#again = true;
      this.#refill();
      await this.#refilling;
      if (Date.now() - this.#pruned > pruneEveryMs) {
        this.#pruned = Date.now();
        const dropped = await pruneNotifications(this.db);
        if (dropped > 0) this.options.logger.info({ dropped }, 'notifications: dropped deliveries and emails past their retention');
      }
      if (this.options.mail) {
        const { transport, settings, key } = this.options.mail;
        await sendDueEmails(this.db, transport, { ...settings, publicUrl: this.options.publicUrl() }, key);
      }
    } catch (error) {
      if (!this.#stopped) this.options.logger.warn({ err: error }, 'notifications: a round failed; retrying');
    }
  }

  /** Starts due deliveries in freed slots; one such look at a time. */
  #refill(): void {
    if (this.#stopped) return;
    if (this.#refilling) {
      this.#refillAgain = true;
      return;
    }
    this.#refilling = this.#startDeliveries()
      .catch((error) => this.options.logger.warn({ err: error }, 'notifications: starting deliveries failed'))
      .finally(() => {
        this.#refilling = null;
        if (this.#refillAgain) {
          this.#refillAgain = false;
          this.#refill();
        }
      });
  }

  /**
   * Starts attempts from the claimed queues in the free slots (at most `perWebhook` per
   * endpoint), after claiming more when the queues run low: up to `batch` per endpoint in one
   * statement, with a lease long enough for all of them.
   */
  async #startDeliveries(): Promise<void> {
    if (this.#stopped) return;
    const perWebhook = this.options.perWebhook ?? 4;
    const batch = perWebhook * 8;
    const queued = [...this.#queues.values()].reduce((sum, queue) => sum + queue.length, 0);
    if (queued < (this.options.concurrency ?? 16)) {
      const now = new Date();
      const byWebhook = new Map<number, number[]>();
      for (const { id, webhookId } of await dueDeliveries(this.db, now, batch * 4)) {
        const room = batch - (this.#queues.get(webhookId)?.length ?? 0);
        const ids = byWebhook.get(webhookId) ?? [];
        if (ids.length < room) byWebhook.set(webhookId, [...ids, id]);
      }
      for (const ids of byWebhook.values()) {
        const lease = leaseMs(this.options.webhooks, ids.length, perWebhook);
        const claimed = await claimDeliveries(this.db, ids, now, lease);
        if (claimed.length === 0) continue;
        for (const delivery of await loadDeliveries(this.db, claimed)) {
          delivery.leaseUntil = now.getTime() + lease;
          const queue = this.#queues.get(delivery.webhookId) ?? [];
          this.#queues.set(delivery.webhookId, queue);
          queue.push(delivery);
        }
      }
    }
    this.#launch();
  }

  /** Takes queued deliveries into free slots. */
  #launch(): void {
    const concurrency = this.options.concurrency ?? 16;
    const perWebhook = this.options.perWebhook ?? 4;
    for (const [webhookId, queue] of this.#queues) {
      while (queue.length > 0 && !this.#stopped && this.#total < concurrency && (this.#inFlight.get(webhookId) ?? 0) < perWebhook) {
        const delivery = queue.shift()!;
        // Queued behind slow endpoints past the point where an attempt could finish inside its
        // lease: not attempted here. The lease runs out, and whoever claims it next sends it once.
        if ((delivery.leaseUntil ?? 0) < Date.now() + this.options.webhooks.timeoutMs + leaseMarginMs) continue;
        this.#total++;
        this.#inFlight.set(webhookId, (this.#inFlight.get(webhookId) ?? 0) + 1);
        // The slot is free once the endpoint has answered; the outcome is recorded with others',
        // well within the claim's lease.
        const running: Promise<void> = attemptDelivery(delivery, this.options.webhooks, this.#agents)
          .then((outcome) => {
            this.#record(outcome).catch((error) =>
              this.options.logger.warn({ err: error, deliveryId: delivery.id }, 'notifications: recording an attempt failed'),
            );
          })
          .finally(() => {
            this.#total--;
            this.#inFlight.set(webhookId, this.#inFlight.get(webhookId)! - 1);
            this.#running.delete(running);
            if (queue.length > 0) this.#launch();
            else this.#refill();
          });
        this.#running.add(running);
      }
      if (queue.length === 0) this.#queues.delete(webhookId);
    }
  }

  /**
   * Attempts finishing together are recorded in one transaction: a write per attempt would
   * make the database's write lock (SQLite's is one per file) the limit of delivery.
   */
  #record(outcome: Outcome): Promise<void> {
    this.#outcomes.push(outcome);
    // Within `recordEveryMs`: a commit per few milliseconds, not one per attempt.
    this.#recording ??= new Promise<void>((resolve) => setTimeout(resolve, recordEveryMs)).then(async () => {
      const batch = this.#outcomes.splice(0);
      this.#recording = null;
      await recordOutcomes(this.db, batch, this.options.webhooks);
    });
    return this.#recording;
  }
}
