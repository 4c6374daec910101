import { beforeAll, describe, expect, it } from 'vitest';
import { loadThread } from '../../src/importers/load.js';
import { parseTextThread } from '../../src/importers/text.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import {
  CommentByNumberDocument,
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
import { ferrySlug, readFerryThread } from '../fixtures/threads.js';
import { db, demoSlug, globalId, query, run } from '../helpers.js';

const commentId = async (slug: string, number: number) => {
  const row = await db.reader.comment.findFirstOrThrow({ where: { article: { slug }, number }, select: { id: true } });
  return globalId('Comment', row.id);
};

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  await loadThread(db, parseTextThread(readFerryThread()));
});

describe('global object identification', () => {
  it('fetches every type by its global ID, through node and nodes', async () => {
    const { article } = await query(ArticleThreadDocument, { slug: demoSlug, first: 1 });
    const ids = [article!.id, article!.author.id, article!.tags[0]!.id, article!.thread.edges[0]!.node.id];
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
    const row = await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } });
    const { article } = await query(ArticleThreadDocument, { slug: demoSlug, first: 0 });
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
    ['an id with a leading zero', Buffer.from('Comment:01').toString('base64')],
    ['an id written as a decimal', Buffer.from('Comment:1.0').toString('base64')],
    ['an id in hexadecimal', Buffer.from('Comment:0x1').toString('base64')],
    ['an id with an exponent', Buffer.from('Comment:1e0').toString('base64')],
    ['an id with a space', Buffer.from('Comment: 1').toString('base64')],
    ['the right bytes in base64url without padding', globalId('Comment', 10).replace(/=+$/, '')],
    ['the right bytes with a stray character', `${globalId('Comment', 1)}!`],
  ])('gives a clear error for a malformed ID: %s', async (_name, id) => {
    const result = await run(NodeByIdDocument, { id });
    expect(result.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^".*" is not a valid ID\.$/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(result.errors?.[0]?.message).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('gives a clear error for the ID of another type where a comment is expected', async () => {
    const { article } = await query(ArticleThreadDocument, { slug: demoSlug, first: 0 });
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
    const ferries = await query(ArticlesDocument, { first: 10, tag: 'ferries' });
    expect(ferries.articles.edges.map((e) => e.node.slug)).toEqual([ferrySlug]);
    expect(ferries.articles.totalCount).toBe(1);
    // Imported authors live in the import namespace: no token can name them.
    const byAuthor = await query(ArticlesDocument, { first: 10, author: 'import:text:isolde-brannigan' });
    expect(byAuthor.articles.edges.map((e) => e.node.slug)).toEqual([demoSlug]);
    const none = await query(ArticlesDocument, { first: 10, tag: 'ferries', author: 'import:text:isolde-brannigan' });
    expect(none.articles).toMatchObject({ totalCount: 0, edges: [] });
  });

  it('serves an author with their comments and articles, and a tag with its articles', async () => {
    // Priya N wrote 4, 11, 15 and 21 of the demo thread: the newest first.
    const { author } = await query(AuthorByHandleDocument, { handle: 'import:text:priya-n', first: 2 });
    expect(author).toMatchObject({ name: 'Priya N', bio: null });
    expect(author!.comments.totalCount).toBe(4);
    expect(author!.comments.edges.map((e) => e.node.number)).toEqual([21, 15]);
    const { author: nell } = await query(AuthorByHandleDocument, { handle: 'import:text:nell-abernethy', first: 5 });
    expect(nell!.articles.edges.map((e) => e.node.slug)).toEqual([ferrySlug]);
    const { tag } = await query(TagBySlugDocument, { slug: 'island-news' });
    expect(tag).toMatchObject({ name: 'Island News', articles: { totalCount: 1 } });
  });
});

describe('Article.comments', () => {
  it('pages forward and backward with cursors and totalCount', async () => {
    const page1 = await query(ArticleCommentsDocument, { slug: demoSlug, first: 10 });
    const comments = page1.article!.comments;
    expect(comments.totalCount).toBe(34);
    expect(comments.edges.map((e) => e.node.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(comments.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    const page2 = await query(ArticleCommentsDocument, { slug: demoSlug, first: 10, after: comments.pageInfo.endCursor });
    expect(page2.article!.comments.edges.map((e) => e.node.number)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(page2.article!.comments.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const back = await query(ArticleCommentsDocument, {
      slug: demoSlug,
      last: 5,
      before: page2.article!.comments.pageInfo.startCursor,
    });
    expect(back.article!.comments.edges.map((e) => e.node.number)).toEqual([6, 7, 8, 9, 10]);
    expect(back.article!.comments.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const tail = await query(ArticleCommentsDocument, { slug: demoSlug, last: 3 });
    expect(tail.article!.comments.edges.map((e) => e.node.number)).toEqual([32, 33, 34]);
    expect(tail.article!.comments.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('orders by NEWEST and MOST_REPLIED, and filters to top-level comments', async () => {
    const newest = await query(ArticleCommentsDocument, { slug: demoSlug, first: 3, orderBy: 'NEWEST' });
    expect(newest.article!.comments.edges.map((e) => e.node.number)).toEqual([34, 33, 32]);

    const replied = await query(ArticleCommentsDocument, { slug: demoSlug, first: 34, orderBy: 'MOST_REPLIED' });
    const counts = replied.article!.comments.edges.map((e) => e.node.replyCount);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    // 3 has two direct replies (6, 13), 23 comments have one: ties go in posting order.
    expect(replied.article!.comments.edges.slice(0, 4).map((e) => e.node)).toMatchObject([
      { number: 3, replyCount: 2 },
      { number: 1, replyCount: 1 },
      { number: 2, replyCount: 1 },
      { number: 5, replyCount: 1 },
    ]);
    expect(counts.filter((count) => count === 1)).toHaveLength(23);
    const afterFirst = await query(ArticleCommentsDocument, {
      slug: demoSlug,
      first: 2,
      orderBy: 'MOST_REPLIED',
      after: replied.article!.comments.edges[0]!.cursor,
    });
    expect(afterFirst.article!.comments.edges.map((e) => e.node.number)).toEqual(
      replied.article!.comments.edges.slice(1, 3).map((e) => e.node.number),
    );

    const top = await query(ArticleCommentsDocument, { slug: demoSlug, first: 100, topLevelOnly: true });
    expect(top.article!.comments.edges.every((e) => e.node.depth === 0)).toBe(true);
    expect(top.article!.comments.totalCount).toBe(9);
    expect(top.article!.commentCount).toBe(34);
  });

  it.each([
    [{ first: 101 }, /"first" must be between 0 and 100; got 101/],
    [{ first: -1 }, /"first" must be between 0 and 100; got -1/],
    [{ last: 1000 }, /"last" must be between 0 and 100; got 1000/],
    [{ first: 5, last: 5 }, /either "first" or "last", not both/],
  ])('refuses %o with a clear error', async (args, message) => {
    const result = await run(ArticleCommentsDocument, { slug: demoSlug, ...args });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.message).toMatch(message);
  });

  it('refuses an over-large page on every connection, not just one', async () => {
    const id = await commentId(demoSlug, 11);
    const result = await run(CommentDetailDocument, { id, first: 101 });
    expect(result.errors?.map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringMatching(/"first" must be between/)]));
    const articles = await run(ArticlesDocument, { first: 500 });
    expect(articles.errors?.[0]?.message).toMatch(/"first" must be between/);
  });
});

describe('Comment', () => {
  it('has its parent, depth, replies, quotes, quotedBy and mentions', async () => {
    // 17 replies to 13 → 3 → 1 and mentions mossbackmike; 20 replies to it, quoting it.
    const { node } = await query(CommentDetailDocument, { id: await commentId(demoSlug, 17), first: 10 });
    if (node?.__typename !== 'Comment') throw new Error('expected a comment');
    expect(node).toMatchObject({ number: 17, depth: 3, parent: { number: 13 }, replyCount: 1, isDeleted: false });
    expect(node.mentions.map((a) => a.handle)).toEqual(['import:text:mossbackmike']);
    expect(node.replies.edges.map((e) => e.node.number)).toEqual([20]);
    expect(node.quotedBy).toMatchObject({ totalCount: 1, edges: [{ node: { number: 20 } }] });
    expect(node.revisions).toEqual({ totalCount: 0, edges: [] });

    const { node: c20 } = await query(CommentDetailDocument, { id: await commentId(demoSlug, 20) });
    if (c20?.__typename !== 'Comment') throw new Error('expected a comment');
    expect(c20.quotes).toEqual([
      {
        text: 'I blew out a rim on the big one by the bakery last spring and I still hold a grudge',
        start: 211,
        end: 294,
        sourceChanged: false,
        quotedComment: { id: node.id, number: 17, author: { name: 'Lin Zhao' } },
      },
    ]);

    // 3 has two replies, both quoting it; 22 mentions two authors, in the order it names them.
    const { node: c3 } = await query(CommentDetailDocument, { id: await commentId(demoSlug, 3), first: 10 });
    if (c3?.__typename !== 'Comment') throw new Error('expected a comment');
    expect(c3).toMatchObject({ number: 3, depth: 1, parent: { number: 1 }, replyCount: 2, mentions: [] });
    expect(c3.replies.edges.map((e) => e.node.number)).toEqual([6, 13]);
    expect(c3.quotedBy).toMatchObject({ totalCount: 2, edges: [{ node: { number: 6 } }, { node: { number: 13 } }] });
    const { node: c22 } = await query(CommentDetailDocument, { id: await commentId(demoSlug, 22) });
    if (c22?.__typename !== 'Comment') throw new Error('expected a comment');
    expect(c22).toMatchObject({
      depth: 0,
      parent: null,
      mentions: [{ handle: 'import:text:dana-k' }, { handle: 'import:text:bea-from-marlow-st' }],
    });

    const { node: c13 } = await query(CommentDetailDocument, { id: await commentId(demoSlug, 13) });
    if (c13?.__typename !== 'Comment') throw new Error('expected a comment');
    expect(c13.quotes).toEqual([
      {
        text: "you will be handed the wrench yourself. That's the whole point of the place.",
        start: 258,
        end: 334,
        sourceChanged: false,
        quotedComment: { id: c3.id, number: 3, author: { name: 'old_spokes' } },
      },
      {
        text: 'Between the racks and the library tools, Alder Hollow is turning into a bike town',
        start: 230,
        end: 311,
        sourceChanged: false,
        quotedComment: { id: await commentId(demoSlug, 10), number: 10, author: { name: 'mossbackmike' } },
      },
    ]);
  });

  it('renders bodyHtml with paragraphs, and quotes as blockquotes linking to their source', async () => {
    const { node } = await query(CommentDetailDocument, { id: await commentId(demoSlug, 13) });
    if (node?.__typename !== 'Comment') throw new Error('expected a comment');
    expect(node.bodyHtml).toBe(
      '<blockquote class="quote" cite="#comment-3"><p>you will be handed the wrench yourself. That\'s the whole point of the place.</p>' +
        '<footer><a class="quote-source" href="#comment-3">#3</a></footer></blockquote>' +
        "<p>Good advice, and it's how I learned, in my dad's garage, and how I taught my own kids. You don't learn a thing by watching someone else's hands.</p>" +
        '<blockquote class="quote" cite="#comment-10"><p>Between the racks and the library tools, Alder Hollow is turning into a bike town</p>' +
        '<footer><a class="quote-source" href="#comment-10">#10</a></footer></blockquote>' +
        "<p>Let's not get carried away. Two racks and a shelf of wrenches is a start. Call it a bike town when they fix the potholes on Quarry Street.</p>",
    );
  });

  it('pages quotedBy', async () => {
    const { node } = await query(CommentDetailDocument, { id: await commentId(demoSlug, 2), first: 0 });
    if (node?.__typename !== 'Comment') throw new Error('expected a comment');
    expect(node.quotedBy).toMatchObject({ totalCount: 1, edges: [], pageInfo: { hasNextPage: true } });
  });
});

describe('permalink', () => {
  it('finds the page of top-level comments holding a deep reply, with its ancestors', async () => {
    // 30 replies to 26 → 21 → 14 → 11 → 7; top-level comments are 1, 2, 4, 7, 10, 16, 22, 31, 34.
    const result = await query(CommentPermalinkDocument, { commentId: await commentId(demoSlug, 30), pageSize: 3 });
    const permalink = result.permalink!;
    expect(permalink.comment).toMatchObject({ number: 30, depth: 5 });
    expect(permalink.ancestors.map((c) => c.number)).toEqual([7, 11, 14, 21, 26]);
    expect(permalink.page).toBe(2);
    expect(permalink.comments.edges.map((e) => e.node.number)).toEqual([7, 10, 16]);
    expect(permalink.comments.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    expect(permalink.comments.totalCount).toBe(9);
    expect(permalink.comments.edges[0]!.node.replies.edges.map((e) => e.node.number)).toEqual([11]);

    // Its cursors continue in Article.comments, both ways.
    const before = await query(ArticleCommentsDocument, {
      slug: demoSlug,
      last: 3,
      before: permalink.comments.pageInfo.startCursor,
      topLevelOnly: true,
    });
    expect(before.article!.comments.edges.map((e) => e.node.number)).toEqual([1, 2, 4]);
    const after = await query(ArticleCommentsDocument, {
      slug: demoSlug,
      first: 3,
      after: permalink.comments.pageInfo.endCursor,
      topLevelOnly: true,
    });
    expect(after.article!.comments.edges.map((e) => e.node.number)).toEqual([22, 31, 34]);
  });

  it('lands on the last page for a reply in the last thread', async () => {
    // 33 replies to 32 → 31; three a page, the top-level comments fill pages of 1, 2, 4 / 7, 10, 16 / 22, 31, 34.
    const result = await query(CommentPermalinkDocument, { commentId: await commentId(demoSlug, 33), pageSize: 3 });
    const permalink = result.permalink!;
    expect(permalink.comment).toMatchObject({ number: 33, depth: 2 });
    expect(permalink.ancestors.map((c) => c.number)).toEqual([31, 32]);
    expect(permalink.page).toBe(3);
    expect(permalink.comments.edges.map((e) => e.node.number)).toEqual([22, 31, 34]);
    expect(permalink.comments.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    expect(permalink.comments.edges[1]!.node.replies.edges.map((e) => e.node.number)).toEqual([32]);
  });

  it('starts from a #comment-N link: Article.comment(number) names the comment, null for a number not posted', async () => {
    const { article } = await query(CommentByNumberDocument, { slug: demoSlug, number: 30 });
    expect(article!.comment).toMatchObject({ id: await commentId(demoSlug, 30), number: 30 });
    // Imported comments keep the words of their archive: no edit window.
    expect(article!.comment!.editableUntil).toBeNull();
    for (const number of [0, -1, 424242]) {
      expect((await query(CommentByNumberDocument, { slug: demoSlug, number })).article!.comment).toBeNull();
    }
  });

  it('is null for a comment that does not exist, and refuses a page over 100', async () => {
    expect((await query(CommentPermalinkDocument, { commentId: globalId('Comment', 424242) })).permalink).toBeNull();
    const result = await run(CommentPermalinkDocument, { commentId: await commentId(demoSlug, 1), pageSize: 101 });
    expect(result.errors?.[0]?.message).toMatch(/"pageSize" must be between 1 and 100; got 101/);
    const empty = await run(CommentPermalinkDocument, { commentId: await commentId(demoSlug, 1), pageSize: 0 });
    expect(empty.errors?.[0]?.message).toMatch(/"pageSize" must be between 1 and 100/);
  });
});
