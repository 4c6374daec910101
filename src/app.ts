import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, getOperationAST } from 'graphql';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type Plugin, useReadinessCheck } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import { AuthenticationError, type Secret, type Viewer, viewerFromAuthorization } from './auth.js';
import {
  defaultLiveLimits,
  defaultRequestLimits,
  defaultResponseCache,
  defaultWriteLimits,
  type LiveLimits,
  type RequestLimits,
  type ResponseCacheSettings,
  type WriteLimits,
} from './config.js';
import { ModerationFeed } from './live/moderation-feed.js';
import { createTransport } from 'nodemailer';
import { authorizationOf, type Context, contextFactory, type Engagement, type ModerationOptions, newReactionLimiter } from './context.js';
import { useUnsubscribe } from './http/unsubscribe.js';
import { defaultMailSettings, type MailSettings, unsubscribeKey } from './notify/mail.js';
import { defaultWebhookSettings, type WebhookSettings } from './notify/webhooks.js';
import { NotifyWorker } from './notify/worker.js';
import { defaultReactionKinds } from './domain/reactions.js';
import { ReactionAnnouncer } from './live/reaction-announcer.js';
import type { Database } from './db.js';
import { maskError } from './errors.js';
import type { Logger } from './logger.js';
import { type AnswerStore, MemoryAnswerStore, RedisAnswerStore } from './http/answer-store.js';
import { useClientScript } from './http/client-script.js';
import { useDemo } from './http/demo.js';
import { usePersistedQueries } from './http/persisted-queries.js';
import { useResponseCache } from './http/response-cache.js';
import { useThreadPage } from './http/thread-page.js';
import { redisEventBus } from './live/bus.js';
import { atTime, useTokenExpiry } from './live/expiry.js';
import { LiveGroups, type RunSubscription } from './live/groups.js';
import { SocketOutlet } from './live/outlets.js';
import { serveSockets } from './live/socket-server.js';
import { LivePubSub } from './live/pubsub.js';
import { startResync } from './live/resync.js';
import { useEventCursors } from './live/sse.js';
import { schema } from './schema/index.js';
import { limitBodySize } from './security/body-limit.js';
import { requestLimitPlugins } from './security/index.js';
import { type OriginPolicy, originPolicy } from './security/origins.js';
import { StreamsPerAddress } from './security/streams.js';

export interface AppOptions {
  /** The opened database (src/db.ts `openDatabase`); whoever opened it closes it, after `stop()`. */
  database: Database;
  logger: Logger;
  secret: Secret;
  writeLimits?: WriteLimits;
  /** Reports that hold a comment, and the spam checkers (issue 14). */
  moderation?: ModerationOptions;
  /** The site's reactions (THREADLINE_REACTIONS), `LIKE` alone by default. */
  reactionKinds?: readonly string[];
  /** Webhooks and reply emails (issue 15). */
  notifications?: NotificationOptions;
  requestLimits?: RequestLimits;
  /** Shows GraphiQL at /graphql in a browser. */
  graphiql?: boolean;
  /** Outside development, GraphQL's "did you mean" suggestions are not sent (they reveal the schema). */
  development?: boolean;
  pubsub?: LivePubSub;
  liveLimits?: LiveLimits;
  /** Redis, to share live events with other instances; without it, this instance runs alone. */
  redisUrl?: string | null;
  redisPrefix?: string;
  /** How often subscriptions check the event log for events no message announced. */
  resyncIntervalMs?: number;
  /** Origins whose pages may call: CORS, Server-Sent Events and WebSockets alike. Empty allows any. */
  allowedOrigins?: readonly string[];
  /** Public answers kept for reuse; `maxBytes: 0` turns that off, and ETags with it. */
  responseCache?: ResponseCacheSettings;
  /**
   * Subscribers who would get the same answers share one execution per event (src/live/groups.ts),
   * the default; false executes for each subscriber alone, as before groups (a switch to fall
   * back on, and what the tests and benchmarks compare groups with).
   */
  liveGroups?: boolean;
  /**
   * The demo page's "sign in as" picker (POST /demo/sign-in signs a token for any handle):
   * for trying the server out, never in production. Off unless asked for.
   */
  demoSignIn?: boolean;
}

export interface NotificationOptions {
  webhooks?: Partial<WebhookSettings>;
  /** THREADLINE_SMTP_URL: without it, reply and quote emails wait unsent. */
  smtpUrl?: string | null;
  mail?: Partial<Omit<MailSettings, 'publicUrl'>>;
  /** THREADLINE_PUBLIC_URL, for links in emails and payloads; the address the server listens on when left out. */
  publicUrl?: string | null;
  /** The outbox worker (and the sweep for unannounced reactions) runs on every instance unless this is false (tools, most tests). */
  worker?: boolean;
  workerIntervalMs?: number;
}

/**
 * Nodemailer over THREADLINE_SMTP_URL, whose query parameters are nodemailer's options. Waits are
 * bounded unless the URL says otherwise: a mail server that hangs must not hold the worker's
 * rounds, and the outbox with them, for nodemailer's default of minutes.
 */
function smtpTransport(url: string) {
  const parsed = new URL(url);
  for (const [option, ms] of [
    ['connectionTimeout', '10000'],
    ['greetingTimeout', '10000'],
    ['socketTimeout', '30000'],
  ] as const) {
    if (!parsed.searchParams.has(option)) parsed.searchParams.set(option, ms);
  }
  return createTransport(parsed.href);
}

/**
 * After a mutation, which may have written to the moderation log and the outbox: moderators
 * hear of it, and the outbox is handed on, at once.
 */
function useAfterMutation(wake: () => void): Plugin<Context> {
  return {
    onExecute({ args }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== 'mutation') return;
      return { onExecuteDone: wake };
    },
  };
}

/** Close code for a subscriber that fell further behind than its queue: resubscribe with `after`. */
export const slowSubscriberCloseCode = 4499;

export interface App {
  yoga: ReturnType<typeof buildYoga>;
  pubsub: LivePubSub;
  liveGroups: LiveGroups;
  /** What moderators hear live (moderationEvents). */
  moderationFeed: ModerationFeed;
  /** Hands the outbox on: webhooks and emails (null when `notifications.worker` is false). */
  worker: NotifyWorker | null;
  server: Server;
  start(port: number, host: string): Promise<AddressInfo>;
  stop(): Promise<void>;
}

function buildYoga({
  database,
  logger,
  secret,
  pubsub,
  writeLimits = defaultWriteLimits,
  moderation,
  requestLimits = defaultRequestLimits,
  graphiql = true,
  development = false,
  origins,
  answers,
  liveGroups,
  moderationFeed,
  announcer,
  worker,
  reactionKinds = defaultReactionKinds,
  notifications = {},
  responseCache = defaultResponseCache,
  demoSignIn = false,
}: Omit<AppOptions, 'liveGroups'> & {
  pubsub: LivePubSub;
  origins: OriginPolicy;
  answers: AnswerStore | null;
  liveGroups: LiveGroups | null;
  moderationFeed: ModerationFeed;
  announcer: ReactionAnnouncer;
  worker: NotifyWorker | null;
}) {
  const engagement: Engagement = {
    reactionKinds,
    reactionLimiter: newReactionLimiter(),
    announcer,
    allowPrivateWebhooks: notifications.webhooks?.allowPrivate ?? false,
    worker: worker ?? undefined,
  };
  return createYoga<object, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    context: contextFactory({
      db: database,
      secret,
      writeLimits,
      moderation,
      engagement,
      pubsub,
      liveGroups: liveGroups ?? undefined,
      moderationFeed,
    }),
    cors: (request) => origins.cors(request),
    batching: false,
    graphiql: graphiql ? { title: 'Threadline', subscriptionsProtocol: 'WS' } : false,
    // GraphiQL's assets served from this process: Yoga's default loads them from a CDN,
    // which leaves the page blank on a machine without Internet access.
    renderGraphiQL,
    landingPage: false,
    // Unexpected errors reach clients as "Unexpected error." with no stack or SQL, whatever NODE_ENV says.
    maskedErrors: { isDev: false, maskError },
    healthCheckEndpoint: '/live',
    logging: logger.child({ component: 'yoga' }),
    plugins: [
      // A static script: answered before anything GraphQL looks at the request.
      useClientScript(),
      // The thread as HTML (GET /articles/<slug>/comments), read through this same pipeline.
      useThreadPage(),
      // An article page with the widget (GET /demo/<slug>), and outside production a "sign in as" picker.
      useDemo({ signIn: demoSignIn, secret }),
      usePersistedQueries(responseCache.persistedQueryChars),
      useDeferStream(),
      ...requestLimitPlugins(requestLimits, { development }),
      // After the limits, so that a refused request costs no statement; a stored answer is served
      // before the heavy-request gate and the response budget, which wrap only what executes.
      useResponseCache({ store: answers, db: database }),
      useEventCursors(),
      // A mutation here may have written to the moderation log and the outbox: on with them at once.
      useAfterMutation(() => {
        moderationFeed.nudge();
        worker?.wake();
      }),
      // One-click unsubscribe from reply and quote emails (RFC 8058), by a signed link.
      useUnsubscribe(database, unsubscribeKey(secret)),
      useTokenExpiry(),
      useReadinessCheck({
        endpoint: '/health',
        check: async () => {
          try {
            await database.reader.$queryRaw`SELECT 1`;
            return true;
          } catch (error) {
            logger.warn({ err: error }, 'health check: database unreachable');
            return false;
          }
        },
      }),
    ],
  });
}

const refuse = (res: ServerResponse, status: number, code: string, message: string) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
};

const isEventStream = (req: IncomingMessage, path: string) =>
  (req.url ?? '').split('?')[0] === path && (req.headers.accept ?? '').includes('text/event-stream');

/**
 * Before anything else reads a request: an `Origin` the policy refuses gets 403, and an
 * address already holding its share of streams cannot open another Server-Sent Event stream
 * (429); the slot it takes is given back when the response ends.
 */
function guard(next: RequestListener, { origins, streams, path }: { origins: OriginPolicy; streams: StreamsPerAddress; path: string }) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (!origins.allows(req.headers.origin, req.headers.host)) {
      req.resume();
      return refuse(res, 403, 'ORIGIN_NOT_ALLOWED', 'This origin may not call this server.');
    }
    if (isEventStream(req, path)) {
      const address = req.socket.remoteAddress ?? '';
      if (!streams.acquire(address)) {
        req.resume();
        return refuse(res, 429, 'TOO_MANY_CONNECTIONS', 'This address holds as many streams and WebSockets as it may.');
      }
      res.once('close', () => streams.release(address));
    }
    next(req, res);
  };
}

/** Yoga over HTTP and graphql-ws on the same path and port, sharing one envelop pipeline. */
export function buildApp(options: AppOptions): App {
  const live = options.liveLimits ?? defaultLiveLimits;
  const logger = options.logger.child({ component: 'live' });
  const pubsub = options.pubsub ?? new LivePubSub(live.maxQueue);
  const resyncer = startResync(options.database, pubsub, options.resyncIntervalMs ?? 5000, logger);
  const bus = options.redisUrl
    ? redisEventBus({
        url: options.redisUrl,
        prefix: options.redisPrefix ?? 'threadline:',
        logger: options.logger,
        deliver: (event) => pubsub.deliver(event),
        onReconnect: resyncer.now,
      })
    : null;
  if (bus) pubsub.attach(bus);
  const origins = originPolicy(options.allowedOrigins ?? []);
  const streams = new StreamsPerAddress(live.maxConnectionsPerIp);
  const cacheSettings = options.responseCache ?? defaultResponseCache;
  const answers: AnswerStore | null =
    cacheSettings.maxBytes === 0
      ? null
      : options.redisUrl
        ? new RedisAnswerStore(
            options.redisUrl,
            `${options.redisPrefix ?? 'threadline:'}answers:`,
            cacheSettings.redisTtlSeconds,
            options.logger,
          )
        : new MemoryAnswerStore(cacheSettings.maxBytes);
  // A group's subscription runs through the same pipeline as a client's, as the audience's stand-in.
  const runGroup: RunSubscription = async ({ document, operationName, variableValues, viewer, source }) => {
    const envelope = yoga.getEnveloped({});
    const contextValue: Context = { ...(await envelope.contextFactory()), viewer, liveSource: source };
    return envelope.subscribe({ schema: envelope.schema, document, operationName, variableValues, contextValue });
  };
  const liveGroups = new LiveGroups(options.database, pubsub, runGroup);
  const moderationFeed = new ModerationFeed(options.database);
  const announcer = new ReactionAnnouncer(options.database, pubsub, logger);
  const notifications = options.notifications ?? {};
  let listening = 'http://localhost:4000';
  const publicUrl = () => notifications.publicUrl ?? listening;
  const worker =
    notifications.worker === false
      ? null
      : new NotifyWorker(options.database, {
          webhooks: { ...defaultWebhookSettings, ...notifications.webhooks },
          mail: notifications.smtpUrl
            ? {
                settings: { ...defaultMailSettings, ...notifications.mail },
                transport: smtpTransport(notifications.smtpUrl),
                key: unsubscribeKey(options.secret),
              }
            : null,
          publicUrl,
          logger: options.logger.child({ component: 'notifications' }),
          intervalMs: notifications.workerIntervalMs,
        });
  const yoga = buildYoga({
    ...options,
    pubsub,
    origins,
    answers,
    liveGroups: options.liveGroups === false ? null : liveGroups,
    moderationFeed,
    announcer,
    worker,
  });
  const { maxBodyBytes } = options.requestLimits ?? defaultRequestLimits;
  const server = createServer(guard(limitBodySize(maxBodyBytes, yoga), { origins, streams, path: yoga.graphqlEndpoint }));

  const sockets = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: maxBodyBytes,
    // Refused before the upgrade: an origin the policy refuses, or one address holding too many streams.
    verifyClient: ({ origin, req }, done) => {
      if (!origins.allows(origin, req.headers.host)) return done(false, 403, 'Origin not allowed');
      if (streams.count(req.socket.remoteAddress ?? '') >= streams.max) return done(false, 429, 'Too many connections from this address');
      done(true);
    },
  });

  const wsServer = serveSockets(sockets, {
    keepAliveMs: live.keepAliveMs,
    initTimeoutMs: live.initTimeoutMs,
    logger,
    // Bad credentials close the socket at connection_init (4403), before any operation; a
    // token that expires later closes it then, with the same code.
    connect: async ({ socket, connectionParams }) => {
      let viewer: Viewer | null;
      try {
        viewer = await viewerFromAuthorization(authorizationOf({ connectionParams }), options.secret);
      } catch (error) {
        if (error instanceof AuthenticationError) return false;
        throw error;
      }
      if (viewer?.expiresAt) {
        const cancel = atTime(viewer.expiresAt, () => socket.close(4403, 'The token has expired'));
        socket.once('close', cancel);
      }
      return true;
    },
    prepare: async (connection, id, payload) => {
      const { socket } = connection;
      // This operation's id is already reserved among the connection's operations.
      if (connection.operationCount > live.maxSubscriptionsPerSocket) {
        return [
          new GraphQLError(
            `This connection already runs ${live.maxSubscriptionsPerSocket} operations; end one or open another connection.`,
            {
              extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
            },
          ),
        ];
      }
      const envelope = yoga.getEnveloped({ connectionParams: connection.connectionParams, socket, params: payload });
      try {
        const document = envelope.parse(payload.query);
        const errors = envelope.validate(envelope.schema, document);
        if (errors.length > 0) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('Unable to identify operation')];
        const onSlowSubscriber = closesSlow(socket);
        const outlet = operation.operation === 'subscription' ? new SocketOutlet(socket, id, pubsub.maxQueue, onSlowSubscriber) : undefined;
        const args = {
          schema: envelope.schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: { ...(await envelope.contextFactory()), onSlowSubscriber, outlet },
        };
        return { outlet, run: () => (outlet ? envelope.subscribe(args) : envelope.execute(args)) };
      } catch (error) {
        // A bad operation fails alone, not the socket and the other operations on it.
        if (error instanceof GraphQLError) return [error];
        throw error;
      }
    },
  });

  // Every socket gets our error listener first (ws throws an error nobody listens for): one log
  // line, and 1011. A message over the size limit is closed 1009 by ws itself.
  sockets.on('connection', (socket, req) => {
    const address = req.socket.remoteAddress ?? '';
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        logger.warn({ address, limit: maxBodyBytes, closeCode: 1009 }, 'closed a WebSocket that sent a message over the size limit');
        return;
      }
      logger.warn({ address, err: error }, 'closed a WebSocket after a socket error');
      socket.close(1011, 'Internal server error');
    });
    if (!streams.acquire(address)) {
      // Another upgrade from the address took the last slot since verifyClient looked.
      socket.close(1013, 'Too many connections from this address');
      return;
    }
    socket.once('close', () => streams.release(address));
  });

  let stopping: Promise<void> | undefined;
  return {
    yoga,
    pubsub,
    liveGroups,
    moderationFeed,
    worker,
    server,
    start: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          listening = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
          worker?.start();
          // Background rounds go together: where no worker runs (tools, most tests), no sweep either.
          if (worker) announcer.start();
          resolve(address);
        });
      }),
    // Idempotent: the first call stops everything, later ones wait for it.
    stop: () =>
      (stopping ??= (async () => {
        try {
          await wsServer.dispose();
          await new Promise<void>((resolve) => sockets.close(() => resolve()));
          await new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          });
          await yoga.dispose();
        } finally {
          moderationFeed.close();
          announcer.stop();
          await worker?.stop();
          await resyncer.stop();
          await bus?.close();
          await answers?.close();
        }
      })()),
  };
}

/**
 * Closes a socket whose subscriber fell too far behind. Made here, not inside the operation's
 * set-up, where a closure would keep that whole scope (context, envelope) for as long as the
 * subscription's outlet lives.
 */
const closesSlow = (socket: WebSocket) => () => socket.close(slowSubscriberCloseCode, 'Too far behind: resubscribe with "after"');
