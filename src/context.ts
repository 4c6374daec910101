import { GraphQLError } from 'graphql';
import { AuthenticationError, type Secret, type Viewer, viewerFromAuthorization } from './auth.js';
import type { WriteLimits } from './config.js';
import type { Database } from './db.js';
import type { LiveEvent } from './domain/events.js';
import type { LiveGroups } from './live/groups.js';
import type { ModerationFeed } from './live/moderation-feed.js';
import { type Outlet, StreamOutlet } from './live/outlets.js';
import type { LivePubSub } from './live/pubsub.js';
import type { SpamChecker } from './moderation/akismet.js';
import type { ReactionAnnouncer } from './live/reaction-announcer.js';
import { defaultReactionKinds } from './domain/reactions.js';
import { WindowLimiter } from './security/rate.js';

/** How comments are moderated beyond the rules in the database (issue 14). */
export interface ModerationOptions {
  /** Open reports that send a published comment back to review (`THREADLINE_REPORTS_TO_HOLD`). */
  reportsToHold: number;
  /** Asked about a new comment when the rules hold what spam checkers flag. */
  spamCheckers: readonly SpamChecker[];
  /** How long the checkers may take together; past it the comment is held. */
  spamTimeoutMs: number;
}

export const defaultModeration: ModerationOptions = { reportsToHold: 3, spamCheckers: [], spamTimeoutMs: 3000 };

/** Reactions (issue 15): the site's kinds, and what keeps one reader's clicks from flooding the writer. */
export interface Engagement {
  reactionKinds: readonly string[];
  /** Reactions and their withdrawals per author, in this process. */
  reactionLimiter: WindowLimiter;
  /** Tells live subscribers of reaction changes, coalesced; absent where nobody listens (tools). */
  announcer?: ReactionAnnouncer;
  /** THREADLINE_WEBHOOK_ALLOW_PRIVATE: webhooks may point at private and loopback addresses. */
  allowPrivateWebhooks: boolean;
  /** Hands the outbox on; woken after each write here. Absent where no worker runs. */
  worker?: { wake(): void };
}

/** 60 reactions or withdrawals a minute per author: far beyond a reader's clicks. */
export const newReactionLimiter = () => new WindowLimiter(60, 60_000);

export const defaultEngagement = (): Engagement => ({
  reactionKinds: defaultReactionKinds,
  reactionLimiter: newReactionLimiter(),
  allowPrivateWebhooks: false,
});

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
  moderation: ModerationOptions;
  engagement: Engagement;
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
  /** The moderation log as it grows, for moderators' live feed (src/live/moderation-feed.ts). */
  moderationFeed?: ModerationFeed;
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
  moderation = defaultModeration,
  engagement = defaultEngagement(),
  pubsub,
  liveGroups,
  moderationFeed,
}: {
  db: Database;
  secret: Secret;
  writeLimits: WriteLimits;
  moderation?: ModerationOptions;
  engagement?: Engagement;
  pubsub: LivePubSub;
  liveGroups?: LiveGroups;
  moderationFeed?: ModerationFeed;
}) {
  return async (initial: InitialContext): Promise<Context> => {
    try {
      const { request } = initial;
      const lastEventId = request?.headers.get('last-event-id') ?? undefined;
      const context: Context = {
        db,
        viewer: await viewerFromAuthorization(authorizationOf(initial), secret),
        writeLimits,
        moderation,
        engagement,
        pubsub,
        lastEventId,
        transport: request ? 'http' : 'ws',
        liveGroups,
        moderationFeed,
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

const viewerAuthorIds = new WeakMap<Context, Promise<number | null>>();

/**
 * The signed-in viewer's Author row id, read once per context when something needs it (an
 * author's own unpublished comments show to them); null for an anonymous viewer or one who has
 * not written yet. Known once the row exists: a write that creates it records it here.
 */
export function viewerAuthorId(context: Context): Promise<number | null> {
  let id = viewerAuthorIds.get(context);
  if (!id) {
    const handle = context.viewer?.handle;
    id =
      handle === undefined
        ? Promise.resolve(null)
        : context.db.reader.author.findUnique({ where: { handle }, select: { id: true } }).then((row) => row?.id ?? null);
    viewerAuthorIds.set(context, id);
    // Not known yet: ask again next time (the viewer's first write may create the row).
    id.then((found) => found === null && viewerAuthorIds.get(context) === id && viewerAuthorIds.delete(context));
  }
  return id;
}
