import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useServer } from 'graphql-ws/use/ws';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, useReadinessCheck } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { createContext } from './context.js';
import { prisma } from './db.js';
import { maskError } from './errors.js';
import type { Logger } from './logger.js';
import { schema } from './schema/index.js';

export interface AppOptions {
  logger: Logger;
  /** Shows GraphiQL at /graphql in a browser. */
  graphiql?: boolean;
}

export interface App {
  yoga: ReturnType<typeof buildYoga>;
  server: Server;
  start(port: number, host: string): Promise<AddressInfo>;
  stop(): Promise<void>;
}

function buildYoga({ logger, graphiql = true }: AppOptions) {
  return createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    context: createContext,
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
  const yoga = buildYoga(options);
  const server = createServer(yoga);
  const sockets = new WebSocketServer({ server, path: yoga.graphqlEndpoint });

  const wsServer = useServer(
    {
      execute: (args) => (args.rootValue as Envelope).execute(args),
      subscribe: (args) => (args.rootValue as Envelope).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const envelope = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params: payload });
        const args = {
          schema: envelope.schema,
          operationName: payload.operationName,
          document: envelope.parse(payload.query),
          variableValues: payload.variables,
          contextValue: await envelope.contextFactory(),
          rootValue: { execute: envelope.execute, subscribe: envelope.subscribe },
        };
        const errors = envelope.validate(args.schema, args.document);
        return errors.length > 0 ? errors : args;
      },
    },
    sockets,
  );

  return {
    yoga,
    server,
    start: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    stop: async () => {
      await wsServer.dispose();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await yoga.dispose();
    },
  };
}

type Envelope = ReturnType<ReturnType<typeof buildYoga>['getEnveloped']>;
