/**
 * `GET /demo/<slug>`: an article page with `<threadline-comments>` on it, as a site would set it
 * up: the widget's module script, and the server-rendered thread inside the element (the widget
 * takes it over). Outside production the page also has a "sign in as" picker, backed by
 * `POST /demo/sign-in`, which signs an author's token for any handle: a stand-in for the host
 * site's sign-in, so that anyone trying the server can post. Only on a development set-up
 * (src/server.ts: not production, no configured secret, loopback only); elsewhere neither exists
 * (404): a token that anyone can mint would let anyone write as anyone.
 */
import { randomBytes } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { type Secret, signToken } from '../auth.js';
import { siteHandlePattern } from '../domain/authors.js';
import { unacceptableName } from '../domain/text.js';
import { renderBodyHtml } from '../domain/render.js';
import { escapeHtml, pageRendering } from './html.js';
import { threadFragment } from './thread-page.js';

const demoPath = /^\/demo\/([a-z0-9][a-z0-9-]{0,199})$/;
const signInPath = '/demo/sign-in';
const maxSignInBytes = 1024;
const maxDemoName = 100;

interface DemoArticle {
  slug: string;
  title: string;
  body: string;
  publishedAt: string | null;
  author: { name: string };
}

const articleQuery = 'query DemoArticle($slug: String!) { article(slug: $slug) { slug title body publishedAt author { name } } }';

export interface DemoOptions {
  /** The "sign in as" picker and its endpoint: never in production. */
  signIn: boolean;
  secret: Secret;
}

const page = (title: string, nonce: string, main: string, picker: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font: 17px/1.55 system-ui, sans-serif; color: #1f2328; max-width: 46rem; margin: 0 auto; padding: 0 1rem 4rem; }
.site { display: flex; flex-wrap: wrap; gap: 1rem; justify-content: space-between; align-items: center; border-bottom: 1px solid #d0d7de; padding: .75rem 0; margin-bottom: 1.5rem; }
.site p { margin: 0; font-weight: 700; }
.sign-in { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; font-size: .9rem; }
.sign-in input { font: inherit; padding: .2rem .4rem; width: 9rem; }
.sign-in button { font: inherit; }
.byline { color: #57606a; }
threadline-comments { margin-top: 3rem; border-top: 1px solid #d0d7de; padding-top: 1.5rem; }
</style>
<script type="module" src="/widget.js"></script>
</head>
<body>
<header class="site"><p>Threadline demo</p>${picker}</header>
<main>${main}</main>
${picker ? `<script type="module" nonce="${nonce}">${pickerScript}</script>` : ''}
</body>
</html>
`;

const picker = `<form class="sign-in" id="sign-in" aria-label="Sign in for this demo">
<label for="demo-handle">Sign in as</label>
<input id="demo-handle" name="handle" required pattern="[a-z0-9._\\-]{1,40}" placeholder="handle" autocomplete="off">
<label for="demo-name">Name</label>
<input id="demo-name" name="name" required maxlength="${maxDemoName}" placeholder="Your name" autocomplete="off">
<button type="submit">Sign in</button>
<button type="button" id="sign-out" hidden>Sign out</button>
<output id="signed-in" aria-live="polite"></output>
</form>`;

// Runs in the page: keeps the demo token for the tab and hands it to the widget.
const pickerScript = `
const form = document.getElementById('sign-in');
const out = document.getElementById('signed-in');
const signOut = document.getElementById('sign-out');
const widget = document.querySelector('threadline-comments');
const use = (token, handle) => {
  widget.token = token;
  out.textContent = token ? 'Signed in as ' + handle : '';
  signOut.hidden = !token;
};
const kept = JSON.parse(sessionStorage.getItem('threadline-demo') || 'null');
if (kept) use(kept.token, kept.handle);
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const handle = form.handle.value.trim();
  const response = await fetch('${signInPath}', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle, name: form.name.value.trim() }) });
  const answer = await response.json();
  if (!response.ok) { out.textContent = answer.error; return; }
  sessionStorage.setItem('threadline-demo', JSON.stringify({ token: answer.token, handle }));
  use(answer.token, handle);
});
signOut.addEventListener('click', () => { sessionStorage.removeItem('threadline-demo'); use(null, ''); });
`;

/** `?page-size=N` (1 to 100) passes on to the widget: to try its paging on a short thread. */
function pageSizeAttribute(url: URL): string {
  const size = Number(url.searchParams.get('page-size'));
  return Number.isInteger(size) && size >= 1 && size <= 100 ? ` page-size="${size}"` : '';
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });

async function signIn(request: Request, secret: Secret): Promise<Response> {
  // A form or a text/plain post from another site would be sent without a CORS preflight; JSON is not.
  if (!request.headers.get('content-type')?.startsWith('application/json')) return json(415, { error: 'Send JSON.' });
  const text = await request.text();
  if (text.length > maxSignInBytes) return json(413, { error: 'Too long.' });
  let input: { handle?: unknown; name?: unknown };
  try {
    input = JSON.parse(text) as typeof input;
  } catch {
    return json(400, { error: 'Send {"handle": …, "name": …} as JSON.' });
  }
  const handle = typeof input?.handle === 'string' ? input.handle : '';
  const name = typeof input?.name === 'string' ? input.name.trim() : '';
  if (!siteHandlePattern.test(handle)) return json(400, { error: 'A handle is lowercase letters, digits, ".", "_" or "-".' });
  if (name === '') return json(400, { error: `A name is 1 to ${maxDemoName} characters.` });
  const problem = unacceptableName(name, maxDemoName);
  if (problem) return json(400, { error: `The name ${problem}` });
  const token = await signToken({ handle, name, role: 'AUTHOR', expiresAt: new Date() }, secret, '1d');
  return json(200, { token });
}

export function useDemo(options: DemoOptions): Plugin {
  const rendering = pageRendering('demo page');
  return {
    onYogaInit: rendering.onYogaInit,
    async onRequest({ request, url, endResponse, requestHandler, serverContext, fetchAPI }) {
      if (options.signIn && url.pathname === signInPath) {
        endResponse(request.method === 'POST' ? await signIn(request, options.secret) : json(405, { error: 'POST only.' }));
        return;
      }
      const slug = demoPath.exec(url.pathname)?.[1];
      if (!slug || slug === 'sign-in') return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      const read = rendering.read({ request, requestHandler, serverContext, fetchAPI });
      let article: DemoArticle | null | undefined;
      let fragment: string | null;
      try {
        const [answer, thread] = await Promise.all([
          read<{ article: DemoArticle | null }>(articleQuery, { slug }),
          threadFragment(read, slug, url.origin),
        ]);
        article = answer.data?.article;
        fragment = thread;
      } catch (error) {
        // Thrown out of onRequest, the error would reach the reader with its stack.
        rendering.logError(error);
        endResponse(
          new Response('The demo page could not be rendered; try again in a moment.', {
            status: 503,
            headers: { 'content-type': 'text/plain; charset=utf-8' },
          }),
        );
        return;
      }
      const nonce = randomBytes(16).toString('base64');
      const headers = {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
      };
      if (!article || fragment === null) {
        const main = '<h1>Not found</h1><p>There is no published article with this address.</p>';
        endResponse(new Response(page('Not found', nonce, main, ''), { status: 404, headers }));
        return;
      }
      const published = article.publishedAt
        ? ` · <time datetime="${escapeHtml(article.publishedAt)}">${escapeHtml(new Date(article.publishedAt).toUTCString().slice(0, 16))}</time>`
        : '';
      const main =
        `<article><h1>${escapeHtml(article.title)}</h1><p class="byline">By ${escapeHtml(article.author.name)}${published}</p>` +
        `${renderBodyHtml(article.body)}</article>` +
        `<threadline-comments article="${escapeHtml(article.slug)}"${pageSizeAttribute(url)}>${fragment}</threadline-comments>`;
      const body = page(`${article.title} · Threadline demo`, nonce, main, options.signIn ? picker : '');
      endResponse(new Response(request.method === 'HEAD' ? null : body, { headers }));
    },
  };
}
