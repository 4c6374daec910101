import { beforeAll, describe, expect, it } from 'vitest';
import { loadThread } from '../../src/importers/load.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import {
  ArticleNestedDocument,
  type ArticleNestedQuery,
  ArticleThreadDocument,
  type ArticleThreadQuery,
} from '../../schema/generated/graphql.js';
import { generatedThread } from '../fixtures/threads.js';
import { db, demoSlug, query, statementsOf } from '../helpers.js';

const generatedSlug = 'generated-1000';

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  // 25 top-level comments × (1 + 3 + 9 + 27) = 1,000 comments, three levels of replies.
  const thread = generatedThread(generatedSlug, { topLevel: 25, fanout: [3, 3, 3] });
  expect(thread.comments).toHaveLength(1000);
  await loadThread(db, thread);
});

describe('reading a thread costs a fixed number of SQL statements', () => {
  it('flat (Article.thread): the same for a page of the 34-comment demo thread and a page of 500 of a 1,000-comment thread', async () => {
    let demo: ArticleThreadQuery | undefined;
    let generated: ArticleThreadQuery | undefined;
    const demoStatements = await statementsOf(async () => {
      demo = await query(ArticleThreadDocument, { slug: demoSlug });
    });
    const generatedStatements = await statementsOf(async () => {
      generated = await query(ArticleThreadDocument, { slug: generatedSlug });
    });

    expect(demo!.article!.thread.edges).toHaveLength(34);
    expect(generated!.article!.thread.edges).toHaveLength(500);
    expect(generated!.article!.thread.pageInfo.hasNextPage).toBe(true);
    // Depth-first: every comment comes right after its parent's subtree began, with its depth.
    const nodes = demo!.article!.thread.edges.map((edge) => edge.node);
    const seen = new Map<string, number>();
    for (const [index, node] of nodes.entries()) {
      if (node.parent) {
        expect(seen.has(node.parent.id)).toBe(true);
        expect(node.depth).toBe(nodes[seen.get(node.parent.id)!]!.depth + 1);
      } else expect(node.depth).toBe(0);
      seen.set(node.id, index);
    }
    // Quotes, quoted comments and authors were really fetched, not skipped.
    const c5 = nodes.find((node) => node.number === 5)!;
    expect(c5.quotes[0]!.quotedComment).toMatchObject({ number: 2, author: { name: 'Wendell Ashby' } });
    const c9 = nodes.find((node) => node.number === 9)!;
    expect(c9).toMatchObject({ depth: 3, author: { name: 'Dana K' }, mentions: [], replyCount: 1 });
    expect(c9.quotes[0]!.quotedComment).toMatchObject({ number: 6, author: { name: 'Tomás Reyes' } });

    expect(generatedStatements.length).toBe(demoStatements.length);
    // Recorded, so that a change shows up in review.
    expect(demoStatements.length).toMatchInlineSnapshot(`13`);
  });

  it('nested (replies of replies): the same for the demo thread and the 1,000-comment thread', async () => {
    let demo: ArticleNestedQuery | undefined;
    let generated: ArticleNestedQuery | undefined;
    const demoStatements = await statementsOf(async () => {
      demo = await query(ArticleNestedDocument, { slug: demoSlug, first: 15 });
    });
    const generatedStatements = await statementsOf(async () => {
      generated = await query(ArticleNestedDocument, { slug: generatedSlug, first: 15 });
    });
    const count = (data: ArticleNestedQuery) => {
      let total = 0;
      const walk = (connection: { edges: { node: object }[] } | undefined) => {
        for (const { node } of connection?.edges ?? []) {
          total++;
          walk((node as { replies?: { edges: { node: object }[] } }).replies);
        }
      };
      walk(data.article?.comments);
      return total;
    };
    // 15 top-level comments, at most 5 replies a level: the generated thread has 3 at each level
    // (its deepest level, 405 comments, loads in one statement, as the demo's does).
    expect(count(generated!)).toBe(15 + 15 * 3 + 15 * 9 + 15 * 27);
    expect(count(demo!)).toBe(await demoCommentsWithinFourLevels());
    expect(generatedStatements.length).toBe(demoStatements.length);
    expect(demoStatements.length).toMatchInlineSnapshot(`12`);
  });
});

async function demoCommentsWithinFourLevels(): Promise<number> {
  const topLevel = await db.reader.comment.findMany({
    where: { article: { slug: demoSlug }, parentId: null },
    orderBy: { number: 'asc' },
    take: 15,
    select: { id: true },
  });
  let total = topLevel.length;
  let level = topLevel.map((row) => row.id);
  for (let depth = 1; depth <= 3; depth++) {
    const replies = await db.reader.comment.findMany({
      where: { parentId: { in: level } },
      orderBy: { number: 'asc' },
      select: { id: true, parentId: true },
    });
    const byParent = new Map<number, number[]>();
    for (const reply of replies) byParent.set(reply.parentId!, [...(byParent.get(reply.parentId!) ?? []), reply.id]);
    level = [...byParent.values()].flatMap((ids) => ids.slice(0, 5));
    total += level.length;
  }
  return total;
}
