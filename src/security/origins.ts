/**
 * One origin policy for every transport: CORS answers, Server-Sent Event streams and
 * WebSocket upgrades all follow THREADLINE_ALLOWED_ORIGINS.
 *
 * With no list, any origin may call, without credentials: Threadline authenticates with a
 * bearer token a page sends on purpose, never with a cookie a browser sends on its own. With a
 * list, a request that carries an `Origin` must come from one of them, or from this server's
 * own pages (GraphiQL): anything else is refused (403) before it reaches GraphQL, and gets no
 * CORS headers. Requests without an `Origin` (server to server, curl) are not a browser's, and
 * pass.
 */
import type { CORSOptions } from 'graphql-yoga';

/** Browsers cache a preflight for at most this long (Chromium caps it at two hours). */
const preflightMaxAgeSeconds = 7200;

export interface OriginPolicy {
  /** Whether a request (or upgrade) with this `Origin` to this `Host` may proceed. */
  allows(origin: string | null | undefined, host: string | null | undefined): boolean;
  /** Yoga's CORS options for a request. */
  cors(request: Request): CORSOptions;
}

const sameOrigin = (origin: string, host: string | null | undefined) => {
  try {
    return host != null && new URL(origin).host === host;
  } catch {
    return false;
  }
};

export function originPolicy(allowedOrigins: readonly string[]): OriginPolicy {
  const allowed = new Set(allowedOrigins);
  const allows = (origin: string | null | undefined, host: string | null | undefined) =>
    origin == null || origin === '' || allowed.size === 0 || allowed.has(origin) || sameOrigin(origin, host);
  return {
    allows,
    cors(request) {
      const origin = request.headers.get('origin');
      if (!origin || !allows(origin, request.headers.get('host'))) return false;
      return {
        origin: allowed.size === 0 ? '*' : origin,
        credentials: false,
        methods: ['GET', 'POST', 'OPTIONS'],
        exposedHeaders: ['Retry-After'],
        maxAge: preflightMaxAgeSeconds,
      };
    },
  };
}
