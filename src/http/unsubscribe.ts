/**
 * `/notifications/unsubscribe?author=<id>&sig=<signature>`: the one-click unsubscribe that
 * every reply and quote email links to (RFC 8058). The signature is the proof; no sign-in.
 *
 * A GET only shows a button: mail scanners and link previews fetch links, and must not
 * unsubscribe anyone. A POST unsubscribes: the mail client's one-click
 * (`List-Unsubscribe=One-Click`) or the button's form. Answered before anything GraphQL.
 */
import type { Plugin } from 'graphql-yoga';
import type { Database } from '../db.js';
import { verifyUnsubscribe } from '../notify/mail.js';
import { escapeHtml } from './html.js';

export const unsubscribePathname = '/notifications/unsubscribe';

const headers = {
  'content-type': 'text/html; charset=utf-8',
  // The form posts back here; nothing else runs or loads.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}button{font:inherit;padding:.5rem 1rem}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>
${body}
</main></body>
</html>
`;

/** Small form bodies only: a one-click POST is `List-Unsubscribe=One-Click`. */
const maxBodyBytes = 1024;

export function useUnsubscribe(db: Database, key: Buffer): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== unsubscribePathname) return;
      const answer = (status: number, title: string, body: string, extra: Record<string, string> = {}) =>
        endResponse(new fetchAPI.Response(page(title, body), { status, headers: { ...headers, ...extra } }));
      if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'POST') {
        return answer(405, 'Not allowed', '<p>Open the link from your email.</p>', { allow: 'GET, POST' });
      }
      const authorId = verifyUnsubscribe(key, url.searchParams.get('author'), url.searchParams.get('sig'));
      if (authorId === null) {
        return answer(400, 'This link is not valid', '<p>Open the unsubscribe link from one of your emails, as it was sent.</p>');
      }
      if (request.method !== 'POST') {
        const action = `${unsubscribePathname}?${url.searchParams.toString()}`;
        return answer(
          200,
          'Stop reply and quote emails',
          `<p>You will no longer get an email when someone replies to or quotes your comments.</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
        );
      }
      const text = await request.text().catch(() => '');
      if (text.length > maxBodyBytes) return answer(413, 'Too large', '<p>The request is too large.</p>');
      await db.writer.notificationPreference.updateMany({ where: { authorId }, data: { replies: false, quotes: false } });
      // Waiting ones too: they were asked for under the old choice.
      await db.writer.emailNotification.deleteMany({ where: { recipientId: authorId, sentAt: null } });
      return answer(
        200,
        'You are unsubscribed',
        '<p>You will get no more reply or quote emails. You can turn them on again in your settings.</p>',
      );
    },
  };
}
