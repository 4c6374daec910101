import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../src/app.js';
import { defaultWriteLimits } from '../../src/config.js';
import { createArticle, updateArticle, updateTag } from '../../src/domain/articles.js';
import { parseGlobalId } from '../../src/domain/ids.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { db, demoSlug, globalId, statementsOf, testApp, testDatabase, tokenFor, viewer } from '../helpers.js';

// Every app here keeps answers in its own memory, or in Redis when the suite has one
// (PostgreSQL): two apps then share answers as two instances would.
let one: App;
let two: App;
let articleId: string;
let firstCommentId: string;

let reader: string;
let writer: string;
let moderator: string;

/** The thread query under a comment of its own: a request nobody has asked before, so not cached yet. */
const fresh = (tag: string) => `${threadQuery}\n# ${tag} ${Date.now()} ${Math.random()}`;

const threadQuery = `query CacheThread($slug: String!) {
  article(slug: $slug) { id commentCount thread(first: 500) { edges { node { id number body isDeleted replyCount } } } }
}`;

const url = (document: string, variables: Record<string, unknown>) =>
  `http://localhost/graphql?${new URLSearchParams({ query: document, variables: JSON.stringify(variables) })}`;

interface Thread {
  article: {
    id: string;
    commentCount: number;
    thread: { edges: { node: { id: string; number: number; body: string; isDeleted: boolean } }[] };
  };
}

async function get(
  app: App,
  headers: Record<string, string> = {},
  document = threadQuery,
  variables: Record<string, unknown> = { slug: demoSlug },
) {
  const response = await app.yoga.fetch(url(document, variables), { headers: { accept: 'application/graphql-response+json', ...headers } });
  const text = await response.text();
  return { response, text, body: text ? (JSON.parse(text) as { data?: Thread; errors?: unknown[] }) : null };
}

async function mutate(app: App, token: string, document: string, input: Record<string, unknown>) {
  const response = await app.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: document, variables: { input } }),
  });
  const body = (await response.json()) as { data: Record<string, Record<string, unknown>>; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  const result = Object.values(body.data)[0]!;
  expect(result.__typename).toMatch(/Success$/);
  return { response, result };
}

const postReply = (app: App, body: string) =>
  mutate(
    app,
    writer,
    'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename ... on PostCommentSuccess { comment { id number } } } }',
    { articleId, replyToId: firstCommentId, body },
  );

const bodies = (thread: Thread) => thread.article.thread.edges.map(({ node }) => node.body);
const nodeOf = (thread: Thread, id: string) => thread.article.thread.edges.find(({ node }) => node.id === id)?.node;

beforeAll(async () => {
  [reader, writer, moderator] = await Promise.all([
    tokenFor(viewer('cache-reader')),
    tokenFor(viewer('cache-writer')),
    tokenFor(viewer('cache-moderator', 'MODERATOR')),
  ]);
  await seedDemoIfEmpty(db);
  // Many writes by one author, a moment apart: no rate limit here.
  const writeLimits = { ...defaultWriteLimits, minIntervalSeconds: 0, windowMax: 1000 };
  one = testApp({ writeLimits });
  two = testApp({ writeLimits });
  const { body } = await get(one);
  articleId = body!.data!.article.id;
  firstCommentId = body!.data!.article.thread.edges[0]!.node.id;
});

describe('HTTP caching of public answers', () => {
  it('answers a public GET with a strong ETag, a revalidating Cache-Control and Vary, and 304 to If-None-Match', async () => {
    const first = await get(one);
    expect(first.response.status).toBe(200);
    const etag = first.response.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{20,}"$/);
    expect(first.response.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate');
    expect(first.response.headers.get('vary')).toMatch(/Authorization/);
    expect(first.response.headers.get('vary')).toMatch(/Accept/);

    const again = await get(one, { 'if-none-match': etag! });
    expect(again.response.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.response.headers.get('etag')).toBe(etag);

    const other = await get(one, { 'if-none-match': '"something-else"' });
    expect(other.response.status).toBe(200);
    expect(other.text).toBe(first.text);
  });

  it('serves a stored answer with one statement, which checks its versions', async () => {
    await get(one);
    let hit: Awaited<ReturnType<typeof get>> | undefined;
    const statements = await statementsOf(async () => {
      hit = await get(one);
    });
    expect(hit!.response.status).toBe(200);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toContain('CacheVersion');
  });

  it.runIf(testDatabase === 'postgresql')('shares answers between instances through Redis', async () => {
    const document = fresh('shared through Redis');
    const computed = await get(one, {}, document);
    let served: Awaited<ReturnType<typeof get>> | undefined;
    const statements = await statementsOf(async () => {
      served = await get(two, {}, document);
    });
    expect(statements).toHaveLength(1);
    expect(served!.text).toBe(computed.text);
    expect(served!.response.headers.get('etag')).toBe(computed.response.headers.get('etag'));
  });

  it('computes an answer once for requests that ask it at the same time', async () => {
    const reading = (sql: string) => !sql.includes('CacheVersion');
    const once = await statementsOf(() => get(one, {}, fresh('alone')));
    const document = fresh('together');
    let answers: Awaited<ReturnType<typeof get>>[] = [];
    const together = await statementsOf(async () => {
      answers = await Promise.all(Array.from({ length: 8 }, () => get(one, {}, document)));
    });
    expect(answers.every((answer) => answer.response.status === 200)).toBe(true);
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    expect(together.filter(reading)).toHaveLength(once.filter(reading).length);
  });

  it('keys an answer by the variables the operation declares, in any order', async () => {
    const document = 'query ($slug: String!, $first: Int) { article(slug: $slug) { thread(first: $first) { edges { node { id } } } } }';
    await get(one, {}, document, { slug: demoSlug, first: 3 });
    for (const variables of [
      { first: 3, slug: demoSlug },
      { slug: demoSlug, first: 3, unused: 'anything', more: [1, 2, 3] },
    ]) {
      let answer: Awaited<ReturnType<typeof get>> | undefined;
      const statements = await statementsOf(async () => {
        answer = await get(one, {}, document, variables);
      });
      expect(answer!.response.status).toBe(200);
      expect(statements.filter((sql) => !sql.includes('CacheVersion'))).toEqual([]);
    }
  });

  it('lets a browser on another origin read a public answer and its 304, and varies on Origin', async () => {
    const origin = { origin: 'https://news.example' };
    const first = await get(one, origin);
    expect(first.response.headers.get('vary')).toMatch(/Origin/);
    expect(first.response.headers.get('access-control-allow-origin')).toBeTruthy();
    const again = await get(one, { ...origin, 'if-none-match': first.response.headers.get('etag')! });
    expect(again.response.status).toBe(304);
    expect(again.response.headers.get('access-control-allow-origin')).toBe(first.response.headers.get('access-control-allow-origin'));
    expect(again.response.headers.get('vary')).toMatch(/Origin/);
  });

  it('gives plain authors the same answer as anonymous readers, and keeps viewer-specific answers private', async () => {
    const anonymous = await get(one);
    const signedIn = await get(one, { authorization: `Bearer ${reader}` });
    expect(signedIn.text).toBe(anonymous.text);
    expect(signedIn.response.headers.get('etag')).toBe(anonymous.response.headers.get('etag'));

    const own = await get(one, { authorization: `Bearer ${reader}` }, '{ viewer { handle } }', {});
    expect(own.response.headers.get('cache-control')).toBe('private, no-store');
    expect(own.response.headers.get('etag')).toBeNull();
  });

  it('marks mutations and errors private, no-store', async () => {
    const { response } = await postReply(one, 'A reply that is not cached.');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const broken = await get(one, {}, '{ article(slug: 1) { id } }', {});
    expect(broken.response.headers.get('cache-control')).toBe('private, no-store');
  });
});

describe('a reader never sees a thread older than an acknowledged write', () => {
  it('reads its own write on the same instance: the reply is there and the ETag moved', async () => {
    const before = await get(one);
    const etag = before.response.headers.get('etag')!;
    const { result } = await postReply(one, 'Read your writes, on one instance.');
    const after = await get(one, { 'if-none-match': etag });
    expect(after.response.status).toBe(200);
    expect(bodies(after.body!.data!)).toContain('Read your writes, on one instance.');
    expect(after.body!.data!.article.commentCount).toBe(before.body!.data!.article.commentCount + 1);
    expect(after.response.headers.get('etag')).not.toBe(etag);
    expect((result as { comment: { id: string } }).comment.id).toBeTruthy();
  });

  it('reads a write acknowledged by another instance', async () => {
    await get(one);
    await get(two);
    await postReply(one, 'Written through one, read through two.');
    expect(bodies((await get(two)).body!.data!)).toContain('Written through one, read through two.');
    await postReply(two, 'Written through two, read through one.');
    expect(bodies((await get(one)).body!.data!)).toContain('Written through two, read through one.');
  });

  it('shows an edit, a deletion and a hidden comment at once', async () => {
    const { result } = await postReply(one, 'Soon edited.');
    const id = (result as { comment: { id: string } }).comment.id;
    expect(nodeOf((await get(two)).body!.data!, id)?.body).toBe('Soon edited.');

    await mutate(one, writer, 'mutation ($input: EditCommentInput!) { editComment(input: $input) { __typename } }', {
      commentId: id,
      body: 'Edited, and seen at once.',
    });
    expect(nodeOf((await get(two)).body!.data!, id)?.body).toBe('Edited, and seen at once.');

    await mutate(one, moderator, 'mutation ($input: HideCommentInput!) { hideComment(input: $input) { __typename } }', { commentId: id });
    expect(nodeOf((await get(two)).body!.data!, id)).toMatchObject({ body: '', isDeleted: true });

    await mutate(one, moderator, 'mutation ($input: RestoreCommentInput!) { restoreComment(input: $input) { __typename } }', {
      commentId: id,
    });
    expect(nodeOf((await get(two)).body!.data!, id)).toMatchObject({ body: 'Edited, and seen at once.', isDeleted: false });

    await mutate(one, writer, 'mutation ($input: DeleteCommentInput!) { deleteComment(input: $input) { __typename } }', { commentId: id });
    expect(nodeOf((await get(two)).body!.data!, id)).toMatchObject({ body: '', isDeleted: true });
  });

  it("keeps a permalink's answer with its article's", async () => {
    const permalink = 'query ($id: ID!) { permalink(commentId: $id) { comment { id replyCount } comments { totalCount } } }';
    const read = async () =>
      (await get(two, {}, permalink, { id: firstCommentId })).body!.data as unknown as {
        permalink: { comment: { replyCount: number } };
      };
    const before = (await read()).permalink.comment.replyCount;
    expect((await read()).permalink.comment.replyCount).toBe(before);
    await postReply(one, 'A reply the permalink counts.');
    expect((await read()).permalink.comment.replyCount).toBe(before + 1);
  });

  it('shows the permalink of a comment that did not exist when the link was first asked for', async () => {
    const permalink = 'query ($id: ID!) { permalink(commentId: $id) { comment { id body } } }';
    const { _max } = await db.reader.comment.aggregate({ _max: { id: true } });
    const next = globalId('Comment', (_max.id ?? 0) + 1);
    const read = async () => (await get(two, {}, permalink, { id: next })).body!.data as unknown as { permalink: null | object };
    expect((await read()).permalink).toBeNull();
    expect((await read()).permalink).toBeNull();
    const { result } = await postReply(one, 'The comment the link was waiting for.');
    expect((result as { comment: { id: string } }).comment.id).toBe(next);
    expect((await read()).permalink).toEqual({ comment: { id: next, body: 'The comment the link was waiting for.' } });
  });

  it("never gives a moderator's answer to anyone else, nor shares one", async () => {
    const { result } = await postReply(one, 'Hidden from readers, shown to moderators.');
    const id = (result as { comment: { id: string } }).comment.id;
    await mutate(one, moderator, 'mutation ($input: HideCommentInput!) { hideComment(input: $input) { __typename } }', { commentId: id });

    const seenByModerator = await get(one, { authorization: `Bearer ${moderator}` });
    expect(nodeOf(seenByModerator.body!.data!, id)?.body).toBe('Hidden from readers, shown to moderators.');
    expect(seenByModerator.response.headers.get('cache-control')).toBe('private, no-store');
    expect(seenByModerator.response.headers.get('etag')).toBeNull();

    for (const headers of [{}, { authorization: `Bearer ${reader}` }] as Record<string, string>[]) {
      const seen = await get(one, headers);
      expect(nodeOf(seen.body!.data!, id)).toMatchObject({ body: '', isDeleted: true });
      expect(seen.text).not.toContain('Hidden from readers');
    }
  });

  it("never shares an answer that shows somebody's own comment awaiting review, nor gives them a shared one", async () => {
    const pending = await tokenFor(viewer('cache-pending'));
    const asPending = { authorization: `Bearer ${pending}` };
    const article = parseGlobalId(articleId)!.id;
    await db.writer.article.update({ where: { id: article }, data: { moderation: 'PRE' } });
    try {
      // Cached before the comment exists, on both instances.
      const before = await get(one);
      await get(two);
      const { result } = await mutate(
        one,
        pending,
        'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename ... on PostCommentSuccess { comment { id } } } }',
        { articleId, replyToId: firstCommentId, body: 'Mine, awaiting review.' },
      );
      const id = (result as { comment: { id: string } }).comment.id;

      // Its author sees it, on either instance, in an answer nobody else gets or keeps.
      for (const app of [one, two]) {
        const own = await get(app, asPending);
        expect(nodeOf(own.body!.data!, id)?.body).toBe('Mine, awaiting review.');
        expect(own.response.headers.get('cache-control')).toBe('private, no-store');
        expect(own.response.headers.get('etag')).toBeNull();
      }
      // Everyone else gets the public answer: the comment is not in it, nor counted.
      for (const headers of [{}, { authorization: `Bearer ${reader}` }] as Record<string, string>[]) {
        const seen = await get(two, headers);
        expect(nodeOf(seen.body!.data!, id)).toBeUndefined();
        expect(seen.text).not.toContain('Mine, awaiting review.');
        expect(seen.body!.data!.article.commentCount).toBe(before.body!.data!.article.commentCount);
      }
      // A request first asked by its author is not stored for the next reader either.
      const first = fresh('pending-first');
      expect((await get(one, asPending, first)).text).toContain('Mine, awaiting review.');
      const next = await get(one, {}, first);
      expect(next.text).not.toContain('Mine, awaiting review.');
      expect(next.response.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate');

      // Once approved it is everybody's: its author's answer is the shared one again.
      await mutate(one, moderator, 'mutation ($input: ApproveCommentInput!) { approveComment(input: $input) { __typename } }', {
        commentId: id,
      });
      const published = await get(two);
      expect(nodeOf(published.body!.data!, id)?.body).toBe('Mine, awaiting review.');
      const own = await get(two, asPending);
      expect(own.text).toBe(published.text);
      expect(own.response.headers.get('etag')).toBe(published.response.headers.get('etag'));
    } finally {
      await db.writer.article.update({ where: { id: article }, data: { moderation: null } });
    }
  });

  it("follows an author's new name on every article they wrote on", async () => {
    const renamed = viewer('cache-renamed', 'AUTHOR', 'Before Rename');
    await mutate(one, await tokenFor(renamed), 'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename } }', {
      articleId,
      body: 'A comment under my first name.',
    });
    const authors = `query ($slug: String!) { article(slug: $slug) { thread(first: 500) { edges { node { author { name } } } } } }`;
    const names = async () => JSON.stringify((await get(two, {}, authors, { slug: demoSlug })).body);
    expect(await names()).toContain('Before Rename');
    // The next write by the same author, on the same token subject, carries the new name.
    await mutate(
      one,
      await tokenFor({ ...renamed, name: 'After Rename' }),
      'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename } }',
      { articleId, replyToId: firstCommentId, body: 'A comment under my new name.' },
    );
    const now = await names();
    expect(now).toContain('After Rename');
    expect(now).not.toContain('Before Rename');
  });

  it("shows an article's new title and its tags' new names, which no comment write announces", async () => {
    const shown = `query ($slug: String!) { article(slug: $slug) { title tags { name } } }`;
    const read = async () =>
      (await get(two, {}, shown, { slug: demoSlug })).body!.data as unknown as {
        article: { title: string; tags: { name: string }[] };
      };
    const before = await read();
    await read();
    const admin = viewer('cache-admin', 'ADMIN');
    await updateArticle(db, admin, parseGlobalId(articleId)!.id, { title: `${before.article.title} (updated)` });
    expect((await read()).article.title).toBe(`${before.article.title} (updated)`);

    const tag = await db.reader.tag.findFirstOrThrow({ where: { name: before.article.tags[0]!.name } });
    await updateTag(db, tag.id, { name: `${tag.name} renamed` });
    expect((await read()).article.tags.map((t) => t.name)).toContain(`${tag.name} renamed`);
  });

  it('shows a scheduled article once its time comes, with no write in between', async () => {
    const list = '{ articles(first: 100) { edges { node { slug } } } }';
    const publishAt = new Date(Date.now() + 3_600_000);
    await createArticle(db, viewer('cache-admin', 'ADMIN'), {
      title: 'Scheduled for later',
      body: 'Not public yet.',
      slug: 'cache-scheduled-for-later',
      publishedAt: publishAt,
    });
    expect(JSON.stringify((await get(one, {}, list, {})).body)).not.toContain('cache-scheduled-for-later');
    expect(JSON.stringify((await get(one, {}, list, {})).body)).not.toContain('cache-scheduled-for-later');
    vi.useFakeTimers({ toFake: ['Date'], now: publishAt.getTime() + 1000 });
    try {
      expect(JSON.stringify((await get(one, {}, list, {})).body)).toContain('cache-scheduled-for-later');
    } finally {
      vi.useRealTimers();
    }
  });
});
