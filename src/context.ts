import { GraphQLError } from 'graphql';
import { AuthenticationError, type Secret, type Viewer, viewerFromAuthorization } from './auth.js';
import type { WriteLimits } from './config.js';
import type { Database } from './db.js';
import type { LiveEvent } from './domain/events.js';
import type { LiveGroups } from './live/groups.js';
import { type Outlet, StreamOutlet } from './live/outlets.js';
import type { LivePubSub } from './live/pubsub.js';

/** What every resolver gets, for HTTP and WebSocket alike. */
export interface Context {
  /**
   * The database this app was built on. On the context, not a shared module, so that several
   * apps on several databases can live in one process (tests, tools); plugin-prisma takes its
   * client from here (`client: (ctx) => ctx.db.reader`).
   */
  db: Database;
  /** The signed-in author from the bearer token; null for anonymous (read-only) requests. */
  viewer: Viewer | null;
  writeLimits: WriteLimits;
  /** Where writes publish their committed events and subscriptions listen. */
  pubsub: LivePubSub;
  /** Set by a transport that can end a connection: called when a subscriber falls too far behind. */
  onSlowSubscriber?: () => void;
  /** An SSE client's `Last-Event-ID`: where a reconnecting EventSource resumes. */
  lastEventId?: string;
  /** The cursor of the event a subscription is delivering now (one subscription per SSE request). */
  liveCursor?: string;
  /** How the request came: over HTTP (queries, mutations, Server-Sent Events) or a WebSocket. */
  transport?: 'http' | 'ws';
  /** Subscribers sharing answers (src/live/groups.ts). */
  liveGroups?: LiveGroups;
  /** Where a grouped subscription's shared answers are written: its socket or its event stream. */
  outlet?: Outlet;
  /** Set on a group's own execution: the events its subscription field answers. */
  liveSource?: AsyncIterableIterator<LiveEvent>;
}

/** Each Server-Sent Event request's outlet, found again by the response (src/live/sse.ts). */
export const streamOutlets = new WeakMap<Request, StreamOutlet>();

const asksForEventStream = (request: Request) => (request.headers.get('accept') ?? '').includes('text/event-stream');

/** What Yoga hands the factory: the HTTP request, or graphql-ws's connection_init payload. */
export interface InitialContext {
  request?: Request;
  connectionParams?: Readonly<Record<string, unknown>>;
}

export function authorizationOf({ request, connectionParams }: InitialContext): string | null {
  const header = request?.headers.get('authorization');
  if (header) return header;
  const param = connectionParams?.authorization ?? connectionParams?.Authorization;
  return typeof param === 'string' ? param : null;
}

export function contextFactory({
  db,
  secret,
  writeLimits,
  pubsub,
  liveGroups,
}: {
  db: Database;
  secret: Secret;
  writeLimits: WriteLimits;
  pubsub: LivePubSub;
  liveGroups?: LiveGroups;
}) {
  return async (initial: InitialContext): Promise<Context> => {
    try {
      const { request } = initial;
      const lastEventId = request?.headers.get('last-event-id') ?? undefined;
      const context: Context = {
        db,
        viewer: await viewerFromAuthorization(authorizationOf(initial), secret),
        writeLimits,
        pubsub,
        lastEventId,
        transport: request ? 'http' : 'ws',
        liveGroups,
      };
      if (request && asksForEventStream(request)) {
        const outlet = new StreamOutlet(pubsub.maxQueue, context.viewer?.expiresAt);
        streamOutlets.set(request, outlet);
        context.outlet = outlet;
      }
      return context;
    } catch (error) {
      if (error instanceof AuthenticationError) {
        throw new GraphQLError(error.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
      }
      throw error;
    }
  };
}
