// GraphiQL in a real headless Chromium (Debian's package; .ci/run installs it). Playwright gives
// each launch a fresh temporary profile.
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { PostCommentDocument } from '../../schema/generated/graphql.js';
import { db, post, testApp, tokenFor, viewer } from '../helpers.js';

let app: App;
let address: AddressInfo;
let browser: Browser;

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  app = testApp();
  address = await app.start(0, '127.0.0.1');
  const executablePath = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

it('renders GraphiQL from local assets and runs a query', async () => {
  const page = await browser.newPage();
  const external: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol.startsWith('http') && url.hostname !== '127.0.0.1') external.push(request.url());
  });
  const query = '{ articles(first: 1) { edges { node { title commentCount } } } }';
  await page.goto(`http://127.0.0.1:${address.port}/graphql?query=${encodeURIComponent(query)}`);
  await page.locator('.graphiql-container').first().waitFor({ timeout: 30_000 });
  await page.locator('.graphiql-execute-button').first().click();
  const result = page.locator('.result-window').first();
  // The result pane wraps long lines and renders spaces as no-break spaces.
  // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, whose innerText is what the page shows
  const shown = async () => (await result.innerText()).replace(/\s+/g, ' ');
  await expect.poll(shown, { timeout: 30_000 }).toContain('"title": "Why the Alder Hollow Library Started Lending Bike Tools"');
  expect(await shown()).toContain('"commentCount": 34');
  expect(await page.title()).toBe('Threadline');
  await page.screenshot({ path: join(tmpdir(), 'threadline-graphiql.png') });
  expect(external).toEqual([]);
});

it('runs a subscription over the WebSocket and shows what arrives', async () => {
  const page = await browser.newPage();
  const article = await db.reader.article.findFirstOrThrow();
  const articleId = Buffer.from(`Article:${article.id}`).toString('base64');
  const query = `subscription { commentAdded(articleId: "${articleId}") { comment { body } } }`;
  await page.goto(`http://127.0.0.1:${address.port}/graphql?query=${encodeURIComponent(query)}`);
  await page.locator('.graphiql-container').first().waitFor({ timeout: 30_000 });
  const listeners = app.pubsub.listenerCount;
  await page.locator('.graphiql-execute-button').first().click();
  await expect.poll(() => app.pubsub.listenerCount, { timeout: 30_000 }).toBeGreaterThan(listeners);

  const token = await tokenFor(viewer('graphiql-writer', 'MODERATOR'));
  const { body } = await post(
    app,
    PostCommentDocument,
    { input: { articleId, body: 'Seen live in GraphiQL' } },
    { authorization: `Bearer ${token}` },
  );
  expect(body.data?.postComment.__typename).toBe('PostCommentSuccess');
  // biome-ignore lint/performance/useDomNodeTextContent: as above
  const shown = async () => (await page.locator('.result-window').first().innerText()).replace(/\s+/g, ' ');
  await expect.poll(shown, { timeout: 30_000 }).toContain('Seen live in GraphiQL');
  await page.close();
  await expect.poll(() => app.pubsub.listenerCount, { timeout: 30_000 }).toBe(listeners);
});
