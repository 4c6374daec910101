import { PothosError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError, type YogaServerOptions } from 'graphql-yoga';
import { ThreadlineError } from './domain/errors.js';

type MaskError = NonNullable<Exclude<YogaServerOptions<object, object>['maskedErrors'], boolean | undefined>['maskError']>;

/**
 * Prisma's codes for a database it cannot reach (P1001), that timed out or dropped the
 * connection (P1002, P1008, P1017), whose pool or transaction slot did not free up in time
 * (P2024, P2028), or that refused more connections (P2037).
 */
const unavailableCodes = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2037']);
/** The same, as the drivers word it: PostgreSQL down or restarting, or SQLite's lock held past our retries. */
const unavailableMessage =
  /Can't reach database server|ECONNREFUSED|ECONNRESET|Connection terminated|connection is closed|terminating connection|the database system is (starting up|shutting down|in recovery mode)|timeout exceeded when trying to connect|DatabaseNotReachable|ConnectionClosed|\b(57P0[1-3]|0800[1-6]|53300)\b|SQLITE_BUSY|database is locked/i;

/**
 * Errors from the database layer: Prisma's, a driver adapter's, a driver's (pg's carry a
 * severity), or a socket's. Only these are read: a GraphQLError's message may quote input.
 */
const fromDatabaseLayer = (error: Error) =>
  /^(PrismaClient|DriverAdapterError)/.test(error.constructor.name) ||
  typeof (error as { severity?: unknown }).severity === 'string' ||
  typeof (error as { syscall?: unknown }).syscall === 'string';

/** Whether `error`, or an error it wraps, says the database cannot be used right now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof GraphQLError) {
      current = current.originalError;
      if (!(current instanceof Error)) return false;
    }
    if (!fromDatabaseLayer(current)) continue;
    const { code, meta } = current as { code?: unknown; meta?: unknown };
    if (typeof code === 'string' && unavailableCodes.has(code)) return true;
    if (unavailableMessage.test(`${current.message} ${meta === undefined ? '' : JSON.stringify(meta)}`)) return true;
  }
  return false;
}

/**
 * Pothos rejects bad client input (a malformed global ID, a negative `first`) with its own
 * errors; give them the code clients switch on. Our own errors outside a mutation's payload
 * union (a query or a subscription a viewer's role does not allow) keep their message and
 * code. Everything else goes through Yoga's masking.
 */
export const maskError: MaskError = (error, message, isDev) => {
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  if (error instanceof GraphQLError && original instanceof ThreadlineError) {
    return new GraphQLError(original.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: { code: original.code },
    });
  }
  if (error instanceof GraphQLError && original instanceof PothosError) {
    return new GraphQLError(original.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: { ...original.extensions, code: 'BAD_USER_INPUT' },
    });
  }
  // The database is down or restarting: nothing about the request was wrong, and the same
  // request will work once it is back. Say so, with a code clients can retry on.
  if (isDatabaseUnavailable(original ?? error)) {
    return new GraphQLError('The database is unavailable for the moment; retry shortly.', {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, http: { status: 503, headers: { 'retry-after': '1' } } },
    });
  }
  return yogaMaskError(error, message, isDev);
};
