// GET /articles/<slug>/comments: the thread as HTML for readers without JavaScript and for search engines.
import { DomUtils, parseDocument } from 'htmlparser2';
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { defaultRequestLimits, defaultWriteLimits } from '../../src/config.js';
import type { ReadGraphQL } from '../../src/http/html.js';
import { threadFragment } from '../../src/http/thread-page.js';
import { loadThread } from '../../src/importers/load.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { generatedThread } from '../fixtures/threads.js';
import { db, demoSlug, post, statementsOf, testApp, tokenFor, viewer } from '../helpers.js';

type Element = ReturnType<typeof DomUtils.findAll>[number];
type Document = ReturnType<typeof parseDocument>;

let app: App;
let admin: string;
let writer: string;
let mallory: string;
let moderator: string;

/** Tokens name nobody with "<" or ">"; an imported archive may. */
const hostileName = '<img src=x onerror=alert(1)> & "Mallory"';
const malloryName = `Mallory & "the 'Co'"`;
const hostileBody = '<script>alert(1)</script> Does </script> end anything? Fish & chips\u2028on one line.';
const hostileTitle = 'Brakes & <em>Bells</em>, "tuned" </title>';
const longSlug = 'page-long-thread';
const importedSlug = 'page-imported-thread';

/** The comments of the test article, by role, as global IDs and numbers. */
const desk = { slug: '', id: '', first: '', reply: '', hidden: '', hiddenReply: '', deleted: '' };
const numbers: Record<string, number> = {};

async function mutate(token: string, name: string, input: Record<string, unknown>, selection = '') {
  const type = `${name[0]!.toUpperCase()}${name.slice(1)}`;
  const { body } = await post<Record<string, Record<string, unknown>>, { input: Record<string, unknown> }>(
    app,
    `mutation ($input: ${type}Input!) { ${name}(input: $input) { __typename ${selection} } }`,
    { input },
    { authorization: `Bearer ${token}` },
  );
  expect(body.errors).toBeUndefined();
  const result = body.data![name]!;
  expect(result.__typename).toBe(`${type}Success`);
  return result;
}

async function postComment(token: string, articleId: string, text: string, replyToId?: string) {
  const result = await mutate(
    token,
    'postComment',
    { articleId, body: text, replyToId },
    '... on PostCommentSuccess { comment { id number } }',
  );
  const { id, number } = result.comment as { id: string; number: number };
  numbers[id] = number;
  return id;
}

async function createArticle(title: string, publishedAt: string | null) {
  const result = await mutate(
    admin,
    'createArticle',
    { title, body: 'Body.', publishedAt },
    '... on CreateArticleSuccess { article { id slug } }',
  );
  return result.article as { id: string; slug: string };
}

async function page(path: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  const response = await app.yoga.fetch(`http://localhost${path}`, init);
  const text = await response.text();
  return { response, text, doc: parseDocument(text) };
}

const elements = (doc: Document | Element, test: (element: Element) => boolean) => DomUtils.findAll(test, doc.children);
const classes = (element: Element) => (element.attribs.class ?? '').split(' ');
const commentsOf = (doc: Document | Element) =>
  elements(doc, (element) => element.name === 'article' && classes(element).includes('threadline-comment'));
const commentById = (doc: Document, number: number) => {
  const found = elements(doc, (element) => element.attribs.id === `comment-${number}`);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const isElement = (node: unknown): node is Element => typeof node === 'object' && node !== null && 'attribs' in node;
const parentElement = (element: Element) => (isElement(element.parent) ? element.parent : null);
/** The comment a comment's list item sits in the replies of; null at the top level. */
function enclosingComment(comment: Element): Element | null {
  const list = parentElement(parentElement(comment)!)!;
  expect(list.name).toBe('ol');
  const item = parentElement(list)!;
  if (item.name !== 'li') return null;
  return DomUtils.getChildren(item).find((child): child is Element => isElement(child) && child.name === 'article') ?? null;
}
const numberOf = (comment: Element) => Number(comment.attribs.id!.slice('comment-'.length));
const jsonLdOf = (doc: Document) => {
  const scripts = elements(doc, (element) => element.name === 'script');
  expect(scripts.map((script) => script.attribs.type)).toEqual(['application/ld+json']);
  const text = DomUtils.textContent(scripts[0]!);
  return { text, data: JSON.parse(text) as Record<string, unknown> & { comment: Record<string, unknown>[] } };
};

interface ThreadNode {
  id: string;
  number: number;
  depth: number;
  parent: { number: number } | null;
}
async function publicThread(slug: string): Promise<ThreadNode[]> {
  const { body } = await post<{ article: { thread: { edges: { node: ThreadNode }[] } } }, { slug: string }>(
    app,
    'query ($slug: String!) { article(slug: $slug) { thread(first: 500) { edges { node { id number depth parent { number } } } } } }',
    { slug },
  );
  return body.data!.article.thread.edges.map(({ node }) => node);
}

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  app = testApp({ writeLimits: { ...defaultWriteLimits, minIntervalSeconds: 0, windowMax: 1000 } });
  [admin, writer, mallory, moderator] = await Promise.all([
    tokenFor(viewer('page-admin', 'ADMIN', 'Editor')),
    tokenFor(viewer('page-writer', 'AUTHOR', 'Wren Writer')),
    tokenFor(viewer('page-mallory', 'AUTHOR', malloryName)),
    tokenFor(viewer('page-moderator', 'MODERATOR', 'Moderator')),
  ]);
  const article = await createArticle(hostileTitle, new Date(Date.now() - 60_000).toISOString());
  Object.assign(desk, { slug: article.slug, id: article.id });
  desk.first = await postComment(mallory, desk.id, hostileBody);
  desk.reply = await postComment(writer, desk.id, 'A reply to the first.', desk.first);
  desk.hidden = await postComment(writer, desk.id, 'Soon hidden by a moderator.');
  desk.hiddenReply = await postComment(writer, desk.id, 'A reply that outlives its parent.', desk.hidden);
  desk.deleted = await postComment(writer, desk.id, 'Soon deleted by its author.');
  await mutate(moderator, 'hideComment', { commentId: desk.hidden });
  await mutate(writer, 'deleteComment', { commentId: desk.deleted });
  await loadThread(db, generatedThread(longSlug, { topLevel: 70, fanout: [2] }));
  const imported = generatedThread(importedSlug, { topLevel: 1, fanout: [1], quoteParents: false });
  imported.comments[0]!.author = { handle: 'page-imported-mallory', name: hostileName, bio: null };
  await loadThread(db, imported);
});

describe('the thread page', () => {
  it('is a whole HTML5 document titled after the article, with landmarks, a heading with the comment count, and each comment as comment-N in thread order', async () => {
    const { response, text, doc } = await page(`/articles/${demoSlug}/comments`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(text.startsWith('<!doctype html>')).toBe(true);
    const [html] = elements(doc, (element) => element.name === 'html');
    expect(html!.attribs.lang).toBe('en');
    expect(elements(doc, (element) => element.name === 'meta' && element.attribs.charset === 'utf-8')).toHaveLength(1);
    expect(elements(doc, (element) => element.name === 'meta' && element.attribs.name === 'viewport')).toHaveLength(1);
    const title = DomUtils.textContent(elements(doc, (element) => element.name === 'title')[0]!);
    expect(title).toBe('Comments on Why the Alder Hollow Library Started Lending Bike Tools');
    const [main] = elements(doc, (element) => element.name === 'main');
    const [section] = elements(main!, (element) => element.name === 'section');
    expect(section!.attribs).toMatchObject({ class: 'threadline-thread', 'data-article': demoSlug });
    const heading = elements(section!, (element) => element.name === 'h1');
    expect(heading).toHaveLength(1);
    expect(section!.attribs['aria-labelledby']).toBe(heading[0]!.attribs.id);
    expect(DomUtils.textContent(heading[0]!)).toBe('34 comments on Why the Alder Hollow Library Started Lending Bike Tools');

    const thread = await publicThread(demoSlug);
    const shown = commentsOf(doc);
    expect(shown.map((comment) => comment.attribs.id)).toEqual(thread.map((node) => `comment-${node.number}`));
    expect(shown.map((comment) => comment.attribs['data-comment-id'])).toEqual(thread.map((node) => node.id));
    for (const comment of shown) {
      const [time] = elements(comment, (element) => element.name === 'time');
      expect(Number.isNaN(Date.parse(time!.attribs.datetime!))).toBe(false);
    }
  });

  it('nests every reply in the list of its parent, to its depth, with an "in reply to #M" link', async () => {
    const { doc } = await page(`/articles/${demoSlug}/comments`);
    const thread = await publicThread(demoSlug);
    const replies = thread.filter((node) => node.parent);
    expect(replies.length).toBeGreaterThan(5);
    expect(new Set(thread.map((node) => node.depth)).size).toBeGreaterThan(2);
    for (const node of thread) {
      const comment = commentById(doc, node.number);
      const enclosing = enclosingComment(comment);
      expect(enclosing && numberOf(enclosing)).toBe(node.parent?.number ?? null);
      const lists = [];
      for (let element = parentElement(comment); element; element = parentElement(element)) if (element.name === 'ol') lists.push(element);
      expect(lists).toHaveLength(node.depth + 1);
      const replyTo = elements(comment, (element) => classes(element).includes('reply-to'));
      if (node.parent) {
        expect(DomUtils.textContent(replyTo[0]!)).toBe(`in reply to #${node.parent.number}`);
        expect(elements(replyTo[0]!, (element) => element.name === 'a')[0]!.attribs.href).toBe(`#comment-${node.parent.number}`);
      } else {
        expect(replyTo).toHaveLength(0);
      }
    }
  });

  it('escapes a title, an author name and a body that hold HTML: the page has no element they did not come from', async () => {
    const { text, doc } = await page(`/articles/${desk.slug}/comments`);
    expect(text).not.toContain('<script>alert');
    expect(text).not.toContain('<em>');
    expect(elements(doc, (element) => element.name === 'em')).toHaveLength(0);
    expect(elements(doc, (element) => element.name === 'script').map((script) => script.attribs.type)).toEqual(['application/ld+json']);
    expect(DomUtils.textContent(elements(doc, (element) => element.name === 'title')[0]!)).toBe(`Comments on ${hostileTitle}`);
    expect(DomUtils.textContent(elements(doc, (element) => element.name === 'h1')[0]!)).toBe(`5 comments on ${hostileTitle}`);
    const first = commentById(doc, numbers[desk.first]!);
    expect(DomUtils.textContent(elements(first, (element) => classes(element).includes('author'))[0]!)).toBe(malloryName);
    const [body] = elements(first, (element) => classes(element).includes('body'));
    expect(DomUtils.textContent(body!)).toContain('<script>alert(1)</script> Does </script> end anything? Fish & chips');
    expect(elements(body!, (element) => element.name !== 'p')).toHaveLength(0);

    const archive = await page(`/articles/${importedSlug}/comments`);
    expect(archive.text).not.toContain('<img');
    expect(elements(archive.doc, (element) => element.name === 'img')).toHaveLength(0);
    const [author] = elements(commentById(archive.doc, 1), (element) => classes(element).includes('author'));
    expect(DomUtils.textContent(author!)).toBe(hostileName);
    expect(jsonLdOf(archive.doc).data.comment[0]).toMatchObject({ author: { name: hostileName } });
  });

  it('describes the article and its comments as schema.org JSON-LD that JSON.parse reads, with parentItem for a reply and no deleted comment', async () => {
    const { doc } = await page(`/articles/${desk.slug}/comments`);
    const { text, data } = jsonLdOf(doc);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(data).toMatchObject({ '@context': 'https://schema.org', '@type': 'Article', headline: hostileTitle, commentCount: 5 });
    const id = (key: keyof typeof desk) => `#comment-${numbers[desk[key]]}`;
    expect(data.comment.map((comment) => comment['@id'])).toEqual([id('first'), id('reply'), id('hiddenReply')]);
    const [first, reply, orphan] = data.comment;
    expect(first).toMatchObject({
      '@type': 'Comment',
      text: hostileBody,
      author: { '@type': 'Person', name: malloryName },
    });
    expect(first).not.toHaveProperty('parentItem');
    expect(Number.isNaN(Date.parse(first!.dateCreated as string))).toBe(false);
    expect(reply).toMatchObject({ text: 'A reply to the first.', author: { name: 'Wren Writer' }, parentItem: { '@id': id('first') } });
    expect(orphan).toMatchObject({ parentItem: { '@id': id('hidden') } });
  });

  it('shows pinned comments first on the first page, once, and their replies in place with their "in reply to" link', async () => {
    const article = await createArticle('Pins first', new Date(Date.now() - 60_000).toISOString());
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) ids.push(await postComment(writer, article.id, `Top ${i}.`));
    const reply = await postComment(writer, article.id, 'A reply to the third.', ids[2]);
    await mutate(moderator, 'pinComment', { commentId: ids[2] });
    const { doc } = await page(`/articles/${article.slug}/comments`);
    const order = commentsOf(doc).map(numberOf);
    expect(order).toEqual([3, 1, 2, 5, 4]);
    const pinned = commentById(doc, 3);
    expect(DomUtils.textContent(pinned)).toContain('Pinned');
    expect(parentElement(parentElement(pinned)!)!.attribs['aria-label']).toBe('Pinned comments');
    // Its reply stays in thread order, linked to it.
    const orphan = commentById(doc, numbers[reply]!);
    expect(enclosingComment(orphan)).toBeNull();
    expect(DomUtils.textContent(orphan)).toContain('in reply to #3');
    expect(jsonLdOf(doc).data.comment.map((comment) => comment['@id'])).toEqual([
      '#comment-3',
      '#comment-1',
      '#comment-2',
      '#comment-5',
      '#comment-4',
    ]);
  });

  it('shows a hidden comment and a deleted one as tombstones that keep their number, their place and their replies', async () => {
    // A moderator's request too: the page is what the public sees, whoever asks.
    for (const headers of [{}, { authorization: `Bearer ${moderator}` }] as Record<string, string>[]) {
      const { text, doc } = await page(`/articles/${desk.slug}/comments`, { headers });
      expect(text).not.toContain('Soon hidden');
      expect(text).not.toContain('Soon deleted');
      expect(commentsOf(doc).map(numberOf)).toEqual(
        ['first', 'reply', 'hidden', 'hiddenReply', 'deleted'].map((key) => numbers[desk[key as keyof typeof desk]]),
      );
      for (const key of ['hidden', 'deleted'] as const) {
        const tombstone = commentById(doc, numbers[desk[key]]!);
        expect(classes(tombstone)).toContain('deleted');
        expect(tombstone.attribs['data-comment-id']).toBe(desk[key]);
        expect(DomUtils.textContent(tombstone)).toContain('This comment was deleted.');
        expect(DomUtils.textContent(tombstone)).not.toContain('Wren Writer');
      }
      expect(numberOf(enclosingComment(commentById(doc, numbers[desk.hiddenReply]!))!)).toBe(numbers[desk.hidden]);
    }
  });

  it('gives a strong ETag and revalidating caching headers, answers 304 to If-None-Match, and a new comment changes the ETag and appears', async () => {
    const article = await createArticle('Caching desk', new Date(Date.now() - 60_000).toISOString());
    const parent = await postComment(writer, article.id, 'The first word.');
    const path = `/articles/${article.slug}/comments`;
    const first = await page(path);
    const etag = first.response.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{20,}"$/);
    expect(first.response.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate');
    expect(first.response.headers.get('vary')).toMatch(/\bOrigin\b/);
    const csp = first.response.headers.get('content-security-policy');
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');

    const again = await page(path, { headers: { 'if-none-match': etag! } });
    expect(again.response.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.response.headers.get('etag')).toBe(etag);
    expect((await page(path, { headers: { 'if-none-match': `"other", W/${etag}` } })).response.status).toBe(304);
    expect((await page(path, { headers: { 'if-none-match': '"other"' } })).response.status).toBe(200);
    expect((await page(`${path}?fragment`)).response.headers.get('etag')).not.toBe(etag);

    const added = await postComment(writer, article.id, 'Posted after the page was cached.', parent);
    const changed = await page(path, { headers: { 'if-none-match': etag! } });
    expect(changed.response.status).toBe(200);
    expect(changed.response.headers.get('etag')).not.toBe(etag);
    const comment = commentById(changed.doc, numbers[added]!);
    expect(DomUtils.textContent(comment)).toContain('Posted after the page was cached.');
    expect(numberOf(enclosingComment(comment)!)).toBe(numbers[parent]);
  });

  it('reads through the public GraphQL pipeline: a repeated page is served from the response cache with one statement, and no page writes', async () => {
    const path = `/articles/${demoSlug}/comments`;
    const first = await statementsOf(() => page(path));
    let repeated: Awaited<ReturnType<typeof page>> | undefined;
    const second = await statementsOf(async () => {
      repeated = await page(path);
    });
    expect(repeated!.response.status).toBe(200);
    expect(second).toHaveLength(1);
    expect(second[0]).toContain('CacheVersion');
    expect([...first, ...second].filter((sql) => /^\s*(INSERT|UPDATE|DELETE)\b/i.test(sql))).toEqual([]);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await page(`/articles/${demoSlug}/comments`);
    const head = await page(`/articles/${demoSlug}/comments`, { method: 'HEAD' });
    expect(head.response.status).toBe(200);
    expect(head.text).toBe('');
    for (const name of ['etag', 'content-type', 'cache-control', 'content-security-policy']) {
      expect(head.response.headers.get(name)).toBe(get.response.headers.get(name));
    }
  });

  it('refuses other methods with 405 and Allow: GET, HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const { response } = await page(`/articles/${demoSlug}/comments`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
    }
  });
});

describe('what the page refuses', () => {
  it.each([
    ['a draft', null],
    ['an article scheduled for later', new Date(Date.now() + 365 * 86_400_000).toISOString()],
  ])('answers 404 with a plain message for %s, and shows nothing of it', async (_kind, publishedAt) => {
    const article = await createArticle(`Unpublished ${publishedAt ?? 'draft'} desk`, publishedAt);
    // Administrators may comment on an unpublished article (to try it out): the page still shows nothing.
    await postComment(admin, article.id, 'An editor trying the thread out.');
    for (const query of ['', '?fragment']) {
      const { response, text } = await page(`/articles/${article.slug}/comments${query}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('etag')).toBeNull();
      expect(text).toContain('There is no published article at this address.');
      expect(text).not.toContain('Unpublished');
      expect(text).not.toContain('trying the thread out');
    }
  });

  it('answers 404 with a plain message for a slug no article has', async () => {
    for (const slug of ['no-such-article', 'not%ZZa-slug', '%3Cscript%3E', '%00', 'a'.repeat(1000)]) {
      const { response, text } = await page(`/articles/${slug}/comments`);
      expect(response.status).toBe(404);
      expect(text).toContain('There is no published article at this address.');
      expect(text).not.toContain('<script>');
    }
  });

  it('answers 400 with a plain message, and nothing internal, to an after that is not a cursor', async () => {
    const { response, text, doc } = await page(`/articles/${demoSlug}/comments?after=not-a-cursor`);
    expect(response.status).toBe(400);
    const [main] = elements(doc, (element) => element.name === 'main');
    expect(DomUtils.textContent(main!).replace(/\s+/g, ' ').trim()).toBe(
      'Not a page of comments This link to a page of comments is not valid. Start from the first comments',
    );
    const [first] = elements(main!, (element) => element.name === 'a');
    expect(first!.attribs.href).toBe(`/articles/${demoSlug}/comments`);
    // The GraphQL error's words are for API clients, not readers.
    expect(text).not.toContain('not a cursor of this API');
    expect(text).not.toMatch(/\.ts:\d|SELECT|BAD_USER_INPUT/);
  });
});

describe('pages of a long thread', () => {
  it('shows 200 comments, and a rel=next link leads to the rest, where a reply whose parent is on the first page starts at the top level', async () => {
    const thread = await publicThread(longSlug);
    expect(thread).toHaveLength(210);
    const first = await page(`/articles/${longSlug}/comments`);
    expect(commentsOf(first.doc).map(numberOf)).toEqual(thread.slice(0, 200).map((node) => node.number));
    const next = elements(first.doc, (element) => element.name === 'a' && element.attribs.rel === 'next');
    expect(next).toHaveLength(1);
    expect(next[0]!.attribs.href).toMatch(/^\?after=/);

    const url = new URL(next[0]!.attribs.href!, `http://localhost/articles/${longSlug}/comments`);
    const rest = await page(`${url.pathname}${url.search}`);
    expect(rest.response.status).toBe(200);
    const shown = commentsOf(rest.doc);
    expect(shown.map(numberOf)).toEqual(thread.slice(200).map((node) => node.number));
    expect(elements(rest.doc, (element) => element.attribs.rel === 'next')).toHaveLength(0);
    const firstPage = elements(rest.doc, (element) => element.name === 'a' && DomUtils.textContent(element) === 'First comments');
    expect(firstPage[0]!.attribs.href).toBe(`/articles/${longSlug}/comments`);

    const opener = thread[200]!;
    expect(opener.parent).not.toBeNull();
    expect(enclosingComment(shown[0]!)).toBeNull();
    expect(DomUtils.textContent(elements(shown[0]!, (element) => classes(element).includes('reply-to'))[0]!)).toBe(
      `in reply to #${opener.parent!.number}`,
    );
  });

  it('reads smaller pages when 200 comments weigh more than the response budget allows', async () => {
    const tight = testApp({ requestLimits: { ...defaultRequestLimits, maxResponseBytes: 60_000 } });
    const response = await tight.yoga.fetch(`http://localhost/articles/${longSlug}/comments`);
    expect(response.status).toBe(200);
    const doc = parseDocument(await response.text());
    const thread = await publicThread(longSlug);
    expect(commentsOf(doc).map(numberOf)).toEqual(thread.slice(0, 50).map((node) => node.number));
    expect(elements(doc, (element) => element.attribs.rel === 'next')).toHaveLength(1);
    // The next reader does not pay for the read that did not fit: the page that did is served from the cache.
    const again = await statementsOf(async () => {
      const repeat = await tight.yoga.fetch(`http://localhost/articles/${longSlug}/comments`);
      expect(repeat.status).toBe(200);
      await repeat.text();
    });
    expect(again).toHaveLength(1);
  });
});

describe('the fragment for a host page', () => {
  it('is only the section, with the same comments, heading level 2 and a next link that names this server’s page', async () => {
    const whole = await page(`/articles/${longSlug}/comments`);
    const { response, text, doc } = await page(`/articles/${longSlug}/comments?fragment`);
    expect(response.status).toBe(200);
    expect(text.startsWith(`<section class="threadline-thread" data-article="${longSlug}"`)).toBe(true);
    expect(text.trimEnd().endsWith('</section>')).toBe(true);
    for (const tag of ['html', 'head', 'body', 'main', 'title', 'style', 'meta', 'h1']) {
      expect(elements(doc, (element) => element.name === tag)).toHaveLength(0);
    }
    expect(elements(doc, (element) => element.name === 'h2')).toHaveLength(1);
    expect(commentsOf(doc).map(numberOf)).toEqual(commentsOf(whole.doc).map(numberOf));
    const [next] = elements(doc, (element) => element.attribs.rel === 'next');
    expect(next!.attribs.href).toMatch(new RegExp(`^http://localhost/articles/${longSlug}/comments\\?after=`));
    expect(jsonLdOf(doc).data.comment).toHaveLength(200);
  });

  it('is what threadFragment renders for a page of this server from a public read', async () => {
    const read: ReadGraphQL = async (query, variables) => {
      const response = await app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    };
    const { text } = await page(`/articles/${desk.slug}/comments?fragment`);
    expect(await threadFragment(read, desk.slug, 'http://localhost')).toBe(text);
    expect(await threadFragment(read, 'no-such-article', 'http://localhost')).toBeNull();
  });
});
