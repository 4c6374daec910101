// Outside development, error messages guess at no name: checked on every kind of message
// graphql-js would add a "Did you mean" to, and shown to appear in development.
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { db, demoSlug, post, testApp } from '../helpers.js';

const probes: [string, string, Record<string, unknown>?][] = [
  ['a field', `{ article(slug: "${demoSlug}") { titel } }`],
  ['an argument', `{ article(slag: "${demoSlug}") { title } }`],
  ['an enum value in a literal', `{ article(slug: "${demoSlug}") { comments(orderBy: NEWES) { totalCount } } }`],
  [
    'an enum value in a variable',
    'query ($o: CommentOrder) { article(slug: "x") { comments(orderBy: $o) { totalCount } } }',
    { o: 'NEWES' },
  ],
  ['a type', 'query ($o: CommentOrdr) { __typename }'],
  ['a field of an interface (an inline fragment hint)', '{ node(id: "x") { slug } }'],
  ['an input field', 'mutation { postComment(input: { articleId: "x", bdy: "y" }) { __typename } }'],
  ['a fragment type', '{ node(id: "x") { ... on Coment { id } } }'],
];

let production: App;
let development: App;

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  production = testApp();
  development = testApp({ development: true });
});

describe('error messages outside development', () => {
  it.each(probes)('guess at no name: %s', async (_what, query, variables) => {
    const { body } = await post(production, query, variables);
    expect(body.errors?.length).toBeGreaterThan(0);
    for (const error of body.errors!) expect(error.message).not.toMatch(/Did you mean/);
  });

  it('still say what is wrong', async () => {
    const { body } = await post(production, `{ article(slug: "${demoSlug}") { titel } }`);
    expect(body.errors?.[0]?.message).toBe('Cannot query field "titel" on type "Article".');
  });
});

describe('in development', () => {
  it('the same probes do make guesses, so the check above has something to catch', async () => {
    let guesses = 0;
    for (const [, query, variables] of probes) {
      const { body } = await post(development, query, variables);
      if (body.errors?.some((error) => /Did you mean/.test(error.message))) guesses++;
    }
    expect(guesses).toBeGreaterThanOrEqual(probes.length - 1);
  });
});
