/**
 * Webhooks in the API (issue 15, item 1), administrators only: the endpoints, their deliveries
 * and every attempt's answer. A secret is shown once, when it is made.
 */
import { builder } from '../builder.js';
import { encodeGlobalId } from '../domain/ids.js';
import type { Context } from '../context.js';
import { defaultPageSize, maxPageSize } from '../domain/limits.js';
import { createWebhook, deleteWebhook, maxWebhooks, updateWebhook } from '../domain/webhooks.js';
import type { ThreadlineError } from '../domain/errors.js';
import { type WebhookEventType as EventType, webhookEventTypes } from '../notify/outbox.js';
import { webhookDeliveries } from '../read/relations.js';
import { pagedField, pageSizes } from './connections.js';
import { writeErrors } from './errors.js';
import { argumentId, inputId } from './ids.js';

const WebhookEventType = builder.enumType('WebhookEventType', {
  description: 'What a webhook is told of: each kind of comment event. Payloads name it `comment.<kind>` (`comment.added`).',
  values: Object.fromEntries(webhookEventTypes.map((type) => [type, {}])) as Record<EventType, object>,
});

const DeliveryStatus = builder.enumType('DeliveryStatus', {
  values: {
    PENDING: { description: 'Not delivered yet: waiting for its first attempt or its next retry.' },
    DELIVERED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: 'Retried for 24 hours without a 2xx answer: given up.' },
  } as const,
});

const adminOnly = { authScopes: { admin: true } } as const;

export const Webhook = builder.prismaNode('Webhook', {
  id: { field: 'id' },
  description: 'An endpoint that comment events are POSTed to, signed with its secret (`Threadline-Signature`).',
  ...adminOnly,
  fields: (t) => ({
    url: t.exposeString('url'),
    events: t.field({
      type: [WebhookEventType],
      description: `The event types it receives (at most ${webhookEventTypes.length}).`,
      extensions: { threadline: { maxItems: webhookEventTypes.length } },
      resolve: (hook) => hook.events.split(',') as EventType[],
    }),
    description: t.exposeString('description', { nullable: true }),
    active: t.exposeBoolean('active', {
      description: 'False while paused: events are still recorded, and their attempts fail until it is active again.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('WebhookAttempt', {
  description: 'One try at a delivery, and what came of it.',
  fields: (t) => ({
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    durationMs: t.exposeInt('durationMs'),
    statusCode: t.exposeInt('statusCode', {
      nullable: true,
      description: 'The HTTP status the endpoint answered; null when it did not answer.',
    }),
    responseBody: t.exposeString('responseBody', { nullable: true, description: 'The first 1,024 characters of the answer.' }),
    error: t.exposeString('error', { nullable: true, description: 'Why the attempt failed; null when it succeeded.' }),
  }),
});

const maxAttemptsShown = 50;

export const WebhookDelivery = builder.prismaNode('WebhookDelivery', {
  id: { field: 'id' },
  description: 'One event for one webhook: the body signed and sent, and every attempt.',
  ...adminOnly,
  fields: (t) => ({
    eventType: t.field({ type: WebhookEventType, resolve: (delivery) => delivery.eventType as EventType }),
    status: t.field({ type: DeliveryStatus, resolve: (delivery) => delivery.status }),
    payload: t.exposeString('payload', { description: 'The JSON body, the same bytes every attempt sends.' }),
    attemptCount: t.exposeInt('attemptCount'),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the next attempt is due; null once delivered or failed.',
      resolve: (delivery) => (delivery.status === 'PENDING' ? delivery.nextAttemptAt : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    attempts: t.relation('attempts', {
      description: `The attempts, newest first: at most the latest ${maxAttemptsShown}.`,
      extensions: { threadline: { maxItems: maxAttemptsShown } },
      query: { orderBy: { id: 'desc' }, take: maxAttemptsShown },
    }),
  }),
});

const WebhookDeliveryConnection = builder.connectionObject({ type: WebhookDelivery, name: 'WebhookDeliveryConnection' });

builder.queryFields((t) => ({
  webhooks: t.prismaField({
    type: ['Webhook'],
    description: `The site's webhooks, oldest first (at most ${maxWebhooks}); administrators only. Secrets are never shown again.`,
    ...adminOnly,
    extensions: { threadline: { maxItems: maxWebhooks } },
    resolve: (query, _root, _args, { db }) => db.reader.webhook.findMany({ ...query, orderBy: { id: 'asc' }, take: maxWebhooks }),
  }),
  webhookDeliveries: t.connection(
    {
      type: WebhookDelivery,
      description: `A webhook's deliveries, newest first: pages of at most ${maxPageSize} (${defaultPageSize} by default). Administrators only.`,
      ...adminOnly,
      args: { webhookId: t.arg.id({ required: true }) },
      ...pagedField({
        typeName: 'WebhookDelivery',
        sizes: pageSizes,
        root: true,
        relation: ({ webhookId }: { webhookId: string | number }, _context: Context) =>
          webhookDeliveries(argumentId(webhookId, 'Webhook', 'webhookId')),
      }),
    },
    WebhookDeliveryConnection,
  ),
}));

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  fields: (t) => ({
    url: t.string({
      required: true,
      description: 'An http:// or https:// URL on a public address (see THREADLINE_WEBHOOK_ALLOW_PRIVATE).',
    }),
    events: t.field({ type: [WebhookEventType], required: true, description: 'The event types to send; at least one.' }),
    description: t.string({ description: 'What it is for, up to 500 characters.' }),
  }),
});

const UpdateWebhookInput = builder.inputType('UpdateWebhookInput', {
  fields: (t) => ({
    webhookId: t.id({ required: true }),
    url: t.string(),
    events: t.field({ type: [WebhookEventType] }),
    description: t.string({ description: 'Null or empty removes it.' }),
    active: t.boolean({ description: 'False pauses it.' }),
    rotateSecret: t.boolean({ description: 'Make a new secret, answered this once; the old one stops signing at once.' }),
  }),
});

const DeleteWebhookInput = builder.inputType('DeleteWebhookInput', { fields: (t) => ({ webhookId: t.id({ required: true }) }) });

interface Made {
  id: number;
  secret: string | null;
}

const WebhookSecretResult = (name: string, secretDescription: string, nullable: boolean) =>
  builder.objectRef<Made>(name).implement({
    fields: (t) => ({
      webhook: t.prismaField({
        type: 'Webhook',
        resolve: (query, { id }, _args, { db }) => db.reader.webhook.findUniqueOrThrow({ ...query, where: { id } }),
      }),
      secret: t.string({ nullable: nullable as false, description: secretDescription, resolve: ({ secret }) => secret as string }),
    }),
  });

const CreateWebhookSuccess = WebhookSecretResult(
  'CreateWebhookSuccess',
  'Signs every delivery (`Threadline-Signature`): keep it now, it is never shown again.',
  false,
);
const UpdateWebhookSuccess = WebhookSecretResult(
  'UpdateWebhookSuccess',
  'The new secret when `rotateSecret` asked for one; null otherwise.',
  true,
);

const DeleteWebhookSuccess = builder.objectRef<{ id: number }>('DeleteWebhookSuccess').implement({
  fields: (t) => ({ webhookId: t.id({ description: 'The deleted webhook’s ID.', resolve: ({ id }) => encodeGlobalId('Webhook', id) }) }),
});

const errors = writeErrors.admin as (new (...args: unknown[]) => ThreadlineError)[];
const allowPrivate = (context: Context) => context.engagement.allowPrivateWebhooks;
const webhookId = (value: string | number) => inputId(value, 'Webhook', 'webhookId');

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: CreateWebhookSuccess,
    description: 'Register an endpoint for comment events (administrators). The answer holds its signing secret, shown this once.',
    ...adminOnly,
    errors: { types: errors, union: { name: 'CreateWebhookPayload' }, directResult: true },
    args: { input: t.arg({ type: CreateWebhookInput, required: true }) },
    resolve: (_root, { input }, context) =>
      createWebhook(
        context.db,
        context.viewer!,
        { url: input.url, events: input.events as EventType[], description: input.description },
        allowPrivate(context),
      ),
  }),
  updateWebhook: t.field({
    type: UpdateWebhookSuccess,
    description: 'Change an endpoint (administrators): its URL, events, description, whether it is active, or its secret.',
    ...adminOnly,
    errors: { types: errors, union: { name: 'UpdateWebhookPayload' }, directResult: true },
    args: { input: t.arg({ type: UpdateWebhookInput, required: true }) },
    resolve: (_root, { input }, context) =>
      updateWebhook(
        context.db,
        context.viewer!,
        {
          id: webhookId(input.webhookId),
          url: input.url,
          events: input.events as EventType[] | null | undefined,
          description: input.description,
          active: input.active,
          rotateSecret: input.rotateSecret,
        },
        allowPrivate(context),
      ),
  }),
  deleteWebhook: t.field({
    type: DeleteWebhookSuccess,
    description: 'Delete an endpoint with its deliveries (administrators).',
    ...adminOnly,
    errors: { types: errors, union: { name: 'DeleteWebhookPayload' }, directResult: true },
    args: { input: t.arg({ type: DeleteWebhookInput, required: true }) },
    resolve: (_root, { input }, context) => deleteWebhook(context.db, context.viewer!, webhookId(input.webhookId)),
  }),
}));
