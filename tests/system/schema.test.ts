import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSchemaSorted } from '../../src/schema/print.js';

describe('schema/schema.graphql', () => {
  it('is the printed, sorted Pothos schema (run `npm run schema:print` after changing the schema)', () => {
    expect(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8')).toBe(printSchemaSorted());
  });

  it('keeps the names of the public contract', () => {
    const sdl = printSchemaSorted();
    for (const name of [
      'node(id: ID!): Node',
      'nodes(ids: [ID!]!): [Node]!',
      'article(slug: String!): Article',
      'author(handle: String!): Author',
      'tag(slug: String!): Tag',
      'commentCount: Int!',
      'commentsLocked: Boolean!',
      'replyCount: Int!',
      'quotes: [Quote!]!',
      'mentions: [Author!]!',
      // Issue 9 made the edit history a connection: it is a list with no bound otherwise.
      'revisions(after: String, before: String, first: Int, last: Int): CommentRevisionConnection!',
      // Issue 9's flat thread, as API.md plans it.
      'thread(after: String, before: String, first: Int, last: Int): CommentConnection!',
      'sourceChanged: Boolean!',
      'parent: Comment',
      'enum CommentOrder',
    ]) {
      expect(sdl).toContain(name);
    }
    expect(sdl).toMatch(
      /comments\(\s*after: String\s*before: String\s*first: Int\s*last: Int\s*orderBy: CommentOrder = OLDEST[\s\S]*?topLevelOnly: Boolean = false\s*\): CommentConnection!/,
    );
    expect(sdl).toMatch(/articles\(\s*after: String\s*\n\s*"""An author handle."""\s*author: String/);
  });
});
