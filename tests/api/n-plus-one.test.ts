import { beforeAll, describe, expect, it } from 'vitest';
import { loadThread } from '../../src/importers/load.js';
import { ArticleThreadDocument, type ArticleThreadQuery } from '../../schema/generated/graphql.js';
import { generatedThread } from '../fixtures/threads.js';
import { exampleSlug, importExample, query, statementsOf } from '../helpers.js';

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
    await importExample();
    // 25 top-level comments × (1 + 3 + 9 + 27) = 1,000 comments, three levels of replies.
    const thread = generatedThread(generatedSlug, { topLevel: 25, fanout: [3, 3, 3] });
    expect(thread.comments).toHaveLength(1000);
    await loadThread(thread);
  });

  it('is the same count for the 26-comment example and a 1,000-comment thread', async () => {
    let example: ArticleThreadQuery | undefined;
    let generated: ArticleThreadQuery | undefined;
    const exampleStatements = await statementsOf(async () => {
      example = await query(ArticleThreadDocument, { slug: exampleSlug });
    });
    const generatedStatements = await statementsOf(async () => {
      generated = await query(ArticleThreadDocument, { slug: generatedSlug });
    });

    expect(countNodes(example!)).toBe(26);
    expect(countNodes(generated!)).toBe(1000);
    // Quotes, quoted comments and authors were really fetched, not skipped.
    const c12 = example!.article!.comments.edges.flatMap((e) => e.node.replies.edges).find((e) => e.node.number === 12)!.node;
    expect(c12.quotes[0]!.quotedComment).toMatchObject({ number: 11, author: { name: 'Kari Q' } });

    expect(generatedStatements.length).toBe(exampleStatements.length);
    // One statement per level and relation, whatever the thread's size; record it so a change shows up in review.
    expect(exampleStatements.length).toMatchInlineSnapshot(`36`);
  });
});
