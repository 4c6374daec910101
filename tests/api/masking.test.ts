import { afterAll, beforeAll, expect, it } from 'vitest';
import { print } from 'graphql';
import type { App } from '../../src/app.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { ArticleThreadDocument } from '../../schema/generated/graphql.js';
import { db, demoSlug, testApp } from '../helpers.js';

let app: App;
beforeAll(async () => {
  await seedDemoIfEmpty(db);
  app = testApp();
});
afterAll(() => app.stop());

it('masks an unexpected failure: no SQL, no stack, no driver message reach the client', async () => {
  // A real failure below the API: the table Mention disappears from this test's own database.
  await db.reader.$executeRawUnsafe('DROP TABLE "Mention"');
  const response = await app.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: print(ArticleThreadDocument), variables: { slug: demoSlug } }),
  });
  const body = await response.text();
  const { errors } = JSON.parse(body);
  expect(errors[0].message).toBe('Unexpected error.');
  expect(body).not.toMatch(/SELECT|Mention|no such table|prisma|\.ts:\d+|\.js:\d+|stack/i);
});
