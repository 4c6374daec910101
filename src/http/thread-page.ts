/**
 * `GET /articles/<slug>/comments`: an article's thread as server-rendered HTML, for readers
 * without JavaScript and for search engines; `?fragment` answers only the `<section>` a host
 * site puts inside `<threadline-comments>` (the widget takes it over when it loads).
 *
 * The thread is read as an anonymous reader through the app's own GraphQL pipeline, so what a
 * page shows is what the public API answers: drafts and scheduled articles do not exist,
 * hidden comments are deleted, the request limits hold and the response cache serves it. The
 * page is a function of that answer's bytes, its form and `rendererVersion`, and its strong
 * ETag is derived from exactly those: a new comment changes the answer, and so the ETag.
 */
import { createHash } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { escapeHtml, matchesEtag, pageRendering, type ReadGraphQL } from './html.js';

/** Changes whenever the same answer would render other bytes, so that no cached copy outlives it. */
const rendererVersion = 1;

const threadPath = /^\/articles\/([^/]+)\/comments$/;

/**
 * Pages of 200 (most threads in one); a page heavier than the response budget (200 comments
 * near the length limit) is read again in smaller pages, whose cursors are the same. The size
 * that fitted is remembered per article (a few thousand articles), so that the next reader's
 * request does not pay for the read that did not fit, and is served from the response cache.
 */
const pageSizes = [200, 50, 10];
const rememberedArticles = 5000;

/** Per article slug, the page size that last fitted, when it was not the first (one per app). */
type FittingSizes = Map<string, number>;

function rememberFit(memory: FittingSizes, slug: string, size: number): void {
  memory.delete(slug);
  if (size === pageSizes[0]) return;
  if (memory.size >= rememberedArticles) memory.delete(memory.keys().next().value!);
  memory.set(slug, size);
}

const threadQuery = `query ThreadPage($slug: String!, $first: Int!, $after: String) {
  article(slug: $slug) {
    slug
    title
    publishedAt
    commentCount
    pinnedComments { ...ThreadPageComment }
    thread(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { ...ThreadPageComment } }
    }
  }
}
fragment ThreadPageComment on Comment { id number depth body bodyHtml createdAt editedAt isDeleted author { name } parent { id number } }`;

interface ThreadComment {
  id: string;
  number: number;
  depth: number;
  body: string;
  bodyHtml: string;
  createdAt: string;
  editedAt: string | null;
  isDeleted: boolean;
  author: { name: string };
  parent: { id: string; number: number } | null;
}

interface ThreadArticle {
  slug: string;
  title: string;
  publishedAt: string | null;
  commentCount: number;
  /** Shown first, on the first page; elsewhere in the thread their replies link back to them. */
  pinnedComments: ThreadComment[];
  thread: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: ThreadComment }[] };
}

type Answer = Awaited<ReturnType<ReadGraphQL>>;
type Form = 'page' | 'fragment';

const codesOf = (errors: unknown[] | undefined) =>
  (errors ?? []).map((error) => (error as { extensions?: { code?: unknown } } | null)?.extensions?.code);

type Outcome =
  | { kind: 'found'; article: ThreadArticle }
  | { kind: 'not-found' }
  | { kind: 'bad-cursor' }
  | { kind: 'unavailable' }
  | { kind: 'failed' };

/** What an answer means for the page; `after` is the only input a link carries besides the slug. */
function outcomeOf(answer: Answer, after: string | null): Outcome {
  const codes = codesOf(answer.errors);
  if (codes.includes('BAD_USER_INPUT')) return { kind: after === null ? 'not-found' : 'bad-cursor' };
  if (codes.includes('SERVER_BUSY') || codes.includes('SERVICE_UNAVAILABLE')) return { kind: 'unavailable' };
  if (codes.length > 0) return { kind: 'failed' };
  const article = (answer.data as { article?: ThreadArticle | null } | null | undefined)?.article;
  return article ? { kind: 'found', article } : { kind: 'not-found' };
}

/** Reads a page, in a smaller page when the full one is over the response budget. */
async function readPage<A extends Answer>(
  ask: (variables: Record<string, unknown>) => Promise<A>,
  slug: string,
  after: string | null,
  memory: FittingSizes,
) {
  let answer: A | undefined;
  const remembered = memory.get(slug);
  for (const first of remembered === undefined ? pageSizes : pageSizes.filter((size) => size <= remembered)) {
    answer = await ask({ slug, first, after });
    if (!codesOf(answer.errors).includes('RESPONSE_TOO_LARGE')) {
      if (!answer.errors?.length) rememberFit(memory, slug, first);
      break;
    }
  }
  return answer!;
}

/** 2024-03-12 14:05 UTC: the same bytes on every instance, whatever its locale data. */
const readableTime = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

const pagePath = (slug: string) => `/articles/${encodeURIComponent(slug)}/comments`;

function commentHtml(comment: ThreadComment, pinned = false): string {
  const { number } = comment;
  const nameId = `comment-${number}-author`;
  const parts = [
    `<strong class="author" id="${nameId}">${comment.isDeleted ? 'Deleted comment' : escapeHtml(comment.author.name)}</strong>`,
    `<a class="permalink" href="#comment-${number}" aria-label="Link to comment ${number}">#${number}</a>`,
    `<time datetime="${escapeHtml(comment.createdAt)}">${escapeHtml(readableTime(comment.createdAt))}</time>`,
  ];
  if (comment.editedAt && !comment.isDeleted) parts.push('<span class="edited">(edited)</span>');
  if (pinned) parts.push('<span class="pinned">Pinned</span>');
  if (comment.parent) {
    parts.push(`<span class="reply-to">in reply to <a href="#comment-${comment.parent.number}">#${comment.parent.number}</a></span>`);
  }
  // bodyHtml is sanitised by the server (src/domain/render.ts) for exactly this use.
  const body = comment.isDeleted ? '<p>This comment was deleted.</p>' : comment.bodyHtml;
  return (
    `<article id="comment-${number}" class="threadline-comment${comment.isDeleted ? ' deleted' : ''}" ` +
    `data-comment-id="${escapeHtml(comment.id)}" data-depth="${comment.depth}" aria-labelledby="${nameId}">` +
    `<header>${parts.join(' ')}</header><div class="body">${body}</div></article>`
  );
}

/**
 * The page's comments as nested lists. The page is depth-first, so a comment's parent, when it
 * is on the page, is the last comment still open; a reply whose parent is on an earlier page
 * starts at the top level, with its "in reply to" link.
 */
function commentLists(comments: readonly ThreadComment[], headingId: string): string {
  let html = `<ol class="comments" aria-labelledby="${headingId}">`;
  const open: { id: string; number: number; hasReplies: boolean }[] = [];
  const close = (item: { hasReplies: boolean }) => `${item.hasReplies ? '</ol>' : ''}</li>`;
  for (const comment of comments) {
    while (open.length > 0 && open[open.length - 1]!.id !== comment.parent?.id) html += close(open.pop()!);
    const parent = open[open.length - 1];
    if (parent && !parent.hasReplies) {
      html += `<ol class="replies" aria-label="Replies to comment ${parent.number}">`;
      parent.hasReplies = true;
    }
    html += `<li>${commentHtml(comment)}`;
    open.push({ id: comment.id, number: comment.number, hasReplies: false });
  }
  while (open.length > 0) html += close(open.pop()!);
  return `${html}</ol>`;
}

/** Text for inside a `<script>` element: nothing in it can end the element or break a line. */
const scriptSafeJson = (value: unknown) =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * schema.org data. `Article`, not `DiscussionForumPosting`: the comments belong to an article
 * its site published, which is what Article with `comment` describes; DiscussionForumPosting is
 * for a thread that readers start. `@id`s are relative, so they name the `comment-N` element in
 * whichever document holds them (this page, or a host page that includes the fragment).
 */
function jsonLd(article: ThreadArticle, shown: readonly ThreadComment[]): string {
  const comments = shown
    .filter((comment) => !comment.isDeleted)
    .map((comment) => ({
      '@type': 'Comment',
      '@id': `#comment-${comment.number}`,
      text: comment.body,
      dateCreated: comment.createdAt,
      ...(comment.editedAt ? { dateModified: comment.editedAt } : {}),
      author: { '@type': 'Person', name: comment.author.name },
      ...(comment.parent ? { parentItem: { '@id': `#comment-${comment.parent.number}` } } : {}),
    }));
  const data = {
    '@context': 'https://schema.org',
    '@type': 'Article',
    headline: article.title,
    ...(article.publishedAt ? { datePublished: article.publishedAt } : {}),
    commentCount: article.commentCount,
    comment: comments,
  };
  return `<script type="application/ld+json">${scriptSafeJson(data)}</script>`;
}

function threadSection(article: ThreadArticle, form: Form, after: string | null, origin: string): string {
  const slug = escapeHtml(article.slug);
  const headingId = `threadline-${slug}-heading`;
  const heading = form === 'page' ? 'h1' : 'h2';
  const count = article.commentCount === 1 ? '1 comment' : `${article.commentCount} comments`;
  // Pinned comments show first, once: on the first page, above the thread, which leaves them out.
  const pinned = after === null ? article.pinnedComments : [];
  const pinnedNumbers = new Set(article.pinnedComments.map((comment) => comment.number));
  const comments = article.thread.edges.map(({ node }) => node).filter((comment) => !pinnedNumbers.has(comment.number));
  const { hasNextPage, endCursor } = article.thread.pageInfo;
  // A fragment lives in the host site's page, where a query string or a path of ours means nothing.
  const base = form === 'page' ? '' : `${origin}${pagePath(article.slug)}`;
  const links = [
    after !== null ? `<a href="${escapeHtml(`${form === 'page' ? '' : origin}${pagePath(article.slug)}`)}">First comments</a>` : '',
    hasNextPage && endCursor
      ? `<a rel="next" href="${escapeHtml(`${base}?after=${encodeURIComponent(endCursor)}`)}">Later comments</a>`
      : '',
  ].filter((link) => link !== '');
  return (
    `<section class="threadline-thread" data-article="${slug}" aria-labelledby="${headingId}">\n` +
    `<${heading} id="${headingId}">${count} on ${escapeHtml(article.title)}</${heading}>\n` +
    (pinned.length > 0
      ? `<ol class="comments pinned" aria-label="Pinned comments">${pinned.map((comment) => `<li>${commentHtml(comment, true)}</li>`).join('')}</ol>\n`
      : '') +
    (comments.length > 0 || pinned.length > 0 ? commentLists(comments, headingId) : '<p class="empty">No comments yet.</p>') +
    (links.length > 0 ? `\n<nav class="pages" aria-label="Comment pages">${links.join(' ')}</nav>` : '') +
    `\n${jsonLd(article, [...pinned, ...comments])}\n</section>`
  );
}

const styles = `body { font: 17px/1.55 system-ui, sans-serif; color: #1f2328; background: #fff; max-width: 46rem; margin: 0 auto; padding: 1rem 1rem 3rem; }
h1 { font-size: 1.5rem; line-height: 1.25; }
a { color: #0550ae; }
.threadline-thread ol { list-style: none; margin: 0; padding: 0; }
.threadline-thread .replies { margin-left: .5rem; padding-left: .9rem; border-left: 2px solid #d0d7de; }
.threadline-comment { padding: .6rem 0; }
.threadline-comment header { display: flex; flex-wrap: wrap; gap: .2rem .6rem; align-items: baseline; font-size: .9rem; color: #57606a; }
.threadline-comment .author { color: #1f2328; font-size: 1rem; }
.threadline-comment .body p { margin: .4rem 0; }
.threadline-comment.deleted .body { font-style: italic; color: #57606a; }
.threadline-thread .pinned { border-left: 3px solid #0550ae; padding-left: .9rem; margin-bottom: 1rem; }
.threadline-comment .pinned { border: 1px solid #d0d7de; border-radius: 1em; padding: 0 .5em; }
blockquote { margin: .5rem 0; padding: 0 0 0 .8rem; border-left: 3px solid #d0d7de; color: #424a53; }
blockquote footer { font-size: .85rem; }
.pages { display: flex; gap: 1.5rem; margin-top: 1.5rem; }
@media (prefers-color-scheme: dark) {
  body { color: #e6edf3; background: #0d1117; }
  a { color: #79c0ff; }
  .threadline-comment header, .threadline-comment.deleted .body, blockquote { color: #9da7b3; }
  .threadline-comment .author { color: #e6edf3; }
}`;

const documentOf = (title: string, main: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
${styles}
</style>
</head>
<body>
<main>
${main}
</main>
</body>
</html>
`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** If-None-Match: `*`, or a list of entity tags (weak ones compare by their opaque part). */

const htmlHeaders = {
  'content-type': 'text/html; charset=utf-8',
  // Nothing runs (the JSON-LD is data); styles are inline. Framing is allowed: a site may show
  // the page in an iframe, and it has nothing to click but links.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  // Yoga's CORS answers the asking origin when origins are listed: caches keep one copy per origin.
  vary: 'Accept-Encoding, Origin',
};

const messages = {
  'not-found': 'There is no published article at this address.',
  'bad-cursor': 'This link to a page of comments is not valid.',
  unavailable: 'The comments cannot be shown right now. Try again in a moment.',
  failed: 'The comments cannot be shown right now. Try again in a moment.',
} as const;

const statuses = { 'not-found': 404, 'bad-cursor': 400, unavailable: 503, failed: 500 } as const;

type FetchAPI = Parameters<NonNullable<Plugin['onRequest']>>[0]['fetchAPI'];

function problem(fetchAPI: FetchAPI, kind: keyof typeof messages, form: Form, slug: string | null): Response {
  const first = kind === 'bad-cursor' && slug !== null ? ` <a href="${escapeHtml(pagePath(slug))}">Start from the first comments</a>` : '';
  const message = `<p class="threadline-problem">${escapeHtml(messages[kind])}${first}</p>`;
  const title = kind === 'not-found' ? 'Not found' : kind === 'bad-cursor' ? 'Not a page of comments' : 'Comments unavailable';
  const body = form === 'fragment' ? message : documentOf(title, `<h1>${title}</h1>\n${message}`);
  return new fetchAPI.Response(body, { status: statuses[kind], headers: { ...htmlHeaders, 'cache-control': 'no-store' } });
}

/**
 * The first page of a thread as the fragment the page's `?fragment` form serves, for a page
 * this server renders around `<threadline-comments>`; null when no published article has `slug`.
 */
export async function threadFragment(read: ReadGraphQL, slug: string, origin: string): Promise<string | null> {
  const outcome = outcomeOf(await readPage((variables) => read(threadQuery, variables), slug, null, new Map()), null);
  if (outcome.kind === 'found') return threadSection(outcome.article, 'fragment', null, origin);
  if (outcome.kind === 'not-found') return null;
  throw new Error(`the thread of ${slug} could not be read (${outcome.kind})`);
}

export function useThreadPage(): Plugin {
  const fitting: FittingSizes = new Map();
  const rendering = pageRendering('thread page');
  return {
    onYogaInit: rendering.onYogaInit,
    async onRequest({ request, url, requestHandler, serverContext, endResponse, fetchAPI }) {
      const match = threadPath.exec(url.pathname);
      if (!match) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      const form: Form = url.searchParams.has('fragment') ? 'fragment' : 'page';
      let slug: string;
      try {
        slug = decodeURIComponent(match[1]!);
      } catch {
        endResponse(problem(fetchAPI, 'not-found', form, null));
        return;
      }
      const after = url.searchParams.get('after');
      try {
        const read = rendering.read({ request, requestHandler, serverContext, fetchAPI });
        const answer = await readPage((variables) => read(threadQuery, variables), slug, after, fitting);
        const outcome = outcomeOf(answer, after);
        if (outcome.kind !== 'found') {
          if (outcome.kind === 'failed') rendering.logError(answer.errors);
          endResponse(problem(fetchAPI, outcome.kind, form, slug));
          return;
        }
        const etag = `"${sha256(JSON.stringify([rendererVersion, form, after, answer.text])).slice(0, 32)}"`;
        const headers = { ...htmlHeaders, etag, 'cache-control': 'public, max-age=0, must-revalidate' };
        if (matchesEtag(request.headers.get('if-none-match'), etag)) {
          endResponse(new fetchAPI.Response(null, { status: 304, headers }));
          return;
        }
        const section = threadSection(outcome.article, form, after, url.origin);
        const body = form === 'fragment' ? section : documentOf(`Comments on ${outcome.article.title}`, section);
        endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { headers }));
      } catch (error) {
        // Thrown out of onRequest, the error would reach the reader with its stack.
        rendering.logError(error);
        endResponse(problem(fetchAPI, 'failed', form, slug));
      }
    },
  };
}
