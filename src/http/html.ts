import type { Plugin } from 'graphql-yoga';

type OnRequest = Parameters<NonNullable<Plugin['onRequest']>>[0];
/** Small pieces for the pages the server renders itself (src/http/demo.ts, src/http/thread-page.ts). */

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe in HTML text and in quoted attribute values. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => entities[character]!);

/** Whether an `If-None-Match` header names `etag` (weakly compared, as RFC 9110 has it for GET and HEAD). */
export function matchesEtag(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** A GraphQL read as the public makes it, through the app's own pipeline (its limits, cache and masking); `text` is the answer's bytes. */
export type ReadGraphQL = <T = unknown>(
  query: string,
  variables: Record<string, unknown>,
) => Promise<{ data?: T | null; errors?: unknown[]; text: string }>;

/**
 * Reads through Yoga's own request handler, from a plugin's `onRequest`: anonymous whoever
 * asked for the page (a moderator's page would show what readers may not see), in a request
 * and context of its own.
 */
export function publicRead(
  { request, requestHandler, serverContext, fetchAPI }: Pick<OnRequest, 'request' | 'requestHandler' | 'serverContext' | 'fetchAPI'>,
  graphqlEndpoint: string,
): ReadGraphQL {
  return async (query, variables) => {
    const internal = new fetchAPI.Request(new URL(graphqlEndpoint, 'http://localhost'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
      // A reader who goes away stops the read.
      signal: request.signal,
    });
    const response = await requestHandler(internal, { waitUntil: serverContext.waitUntil });
    const text = await response.text();
    try {
      return { ...(JSON.parse(text) as { data?: never; errors?: unknown[] }), text };
    } catch {
      return { errors: [{ message: `not JSON (${response.status})` }], text };
    }
  };
}

/**
 * What a plugin that renders pages learns from Yoga when it starts: where GraphQL is served
 * (for its public reads) and the logger (for what went wrong, which the reader is not shown).
 */
export function pageRendering(what: string) {
  let graphqlEndpoint = '/graphql';
  let log: (error: unknown) => void = () => {};
  return {
    onYogaInit: ({ yoga }: Parameters<NonNullable<Plugin['onYogaInit']>>[0]) => {
      graphqlEndpoint = yoga.graphqlEndpoint;
      log = (error) => yoga.logger.error(`${what}: could not render`, error);
    },
    read: (payload: Pick<OnRequest, 'request' | 'requestHandler' | 'serverContext' | 'fetchAPI'>) => publicRead(payload, graphqlEndpoint),
    logError: (error: unknown) => log(error),
  };
}
