/**
 * An Akismet-compatible spam checker (issue 14, item 6): `POST <url>/1.1/comment-check` with
 * the comment as a form, answered `true` (spam) or `false`. Akismet's own service and the
 * services that speak its API (self-hosted ones included) answer the same way.
 *
 * A check never decides against the writer by failing: an error, an answer other than `true`
 * or `false`, or no answer within the timeout is UNKNOWN, and the caller holds the comment for
 * a moderator (never publishes it unchecked, never loses it). It runs outside any transaction.
 */

export interface SpamCheckInput {
  /** The site the comment is on (Akismet's `blog`). */
  site: string;
  /** Where the comment will be read (`permalink`). */
  permalink: string;
  authorName: string;
  authorEmail?: string | null;
  body: string;
  /** The writer's address and browser, when the request had them. */
  userIp?: string | null;
  userAgent?: string | null;
}

/** A checker's answer; `detail` says what made it SPAM, when the checker knows. */
export type SpamVerdict =
  | { verdict: 'HAM' }
  | { verdict: 'SPAM'; discard: boolean; detail?: string }
  | { verdict: 'UNKNOWN'; reason: string };

export interface SpamChecker {
  /** How verdicts name it ("akismet", "builtin"). */
  readonly name?: string;
  check(input: SpamCheckInput): Promise<SpamVerdict>;
}

export interface AkismetOptions {
  /** The service's base URL (`THREADLINE_AKISMET_URL`), e.g. https://rest.akismet.com. */
  url: string;
  /** `THREADLINE_AKISMET_KEY`. */
  key: string;
  timeoutMs?: number;
}

/** Answers longer than this are not Akismet's: read no further. */
const maxAnswerBytes = 1024;

export function akismetChecker({ url, key, timeoutMs = 3000 }: AkismetOptions): SpamChecker {
  const endpoint = new URL('1.1/comment-check', url.endsWith('/') ? url : `${url}/`);
  return {
    name: 'akismet',
    async check(input) {
      const form = new URLSearchParams({
        api_key: key,
        blog: input.site,
        permalink: input.permalink,
        comment_type: 'comment',
        comment_author: input.authorName,
        comment_content: input.body,
        user_ip: input.userIp ?? '',
        user_agent: input.userAgent ?? '',
      });
      if (input.authorEmail) form.set('comment_author_email', input.authorEmail);
      let response: Response;
      try {
        response = await fetch(endpoint, { method: 'POST', body: form, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        return { verdict: 'UNKNOWN', reason: timedOut ? `no answer within ${timeoutMs} ms` : 'the checker could not be reached' };
      }
      let answer: string;
      try {
        answer = (await readCapped(response, maxAnswerBytes)).trim();
      } catch {
        return { verdict: 'UNKNOWN', reason: `no answer within ${timeoutMs} ms` };
      }
      if (!response.ok) return { verdict: 'UNKNOWN', reason: `the checker answered ${response.status}` };
      if (answer === 'false') return { verdict: 'HAM' };
      if (answer === 'true') return { verdict: 'SPAM', discard: response.headers.get('x-akismet-pro-tip') === 'discard' };
      const help = response.headers.get('x-akismet-debug-help');
      return { verdict: 'UNKNOWN', reason: `the checker answered "${answer.slice(0, 40)}"${help ? ` (${help.slice(0, 200)})` : ''}` };
    },
  };
}

async function readCapped(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(size, limit));
}
