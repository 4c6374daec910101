/**
 * Administrators' webhook endpoints (issue 15, item 1): what they may register, and the writes
 * that do it. Each change is in the moderation log's company: administrators' actions are
 * recorded, here as RULES_CHANGE entries naming the endpoint.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Viewer } from '../auth.js';
import type { Database } from '../db.js';
import { checkTargetUrl, isPrivateAddress, TargetRefusedError } from '../notify/targets.js';
import { newWebhookSecret } from '../notify/webhooks.js';
import type { WebhookEventType } from '../notify/outbox.js';
import { NotFoundError, ValidationError } from './errors.js';
import { recordModeration } from './moderation-log.js';

export const maxWebhooks = 50;

/**
 * What the moderation log says of an endpoint: its host. Moderators read the log, and a chat
 * service's webhook URL carries its secret in the path.
 */
const hostOf = (url: string) => new URL(url).host;
export const maxWebhookUrlLength = 2000;
export const maxWebhookDescription = 500;

/**
 * The URL as it will be called, or a ValidationError saying why not. A name is resolved now
 * as well, so that an administrator hears at once of a target that deliveries would refuse;
 * deliveries check again (src/notify/targets.ts), as names can change.
 */
export async function checkWebhookUrl(text: string, allowPrivate: boolean): Promise<string> {
  if (text.length > maxWebhookUrlLength) throw new ValidationError('url', `The URL is longer than ${maxWebhookUrlLength} characters.`);
  let url: URL;
  try {
    url = checkTargetUrl(text, allowPrivate);
  } catch (error) {
    if (error instanceof TargetRefusedError) throw new ValidationError('url', error.message);
    throw error;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && !isIP(host)) {
    const addresses = await lookup(host, { all: true }).catch(() => null);
    if (addresses === null || addresses.length === 0) throw new ValidationError('url', `The host name ${host} does not resolve.`);
    const refused = addresses.find(({ address }) => isPrivateAddress(address));
    if (refused) {
      throw new ValidationError('url', `${host} resolves to a private, loopback or link-local address (${refused.address}).`);
    }
  }
  return url.href;
}

function checkEvents(events: readonly WebhookEventType[]): string {
  if (events.length === 0) throw new ValidationError('events', 'Name at least one event type.');
  return [...new Set(events)].join(',');
}

function checkDescription(description: string | null | undefined): string | null {
  const text = description?.trim() ?? '';
  if (text.length > maxWebhookDescription) {
    throw new ValidationError('description', `The description is longer than ${maxWebhookDescription} characters.`);
  }
  return text === '' ? null : text;
}

export interface WebhookInput {
  url: string;
  events: readonly WebhookEventType[];
  description?: string | null;
}

/** A new endpoint and its signing secret, which is shown this once. */
export async function createWebhook(db: Database, viewer: Viewer, input: WebhookInput, allowPrivate: boolean, now = new Date()) {
  const url = await checkWebhookUrl(input.url, allowPrivate);
  const events = checkEvents(input.events);
  const description = checkDescription(input.description);
  return db.writeTransaction(
    async (tx) => {
      if ((await tx.webhook.count()) >= maxWebhooks) {
        throw new ValidationError('url', `A site has at most ${maxWebhooks} webhooks; delete one first.`);
      }
      const secret = newWebhookSecret();
      const webhook = await tx.webhook.create({ data: { url, events, description, secret, createdAt: now, updatedAt: now } });
      await recordModeration(
        tx,
        viewer,
        { kind: 'RULES_CHANGE', detail: `webhook ${webhook.id} created: ${hostOf(url)} (${events})` },
        now,
      );
      return { id: webhook.id, secret };
    },
    { scope: 'none' },
  );
}

export interface WebhookUpdate {
  id: number;
  url?: string | null;
  events?: readonly WebhookEventType[] | null;
  description?: string | null;
  active?: boolean | null;
  /** A new secret, returned this once; the old one stops signing at once. */
  rotateSecret?: boolean | null;
}

export async function updateWebhook(db: Database, viewer: Viewer, input: WebhookUpdate, allowPrivate: boolean, now = new Date()) {
  const url = input.url == null ? undefined : await checkWebhookUrl(input.url, allowPrivate);
  const events = input.events == null ? undefined : checkEvents(input.events);
  const description = input.description === undefined ? undefined : checkDescription(input.description);
  return db.writeTransaction(
    async (tx) => {
      const existing = await tx.webhook.findUnique({ where: { id: input.id }, select: { id: true } });
      if (!existing) throw new NotFoundError('The webhook does not exist.');
      const secret = input.rotateSecret ? newWebhookSecret() : undefined;
      await tx.webhook.update({
        where: { id: input.id },
        data: { url, events, description, active: input.active ?? undefined, secret, updatedAt: now },
      });
      const changed = [
        url && 'url',
        events && 'events',
        description !== undefined && 'description',
        input.active != null && 'active',
        secret && 'secret',
      ]
        .filter(Boolean)
        .join(', ');
      await recordModeration(tx, viewer, { kind: 'RULES_CHANGE', detail: `webhook ${input.id} changed: ${changed || 'nothing'}` }, now);
      return { id: input.id, secret: secret ?? null };
    },
    { scope: 'none' },
  );
}

/** Deletes an endpoint with its deliveries and their attempts. */
export async function deleteWebhook(db: Database, viewer: Viewer, id: number, now = new Date()) {
  return db.writeTransaction(
    async (tx) => {
      const existing = await tx.webhook.findUnique({ where: { id }, select: { id: true, url: true } });
      if (!existing) throw new NotFoundError('The webhook does not exist.');
      await tx.webhookAttempt.deleteMany({ where: { delivery: { webhookId: id } } });
      await tx.webhookDelivery.deleteMany({ where: { webhookId: id } });
      await tx.webhook.delete({ where: { id } });
      await recordModeration(tx, viewer, { kind: 'RULES_CHANGE', detail: `webhook ${id} deleted: ${hostOf(existing.url)}` }, now);
      return { id };
    },
    { scope: 'none' },
  );
}
