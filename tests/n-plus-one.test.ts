import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../src/db.js';
import { loadThread } from '../src/importers/load.js';
import type { CommentRecord, ThreadRecord } from '../src/importers/records.js';
import { ArticleThreadDocument, type ArticleThreadQuery } from '../schema/generated/graphql.js';
import { exampleSlug, importExample, query, statementsOf } from './helpers.js';

/**
 * A thread of `topLevel` comments, each with `fanout` replies at each of three levels below it,
 * every reply quoting its parent and mentioning the author of the top-level comment.
 */
export function generatedThread(slug: string, topLevel: number, fanout: number): ThreadRecord {
  const comments: CommentRecord[] = [];
  const author = (n: number) => ({ handle: `reader-${n % 37}`, name: `Reader ${n % 37}`, bio: null });
  const add = (parent: CommentRecord | null, depth: number) => {
    const number = comments.length + 1;
    const body = `Comment ${number} at depth ${depth}: a point about wheels, spokes and patience.`;
    const record: CommentRecord = {
      number,
      author: author(number),
      body: parent ? `${parent.body}\n\n${body}` : body,
      parentNumber: parent?.number ?? null,
      mentions: parent ? [author(parent.number).handle] : [],
      unresolvedMentions: [],
      quotes: parent ? [{ quotedNumber: parent.number, text: parent.body, start: 0, end: parent.body.length, bodyStart: 0, bodyEnd: parent.body.length }] : [],
      createdAt: null,
    };
    comments.push(record);
    if (depth < 3) for (let i = 0; i < fanout; i++) add(record, depth + 1);
  };
  for (let i = 0; i < topLevel; i++) add(null, 0);
  return {
    article: {
      slug,
      title: `Generated thread ${slug}`,
      body: 'A generated article.',
      publishedAt: null,
      author: { handle: 'generator', name: 'Generator', bio: null },
      tags: [{ slug: 'generated', name: 'Generated' }],
    },
    comments,
  };
}

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
    const thread = generatedThread(generatedSlug, 25, 3);
    expect(thread.comments).toHaveLength(1000);
    await loadThread(prisma, thread);
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
    const c12 = example!.article!.comments.edges
      .flatMap((e) => e.node.replies.edges)
      .find((e) => e.node.number === 12)!.node;
    expect(c12.quotes[0]!.quotedComment).toMatchObject({ number: 11, author: { name: 'Kari Q' } });

    expect(generatedStatements.length).toBe(exampleStatements.length);
    // One statement per level and relation, whatever the thread's size; record it so a change shows up in review.
    expect(exampleStatements.length).toMatchInlineSnapshot(`36`);
  });
});
