import type { Plugin } from 'graphql-yoga';

type OnRequest = Parameters<NonNullable<Plugin['onRequest']>>[0];
/** Small pieces for the pages the server renders itself (src/http/demo.ts, src/http/thread-page.ts). */

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe in HTML text and in quoted attribute values. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => entities[character]!);

/** Plain text as paragraphs (blank lines) with line breaks, escaped. */
export const textParagraphs = (text: string) =>
  text
    .split(/\n[ \t]*\n+/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '')
    .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`)
    .join('\n');

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
