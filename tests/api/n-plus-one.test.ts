import { beforeAll, describe, expect, it } from 'vitest';
import { loadThread } from '../../src/importers/load.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { ArticleThreadDocument, type ArticleThreadQuery } from '../../schema/generated/graphql.js';
import { generatedThread } from '../fixtures/threads.js';
import { demoSlug, query, statementsOf } from '../helpers.js';

const countNodes = (data: ArticleThreadQuery) => {
  let count = 0;
  const walk = (connection: { edges: { node: object }[] } | undefined) => {
    for (const { node } of connection?.edges ?? []) {
      count++;
      walk((node as { replies?: { edges: { node: object }[] } }).replies);
    }
  };
  walk(data.article?.comments);
  return count;
};

describe('fetching a whole thread costs a fixed number of SQL statements', () => {
  const generatedSlug = 'generated-1000';

  beforeAll(async () => {
    await seedDemoIfEmpty();
    // 25 top-level comments × (1 + 3 + 9 + 27) = 1,000 comments, three levels of replies.
    const thread = generatedThread(generatedSlug, { topLevel: 25, fanout: [3, 3, 3] });
    expect(thread.comments).toHaveLength(1000);
    await loadThread(thread);
  });

  it('is the same count for the 34-comment demo thread and a 1,000-comment thread', async () => {
    let demo: ArticleThreadQuery | undefined;
    let generated: ArticleThreadQuery | undefined;
    const demoStatements = await statementsOf(async () => {
      demo = await query(ArticleThreadDocument, { slug: demoSlug });
    });
    const generatedStatements = await statementsOf(async () => {
      generated = await query(ArticleThreadDocument, { slug: generatedSlug });
    });

    // The query reads four levels; 25 of the demo's comments are that shallow, the deepest at every level.
    expect(countNodes(demo!)).toBe(25);
    expect(countNodes(generated!)).toBe(1000);
    // Quotes, quoted comments and authors were really fetched, not skipped, down to the last level.
    const level1 = demo!.article!.comments.edges.flatMap((e) => e.node.replies.edges);
    const c5 = level1.find((e) => e.node.number === 5)!.node;
    expect(c5.quotes[0]!.quotedComment).toMatchObject({ number: 2, author: { name: 'Wendell Ashby' } });
    const level3 = level1.flatMap((e) => e.node.replies.edges).flatMap((e) => e.node.replies.edges);
    const c9 = level3.find((e) => e.node.number === 9)!.node;
    expect(c9).toMatchObject({ depth: 3, author: { name: 'Dana K' }, mentions: [], replyCount: 1 });
    expect(c9.quotes[0]!.quotedComment).toMatchObject({ number: 6, author: { name: 'Tomás Reyes' } });

    expect(generatedStatements.length).toBe(demoStatements.length);
    // One statement per level and relation, whatever the thread's size; record it so a change shows up in review.
    expect(demoStatements.length).toMatchInlineSnapshot(`36`);
  });
});
