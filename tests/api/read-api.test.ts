import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/db.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import {
  ArticleCommentsDocument,
  ArticlesDocument,
  ArticleThreadDocument,
  AuthorByHandleDocument,
  CommentDetailDocument,
  CommentPermalinkDocument,
  NodeByIdDocument,
  NodesByIdsDocument,
  TagBySlugDocument,
} from '../../schema/generated/graphql.js';
import { demoSlug, exampleSlug, globalId, importExample, query, run } from '../helpers.js';

const commentId = async (slug: string, number: number) => {
  const row = await prisma.comment.findFirstOrThrow({ where: { article: { slug }, number }, select: { id: true } });
  return globalId('Comment', row.id);
};

beforeAll(async () => {
  await seedDemoIfEmpty();
  await importExample();
});

describe('global object identification', () => {
  it('fetches every type by its global ID, through node and nodes', async () => {
    const { article } = await query(ArticleThreadDocument, { slug: exampleSlug, first: 1 });
    const ids = [article!.id, article!.author.id, article!.tags[0]!.id, article!.comments.edges[0]!.node.id];
    for (const id of ids) {
      const { node } = await query(NodeByIdDocument, { id });
      expect(node?.id).toBe(id);
    }
    const { nodes } = await query(NodesByIdsDocument, { ids });
    expect(nodes.map((n) => n?.__typename)).toEqual(['Article', 'Author', 'Tag', 'Comment']);
  });

  it('refuses more than 100 IDs in nodes', async () => {
    const result = await run(NodesByIdsDocument, { ids: Array.from({ length: 101 }, (_, i) => globalId('Comment', i + 1)) });
    expect(result.errors?.[0]).toMatchObject({
      message: '"ids" may hold at most 100 IDs; got 101.',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('keeps IDs stable: base64 of "Type:databaseId"', async () => {
    const row = await prisma.article.findUniqueOrThrow({ where: { slug: exampleSlug } });
    const { article } = await query(ArticleThreadDocument, { slug: exampleSlug, first: 0 });
    expect(article!.id).toBe(globalId('Article', row.id));
  });

  it('answers null for an ID of a type that exists but a row that does not', async () => {
    const { node } = await query(NodeByIdDocument, { id: globalId('Comment', 999_999) });
    expect(node).toBeNull();
  });

  it.each([
    ['not base64 at all', '%%%'],
    ['base64 without a type', Buffer.from('12').toString('base64')],
    ['an unknown type', globalId('Spaceship', 1)],
    ['a known type with an id that is not a number', Buffer.from('Comment:abc').toString('base64')],
    ['a known type with an id past 32 bits', Buffer.from('Comment:2147483648').toString('base64')],
  ])('gives a clear error for a malformed ID: %s', async (_name, id) => {
    const result = await run(NodeByIdDocument, { id });
    expect(result.errors?.[0]?.message).toMatch(
      /Invalid global ID|Spaceship has not been implemented|"(abc|2147483648)" is not the id of a Comment/,
    );
    expect(result.errors?.[0]?.message).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('gives a clear error for the ID of another type where a comment is expected', async () => {
    const { article } = await query(ArticleThreadDocument, { slug: exampleSlug, first: 0 });
    const result = await run(CommentPermalinkDocument, { commentId: article!.id });
    expect(result.errors?.[0]?.message).toMatch(/Comment/);
    expect(result.data?.permalink ?? null).toBeNull();
  });
});

describe('root fields', () => {
  it('answers null for an unknown slug or handle', async () => {
    expect((await query(ArticleThreadDocument, { slug: 'no-such-article' })).article).toBeNull();
    expect((await query(AuthorByHandleDocument, { handle: 'nobody' })).author).toBeNull();
    expect((await query(TagBySlugDocument, { slug: 'no-such-tag' })).tag).toBeNull();
  });

  it('lists articles and filters them by tag and author', async () => {
    const all = await query(ArticlesDocument, { first: 10 });
    expect(all.articles.totalCount).toBe(2);
    const russia = await query(ArticlesDocument, { first: 10, tag: 'russia' });
    expect(russia.articles.edges.map((e) => e.node.slug)).toEqual([exampleSlug]);
    expect(russia.articles.totalCount).toBe(1);
    const byAuthor = await query(ArticlesDocument, { first: 10, author: 'isolde-brannigan' });
    expect(byAuthor.articles.edges.map((e) => e.node.slug)).toEqual([demoSlug]);
    const none = await query(ArticlesDocument, { first: 10, tag: 'russia', author: 'isolde-brannigan' });
    expect(none.articles).toMatchObject({ totalCount: 0, edges: [] });
  });

  it('serves an author with their comments and articles, and a tag with its articles', async () => {
    const { author } = await query(AuthorByHandleDocument, { handle: 'kathy', first: 2 });
    expect(author).toMatchObject({ name: 'Kathy', bio: null });
    expect(author!.comments.totalCount).toBe(4);
    expect(author!.comments.edges.map((e) => e.node.number)).toEqual([22, 17]);
    const { author: doug } = await query(AuthorByHandleDocument, { handle: 'doug-mataconis', first: 5 });
    expect(doug!.articles.edges.map((e) => e.node.slug)).toEqual([exampleSlug]);
    const { tag } = await query(TagBySlugDocument, { slug: 'us-politics' });
    expect(tag).toMatchObject({ name: 'US Politics', articles: { totalCount: 1 } });
  });
});

describe('Article.comments', () => {
  it('pages forward and backward with cursors and totalCount', async () => {
    const page1 = await query(ArticleCommentsDocument, { slug: exampleSlug, first: 10 });
    const comments = page1.article!.comments;
    expect(comments.totalCount).toBe(26);
    expect(comments.edges.map((e) => e.node.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(comments.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    const page2 = await query(ArticleCommentsDocument, { slug: exampleSlug, first: 10, after: comments.pageInfo.endCursor });
    expect(page2.article!.comments.edges.map((e) => e.node.number)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(page2.article!.comments.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const back = await query(ArticleCommentsDocument, {
      slug: exampleSlug,
      last: 5,
      before: page2.article!.comments.pageInfo.startCursor,
    });
    expect(back.article!.comments.edges.map((e) => e.node.number)).toEqual([6, 7, 8, 9, 10]);
    expect(back.article!.comments.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const tail = await query(ArticleCommentsDocument, { slug: exampleSlug, last: 3 });
    expect(tail.article!.comments.edges.map((e) => e.node.number)).toEqual([24, 25, 26]);
    expect(tail.article!.comments.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('orders by NEWEST and MOST_REPLIED, and filters to top-level comments', async () => {
    const newest = await query(ArticleCommentsDocument, { slug: exampleSlug, first: 3, orderBy: 'NEWEST' });
    expect(newest.article!.comments.edges.map((e) => e.node.number)).toEqual([26, 25, 24]);

    const replied = await query(ArticleCommentsDocument, { slug: exampleSlug, first: 26, orderBy: 'MOST_REPLIED' });
    const counts = replied.article!.comments.edges.map((e) => e.node.replyCount);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    // 1 (5, 6, 9) and 11 (12, 14, 17) have three direct replies each: ties go in posting order.
    expect(replied.article!.comments.edges.slice(0, 2).map((e) => e.node)).toMatchObject([
      { number: 1, replyCount: 3 },
      { number: 11, replyCount: 3 },
    ]);
    const afterFirst = await query(ArticleCommentsDocument, {
      slug: exampleSlug,
      first: 2,
      orderBy: 'MOST_REPLIED',
      after: replied.article!.comments.edges[0]!.cursor,
    });
    expect(afterFirst.article!.comments.edges.map((e) => e.node.number)).toEqual(
      replied.article!.comments.edges.slice(1, 3).map((e) => e.node.number),
    );

    const top = await query(ArticleCommentsDocument, { slug: exampleSlug, first: 100, topLevelOnly: true });
    expect(top.article!.comments.edges.every((e) => e.node.depth === 0)).toBe(true);
    expect(top.article!.comments.totalCount).toBe(12);
    expect(top.article!.commentCount).toBe(26);
  });

  it.each([
    [{ first: 101 }, /"first" must be between 0 and 100; got 101/],
    [{ first: -1 }, /"first" must be a non-negative integer/],
    [{ last: 1000 }, /"last" must be between 0 and 100; got 1000/],
    [{ first: 5, last: 5 }, /either "first" or "last", not both/],
  ])('refuses %o with a clear error', async (args, message) => {
    const result = await run(ArticleCommentsDocument, { slug: exampleSlug, ...args });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.message).toMatch(message);
  });

  it('refuses an over-large page on every connection, not just one', async () => {
    const id = await commentId(exampleSlug, 11);
    const result = await run(CommentDetailDocument, { id, first: 101 });
    expect(result.errors?.map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringMatching(/"first" must be between/)]));
    const articles = await run(ArticlesDocument, { first: 500 });
    expect(articles.errors?.[0]?.message).toMatch(/"first" must be between/);
  });
});

describe('Comment', () => {
  it('has its parent, depth, replies, quotes, quotedBy and mentions', async () => {
    const { node } = await query(CommentDetailDocument, { id: await commentId(exampleSlug, 21), first: 10 });
    if (node?.__typename !== 'Comment') throw new Error('expected a comment');
    expect(node).toMatchObject({ number: 21, depth: 2, parent: { number: 19 }, replyCount: 2, isDeleted: false });
    expect(node.mentions.map((a) => a.handle)).toEqual(['mikey']);
    expect(node.replies.edges.map((e) => e.node.number)).toEqual([22, 23]);
    expect(node.quotedBy).toMatchObject({ totalCount: 1, edges: [{ node: { number: 23 } }] });
    expect(node.revisions).toEqual([]);

    const { node: c23 } = await query(CommentDetailDocument, { id: await commentId(exampleSlug, 23) });
    if (c23?.__typename !== 'Comment') throw new Error('expected a comment');
    expect(c23.quotes).toEqual([
      {
        text: 'If this motherfker resigns while I’m overseas. . . Nixon pulled this on me, not again.',
        start: 47,
        end: 133,
        sourceChanged: false,
        quotedComment: { id: node.id, number: 21, author: { name: 'michael reynolds' } },
      },
    ]);
  });

  it('renders bodyHtml with paragraphs, and quotes as blockquotes linking to their source', async () => {
    const { node } = await query(CommentDetailDocument, { id: await commentId(exampleSlug, 6) });
    if (node?.__typename !== 'Comment') throw new Error('expected a comment');
    expect(node.bodyHtml).toBe(
      '<blockquote class="quote" cite="#comment-1"><p>The point is so-called alpha male Trump just bent over and took it.</p>' +
        '<footer><a class="quote-source" href="#comment-1">#1</a></footer></blockquote>' +
        '<p>Actually, he looked away and let the American people take it because, as Jay says:</p>' +
        '<blockquote class="quote" cite="#comment-4"><p>Trump is incapable of telling the difference between something that’s good for him versus good for the country. And this was good for him.</p>' +
        '<footer><a class="quote-source" href="#comment-4">#4</a></footer></blockquote>',
    );
  });

  it('pages quotedBy', async () => {
    const { node } = await query(CommentDetailDocument, { id: await commentId(exampleSlug, 2), first: 0 });
    if (node?.__typename !== 'Comment') throw new Error('expected a comment');
    expect(node.quotedBy).toMatchObject({ totalCount: 1, edges: [], pageInfo: { hasNextPage: true } });
  });
});

describe('permalink', () => {
  it('finds the page of top-level comments holding a deep reply, with its ancestors', async () => {
    // 22 replies to 21 → 19 → 18; top-level comments are 1,2,3,4,7,8,11,13,15,18,24,25.
    const result = await query(CommentPermalinkDocument, { commentId: await commentId(exampleSlug, 22), pageSize: 4 });
    const permalink = result.permalink!;
    expect(permalink.comment).toMatchObject({ number: 22, depth: 3 });
    expect(permalink.ancestors.map((c) => c.number)).toEqual([18, 19, 21]);
    expect(permalink.page).toBe(3);
    expect(permalink.comments.edges.map((e) => e.node.number)).toEqual([15, 18, 24, 25]);
    expect(permalink.comments.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    expect(permalink.comments.totalCount).toBe(12);
    expect(permalink.comments.edges[1]!.node.replies.edges.map((e) => e.node.number)).toEqual([19, 20]);

    // Its cursors continue in Article.comments.
    const before = await query(ArticleCommentsDocument, {
      slug: exampleSlug,
      last: 4,
      before: permalink.comments.pageInfo.startCursor,
      topLevelOnly: true,
    });
    expect(before.article!.comments.edges.map((e) => e.node.number)).toEqual([7, 8, 11, 13]);
  });

  it('is null for a comment that does not exist, and refuses a page over 100', async () => {
    expect((await query(CommentPermalinkDocument, { commentId: globalId('Comment', 424242) })).permalink).toBeNull();
    const result = await run(CommentPermalinkDocument, { commentId: await commentId(exampleSlug, 1), pageSize: 101 });
    expect(result.errors?.[0]?.message).toMatch(/"pageSize" must be between 1 and 100; got 101/);
    const empty = await run(CommentPermalinkDocument, { commentId: await commentId(exampleSlug, 1), pageSize: 0 });
    expect(empty.errors?.[0]?.message).toMatch(/"pageSize" must be between 1 and 100/);
  });
});
