import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, useReadinessCheck } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { AuthenticationError, type Secret, viewerFromAuthorization } from './auth.js';
import {
  defaultLiveLimits,
  defaultRequestLimits,
  defaultWriteLimits,
  type LiveLimits,
  type RequestLimits,
  type WriteLimits,
} from './config.js';
import { authorizationOf, type Context, contextFactory } from './context.js';
import { prisma } from './db.js';
import { maskError } from './errors.js';
import type { Logger } from './logger.js';
import { redisEventBus } from './live/bus.js';
import { LivePubSub } from './live/pubsub.js';
import { startResync } from './live/resync.js';
import { useEventCursors } from './live/sse.js';
import { schema } from './schema/index.js';
import { limitBodySize } from './security/body-limit.js';
import { requestLimitPlugins } from './security/index.js';

export interface AppOptions {
  logger: Logger;
  secret: Secret;
  writeLimits?: WriteLimits;
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
}

/** Close code for a subscriber that fell further behind than its queue: resubscribe with `after`. */
export const slowSubscriberCloseCode = 4499;

export interface App {
  yoga: ReturnType<typeof buildYoga>;
  pubsub: LivePubSub;
  server: Server;
  start(port: number, host: string): Promise<AddressInfo>;
  stop(): Promise<void>;
}

function buildYoga({
  logger,
  secret,
  pubsub,
  writeLimits = defaultWriteLimits,
  requestLimits = defaultRequestLimits,
  graphiql = true,
  development = false,
}: AppOptions & { pubsub: LivePubSub }) {
  return createYoga<object, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    context: contextFactory({ secret, writeLimits, pubsub }),
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
      ...requestLimitPlugins(requestLimits, { development }),
      useEventCursors(),
      useReadinessCheck({
        endpoint: '/health',
        check: async () => {
          try {
            await prisma.$queryRaw`SELECT 1`;
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

/** Yoga over HTTP and graphql-ws on the same path and port, sharing one envelop pipeline. */
export function buildApp(options: AppOptions): App {
  const live = options.liveLimits ?? defaultLiveLimits;
  const pubsub = options.pubsub ?? new LivePubSub(live.maxQueue);
  const resyncer = startResync(pubsub, options.resyncIntervalMs ?? 5000, options.logger.child({ component: 'live' }));
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
  const yoga = buildYoga({ ...options, pubsub });
  const { maxBodyBytes } = options.requestLimits ?? defaultRequestLimits;
  const server = createServer(limitBodySize(maxBodyBytes, yoga));

  const connectionsByIp = new Map<string, number>();
  const sockets = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: maxBodyBytes,
    // Refused before the upgrade: an origin not on the allowlist, or one address holding too many sockets.
    verifyClient: ({ origin, req }, done) => {
      if (live.allowedOrigins.length > 0 && !live.allowedOrigins.includes(origin)) return done(false, 403, 'Origin not allowed');
      if ((connectionsByIp.get(req.socket.remoteAddress ?? '') ?? 0) >= live.maxConnectionsPerIp) {
        return done(false, 429, 'Too many connections from this address');
      }
      done(true);
    },
  });
  sockets.on('connection', (socket, req) => {
    const ip = req.socket.remoteAddress ?? '';
    connectionsByIp.set(ip, (connectionsByIp.get(ip) ?? 0) + 1);
    socket.once('close', () => {
      const left = (connectionsByIp.get(ip) ?? 1) - 1;
      if (left > 0) connectionsByIp.set(ip, left);
      else connectionsByIp.delete(ip);
    });
  });

  const wsServer = useServer(
    {
      // Bad credentials close the socket at connection_init (4403), before any operation.
      onConnect: async (ctx) => {
        try {
          await viewerFromAuthorization(authorizationOf({ connectionParams: ctx.connectionParams }), options.secret);
          return true;
        } catch (error) {
          if (error instanceof AuthenticationError) return false;
          throw error;
        }
      },
      execute: (args) => (args.rootValue as Envelope).execute(args),
      subscribe: (args) => (args.rootValue as Envelope).subscribe(args),
      onSubscribe: async (ctx, id, payload) => {
        // graphql-ws has already reserved this operation's id in `subscriptions`.
        if (Object.keys(ctx.subscriptions).filter((other) => other !== id).length >= live.maxSubscriptionsPerSocket) {
          return [
            new GraphQLError(
              `This connection already runs ${live.maxSubscriptionsPerSocket} operations; end one or open another connection.`,
              {
                extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
              },
            ),
          ];
        }
        const envelope = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params: payload });
        try {
          const document = envelope.parse(payload.query);
          const errors = envelope.validate(envelope.schema, document);
          if (errors.length > 0) return errors;
          return {
            schema: envelope.schema,
            operationName: payload.operationName,
            document,
            variableValues: payload.variables,
            contextValue: {
              ...(await envelope.contextFactory()),
              onSlowSubscriber: () => ctx.extra.socket.close(slowSubscriberCloseCode, 'Too far behind: resubscribe with "after"'),
            },
            rootValue: { execute: envelope.execute, subscribe: envelope.subscribe },
          };
        } catch (error) {
          // A bad operation fails alone, not the socket and the other operations on it.
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
      },
      connectionInitWaitTimeout: live.initTimeoutMs,
    },
    sockets,
    live.keepAliveMs,
  );

  let stopping: Promise<void> | undefined;
  return {
    yoga,
    pubsub,
    server,
    start: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
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
          await resyncer.stop();
          await bus?.close();
        }
      })()),
  };
}

type Envelope = ReturnType<ReturnType<typeof buildYoga>['getEnveloped']>;
