// Drafts and scheduled articles exist for administrators only, on every path a reader has.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, parse, subscribe } from 'graphql';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Viewer } from '../../src/auth.js';
import { defaultWriteLimits } from '../../src/config.js';
import { type Context, defaultEngagement, defaultModeration } from '../../src/context.js';
import { schema } from '../../src/schema/index.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { db, rowCounts, run, testPubSub, viewer } from '../helpers.js';

const admin = viewer('pub-admin', 'ADMIN', 'Editor');
const moderator = viewer('pub-moderator', 'MODERATOR', 'Moderator');
const reader = viewer('pub-reader', 'AUTHOR', 'Reader');
const readers: [string, Viewer | null][] = [
  ['an anonymous reader', null],
  ['a signed-in author', reader],
  ['a moderator', moderator],
];

// biome-ignore lint/suspicious/noExplicitAny: ad-hoc operations, read by path
const gql = (text: string) => parse(text) as TypedDocumentNode<any, Record<string, unknown>>;

async function as(who: Viewer | null, text: string, variables: Record<string, unknown> = {}) {
  return run(gql(text), variables, { viewer: who });
}

const later = new Date(Date.now() + 365 * 86_400_000);
const articles = {} as Record<'draft' | 'scheduled' | 'published', { id: string; slug: string; commentId: string }>;
let tagSlug = '';
let tagId = '';

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  const tag = await as(
    admin,
    'mutation { createTag(input: { name: "Publication Desk" }) { ... on CreateTagSuccess { tag { id slug } } } }',
  );
  tagId = tag.data!.createTag.tag.id;
  tagSlug = tag.data!.createTag.tag.slug;
  for (const [kind, publishedAt] of [
    ['draft', null],
    ['scheduled', later.toISOString()],
    ['published', new Date(Date.now() - 60_000).toISOString()],
  ] as const) {
    const created = await as(
      admin,
      'mutation ($input: CreateArticleInput!) { createArticle(input: $input) { __typename ... on CreateArticleSuccess { article { id slug } } } }',
      { input: { title: `Desk ${kind}`, body: 'Body.', publishedAt, tagIds: [tagId] } },
    );
    const { id, slug } = created.data!.createArticle.article;
    // Administrators may comment on a draft: that is how they try it out.
    const posted = await as(
      admin,
      'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename ... on PostCommentSuccess { comment { id } } } }',
      { input: { articleId: id, body: `A comment on the ${kind} article.` } },
    );
    expect(posted.data!.postComment.__typename).toBe('PostCommentSuccess');
    articles[kind] = { id, slug, commentId: posted.data!.postComment.comment.id };
  }
});

afterEach(() => {
  vi.useRealTimers();
});

describe('an unpublished article (a draft, or scheduled for later)', () => {
  describe.each(readers)('to %s', (_name, who) => {
    it.each(['draft', 'scheduled'] as const)('does not exist as a %s on any read path', async (kind) => {
      const { id, slug, commentId } = articles[kind];
      const read = await as(
        who,
        `query ($slug: String!, $id: ID!, $comment: ID!, $tag: String!, $author: String!) {
          article(slug: $slug) { id }
          byId: node(id: $id) { id }
          commentById: node(id: $comment) { id }
          nodes(ids: [$id, $comment]) { id }
          permalink(commentId: $comment) { page }
          articles(first: 100) { edges { node { slug } } }
          tag(slug: $tag) { articles(first: 100) { totalCount edges { node { slug } } } }
          author(handle: $author) { articles(first: 100) { edges { node { slug } } } comments(first: 100) { edges { node { id } } } }
        }`,
        { slug, id, comment: commentId, tag: tagSlug, author: admin.handle },
      );
      expect(read.errors).toBeUndefined();
      expect(read.data).toMatchObject({ article: null, byId: null, commentById: null, nodes: [null, null], permalink: null });
      const slugs = (connection: { edges: { node: { slug: string } }[] }) => connection.edges.map((edge) => edge.node.slug);
      expect(slugs(read.data!.articles)).not.toContain(slug);
      expect(slugs(read.data!.articles)).toContain(articles.published.slug);
      expect(slugs(read.data!.tag.articles)).toEqual([articles.published.slug]);
      expect(read.data!.tag.articles.totalCount).toBe(1);
      expect(slugs(read.data!.author.articles)).toEqual([articles.published.slug]);
      expect(read.data!.author.comments.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([
        articles.published.commentId,
      ]);
    });

    it.each(['draft', 'scheduled'] as const)('cannot be subscribed to as a %s', async (kind) => {
      const contextValue: Context = {
        db,
        viewer: who,
        writeLimits: defaultWriteLimits,
        moderation: defaultModeration,
        engagement: defaultEngagement(),
        pubsub: testPubSub,
      };
      for (const [field, argument, id] of [
        ['commentAdded', 'articleId', articles[kind].id],
        ['commentChanged', 'articleId', articles[kind].id],
        ['replyAdded', 'commentId', articles[kind].commentId],
      ] as const) {
        const result = (await subscribe({
          schema,
          document: parse(`subscription { ${field}(${argument}: "${id}") { cursor } }`),
          contextValue,
        })) as ExecutionResult;
        expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
      }
    });

    it.each(['draft', 'scheduled'] as const)('takes no comment and no moderation as a %s, and nothing is written', async (kind) => {
      const before = await rowCounts();
      if (who) {
        const posted = await as(who, 'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename } }', {
          input: { articleId: articles[kind].id, body: 'Too early.' },
        });
        expect(posted.data!.postComment.__typename).toBe('NotFoundError');
        const replied = await as(who, 'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename } }', {
          input: { articleId: articles[kind].id, replyToId: articles[kind].commentId, body: 'Too early.' },
        });
        expect(replied.data!.postComment.__typename).toBe('NotFoundError');
        const deleted = await as(who, 'mutation ($id: ID!) { deleteComment(input: { commentId: $id }) { __typename } }', {
          id: articles[kind].commentId,
        });
        expect(deleted.data!.deleteComment.__typename).toMatch(/NotFoundError|ForbiddenError/);
      }
      if (who?.role === 'MODERATOR') {
        for (const mutation of ['lockArticle(input: { articleId: $id })', 'unlockArticle(input: { articleId: $id })']) {
          const locked = await as(who, `mutation ($id: ID!) { result: ${mutation} { __typename } }`, { id: articles[kind].id });
          expect(locked.data!.result.__typename).toBe('NotFoundError');
        }
        const hidden = await as(who, 'mutation ($id: ID!) { hideComment(input: { commentId: $id }) { __typename } }', {
          id: articles[kind].commentId,
        });
        expect(hidden.data!.hideComment.__typename).toBe('NotFoundError');
      }
      expect(await rowCounts()).toEqual(before);
    });
  });

  it('is there for an administrator, on every path, drafts listed after what is published', async () => {
    const { draft, scheduled } = articles;
    const read = await as(
      admin,
      `query ($draft: String!, $id: ID!, $comment: ID!, $tag: String!) {
        article(slug: $draft) { id }
        node(id: $id) { id }
        permalink(commentId: $comment) { comment { id } }
        articles(first: 100) { edges { node { slug publishedAt } } }
        tag(slug: $tag) { articles(first: 100) { totalCount } }
      }`,
      { draft: draft.slug, id: scheduled.id, comment: draft.commentId, tag: tagSlug },
    );
    expect(read.errors).toBeUndefined();
    expect(read.data).toMatchObject({
      article: { id: draft.id },
      node: { id: scheduled.id },
      permalink: { comment: { id: draft.commentId } },
    });
    expect(read.data!.tag.articles.totalCount).toBe(3);
    const listed = read.data!.articles.edges.map((edge: { node: { slug: string; publishedAt: string | null } }) => edge.node);
    expect(listed.at(-1)).toEqual({ slug: draft.slug, publishedAt: null });
    expect(listed.map((article: { slug: string }) => article.slug)).toContain(scheduled.slug);
  });

  it('pages through an administrator’s list past the drafts with cursors', async () => {
    const page = async (after: string | null) =>
      (
        await as(
          admin,
          'query ($after: String) { articles(first: 1, after: $after) { pageInfo { hasNextPage endCursor } edges { node { slug } } } }',
          {
            after,
          },
        )
      ).data!.articles;
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 20; i++) {
      const current: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: { slug: string } }[] } =
        await page(after);
      seen.push(...current.edges.map((edge) => edge.node.slug));
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(await db.reader.article.count());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.at(-1)).toBe(articles.draft.slug);
  });

  it('becomes readable the moment its publication time passes', async () => {
    const { slug } = articles.scheduled;
    expect((await as(reader, 'query ($slug: String!) { article(slug: $slug) { id } }', { slug })).data!.article).toBeNull();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(later.getTime() + 1000));
    expect((await as(reader, 'query ($slug: String!) { article(slug: $slug) { id } }', { slug })).data!.article).toMatchObject({
      id: articles.scheduled.id,
    });
  });
});
