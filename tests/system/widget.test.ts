// <threadline-comments> on the demo page, in a real headless Chromium (Debian's package, through
// playwright-core): two readers signed in as two authors, live updates across a lost network
// and a server restart, quoting by selection, permalinks, accessibility (axe-core) and a
// screenshot kept for a person to look at.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { LivePubSub } from '../../src/live/pubsub.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { ApproveCommentDocument, PostCommentDocument } from '../../schema/generated/graphql.js';
import { db, demoSlug, globalId, post, testApp, tokenFor, viewer } from '../helpers.js';

/** Where the screenshot of the demo page is kept (CI keeps the folder; nobody commits it). */
const artifacts = join(import.meta.dirname, '..', '..', 'test-results');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let app: App;
let port: number;
let browser: Browser;
let articleId: string;
let writer: string;

const serve = async (at: number) => {
  const server = testApp({ demoSignIn: true });
  const address = (await server.start(at, '127.0.0.1')) as AddressInfo;
  return { server, port: address.port };
};

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  articleId = globalId('Article', (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id);
  writer = await tokenFor(viewer('widget-writer', 'MODERATOR', 'Widget Writer'));
  ({ server: app, port } = await serve(0));
  const executablePath = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
});

/** Every reader's tab is closed after its test, passed or failed, and the server lets go of its subscriptions. */
const contexts: BrowserContext[] = [];
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  await expect.poll(() => app.pubsub.listenerCount, { timeout: 30_000 }).toBe(0);
});

let posts = 0;
/** A comment posted through the API (not a page), through `through` (default: the server the pages use). */
async function postComment(words: string, through: App = app): Promise<number> {
  const body = `${words} (${++posts})`;
  const { body: result } = await post(through, PostCommentDocument, { input: { articleId, body } }, { authorization: `Bearer ${writer}` });
  if (result.data?.postComment.__typename !== 'PostCommentSuccess') throw new Error(JSON.stringify(result));
  return result.data.postComment.comment.number;
}

/**
 * Resolves once the widget has drawn the thread in its shadow root (the server-rendered copy in
 * the light DOM has a heading of the same words, which a piercing locator would find first).
 */
const widgetDrawn = (page: Page) =>
  page.waitForFunction(
    () => document.querySelector('threadline-comments')?.shadowRoot?.querySelector('h2')?.textContent?.includes('comments on'),
    null,
    {
      timeout: 30_000,
    },
  );

/** A new reader's tab on the demo page, its widget drawn. */
async function reader(path = `/demo/${demoSlug}`): Promise<{ page: Page; context: BrowserContext }> {
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.goto(`http://127.0.0.1:${port}${path}`);
  await widgetDrawn(page);
  return { page, context };
}

async function signIn(page: Page, handle: string, name: string) {
  await page.fill('#demo-handle', handle);
  await page.fill('#demo-name', name);
  await page.click('#sign-in button[type=submit]');
  await page
    .locator('#signed-in')
    .filter({ hasText: `Signed in as ${handle}` })
    .waitFor();
  // Signing in reloads the thread as the reader sees it (their own comments awaiting review).
  await page.waitForFunction(() => !document.querySelector('threadline-comments')?.hasAttribute('aria-busy'), null, { timeout: 30_000 });
}

/** axe-core's serious and critical findings on the page as it is now (its context must bypass CSP). */
async function seriousViolations(page: Page) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: AxeViolation[] }> } }).axe;
    type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] };
    const { violations } = await axe.run(document);
    return violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      targets: nodes.map((node) => JSON.stringify(node.target)),
    }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/** How many times each comment number is shown in the widget (its `comment-N` ids). */
const shownNumbers = (page: Page) =>
  page.evaluate(() =>
    [...(document.querySelector('threadline-comments')?.shadowRoot?.querySelectorAll('article[id^="comment-"]') ?? [])].map((element) =>
      Number(element.id.slice('comment-'.length)),
    ),
  );

/** Resolves once the server holds `count` more live subscriptions than `before` (each widget holds two). */
const untilListening = async (server: App, count: number) => {
  await expect.poll(() => server.pubsub.listenerCount, { timeout: 30_000 }).toBe(count);
};

describe('the widget on the demo page', () => {
  it('shows one reader’s comment to another within a second', async () => {
    const a = await reader();
    const b = await reader();
    await signIn(a.page, 'ada', 'Ada Reader');
    await signIn(b.page, 'bo', 'Bo Reader');
    await untilListening(app, 4);

    await a.page.fill('threadline-comments textarea#threadline-post-new', 'Hello from Ada, live.');
    await a.page.click('threadline-comments form[aria-label="Your comment"] button[type=submit]');
    const mine = a.page.locator('threadline-comments article', { hasText: 'Hello from Ada, live.' });
    await mine.waitFor({ timeout: 10_000 });
    const shownAt = Date.now();
    const number = Number((await mine.getAttribute('id'))!.slice('comment-'.length));
    await b.page.locator(`threadline-comments #comment-${number}`).waitFor({ timeout: 10_000 });
    expect(Date.now() - shownAt).toBeLessThan(1000);
    expect(await b.page.locator(`threadline-comments #comment-${number} [part~=author]`).textContent()).toBe('Ada Reader');
    // Bo may not edit or delete Ada's comment; Ada may.
    expect(await b.page.locator(`threadline-comments #comment-${number} button`, { hasText: 'Edit' }).count()).toBe(0);
    expect(await a.page.locator(`threadline-comments #comment-${number} button`, { hasText: 'Edit' }).count()).toBe(1);
  });

  it('shows each comment posted while the reader was offline exactly once when the network comes back', async () => {
    const { page, context } = await reader();
    await untilListening(app, 2);
    await context.setOffline(true);
    // The widget gives its socket up when the browser says it is offline: the server sees the subscriptions go.
    const posted = [
      await postComment('While offline, one.'),
      await postComment('While offline, two.'),
      await postComment('While offline, three.'),
    ];
    await context.setOffline(false);
    for (const number of posted) await page.locator(`threadline-comments #comment-${number}`).waitFor({ timeout: 60_000 });
    const shown = await shownNumbers(page);
    for (const number of posted) expect(shown.filter((n) => n === number)).toHaveLength(1);
    expect(new Set(shown).size).toBe(shown.length);
  });

  it('survives a server restart: what was posted meanwhile is shown once each', async () => {
    const { page } = await reader();
    await untilListening(app, 2);
    await app.stop();
    const elsewhere = testApp({ pubsub: new LivePubSub(), redisUrl: null });
    const posted = [await postComment('During the restart, one.', elsewhere), await postComment('During the restart, two.', elsewhere)];
    ({ server: app } = await serve(port));
    await untilListening(app, 2);
    posted.push(await postComment('After the restart.'));
    for (const number of posted) await page.locator(`threadline-comments #comment-${number}`).waitFor({ timeout: 60_000 });
    const shown = await shownNumbers(page);
    for (const number of posted) expect(shown.filter((n) => n === number)).toHaveLength(1);
  });

  it('takes over the server-rendered thread: its comments leave the page once the widget has drawn its own', async () => {
    const { page } = await reader();
    // The light DOM held the server's comment-N elements; the shadow root holds them now, once each.
    expect(await page.evaluate(() => document.querySelectorAll('[id^="comment-"]').length)).toBe(0);
    const shown = await shownNumbers(page);
    expect(shown).toContain(1);
    expect(new Set(shown).size).toBe(shown.length);
  });

  it('holds a new comment above the reader behind an announced button instead of moving the page', async () => {
    const { page } = await reader();
    await untilListening(app, 2);
    // The reader has read down past comment 1 and its replies.
    await page.evaluate(() => document.querySelector('threadline-comments')!.shadowRoot!.querySelector('#comment-10')!.scrollIntoView());
    const top = () =>
      page.evaluate(
        () => document.querySelector('threadline-comments')!.shadowRoot!.querySelector('#comment-10')!.getBoundingClientRect().top,
      );
    const before = await top();
    const { body: result } = await post(
      app,
      PostCommentDocument,
      {
        input: {
          articleId,
          body: 'A late reply to the first comment.',
          replyToId: (await page.locator('threadline-comments #comment-1').getAttribute('data-comment-id'))!,
        },
      },
      { authorization: `Bearer ${writer}` },
    );
    expect(result.data?.postComment.__typename).toBe('PostCommentSuccess');
    const notice = page.locator('threadline-comments button[part~=notice]');
    await notice.filter({ hasText: '1 new comment above' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('threadline-comments [aria-live]').textContent()).toBe('1 new comment above.');
    // Not moved (give or take the rounding of a sub-pixel layout).
    expect(Math.abs((await top()) - before)).toBeLessThan(1);
    expect(await page.locator('threadline-comments article', { hasText: 'A late reply to the first comment.' }).count()).toBe(0);
    await notice.click();
    const reply = page.locator('threadline-comments article', { hasText: 'A late reply to the first comment.' });
    await reply.waitFor();
    expect(
      await reply.evaluate(
        (element) => element.getRootNode() instanceof ShadowRoot && (element.getRootNode() as ShadowRoot).activeElement === element,
      ),
    ).toBe(true);
  });

  it('is usable from the keyboard alone: reaching Reply, writing and posting without a pointer', async () => {
    const { page } = await reader();
    await signIn(page, 'dee', 'Dee Keys');
    const focusedLabel = () =>
      page.evaluate(() => {
        let element: Element | null = document.activeElement;
        while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
        return element?.getAttribute('aria-label') ?? element?.id ?? '';
      });
    let presses = 0;
    while ((await focusedLabel()) !== 'Reply to comment 1') {
      if (++presses > 80) throw new Error('Tab never reached "Reply to comment 1"');
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    expect(await focusedLabel()).toBe('threadline-reply-1');
    await page.keyboard.type('Typed without a mouse.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    const reply = page.locator('threadline-comments article', { hasText: 'Typed without a mouse.' });
    await reply.waitFor({ timeout: 10_000 });
    expect(await reply.locator('header').textContent()).toContain('in reply to #1');
  });

  it('quotes the words a reader selects, sending their exact offsets in the quoted body', async () => {
    const source = 'Beta gamma, said one. The ferry leaves at nine, beta gamma again.';
    const number = await postComment(source);
    const { page } = await reader();
    await signIn(page, 'cy', 'Cy Reader');
    const quotedBody = (await db.reader.comment.findFirstOrThrow({ where: { number, article: { slug: demoSlug } } })).body;
    // The reader selects the second "beta gamma" (not the first, which differs only in case).
    await page.evaluate((n) => {
      const paragraph = document.querySelector('threadline-comments')!.shadowRoot!.querySelector(`#comment-${n} [data-body] p`)!;
      const text = paragraph.firstChild!;
      const at = text.textContent!.lastIndexOf('beta gamma');
      const range = document.createRange();
      range.setStart(text, at);
      range.setEnd(text, at + 'beta gamma'.length);
      document.getSelection()!.removeAllRanges();
      document.getSelection()!.addRange(range);
    }, number);
    await page.click(`threadline-comments button[aria-label="Quote comment ${number}"]`);
    const form = page.locator(`threadline-comments form[aria-label="Your reply to #${number}"]`);
    expect(await form.locator('.quoting').textContent()).toBe(`Quoting #${number}: “beta gamma”`);
    await form.locator('textarea').fill('Quoting the second one.');
    await form.locator('button[type=submit]').click();
    await page.locator('threadline-comments article', { hasText: 'Quoting the second one.' }).waitFor({ timeout: 10_000 });
    const quote = await db.reader.quote.findFirstOrThrow({ where: { comment: { body: 'Quoting the second one.' } } });
    expect(quote).toMatchObject({
      start: quotedBody.lastIndexOf('beta gamma'),
      end: quotedBody.lastIndexOf('beta gamma') + 10,
      text: 'beta gamma',
    });
    // The reply shows the quote linked to its source, and the source lists it under "Quoted by".
    const reply = page.locator('threadline-comments article', { hasText: 'Quoting the second one.' });
    expect(await reply.locator(`blockquote a[href="#comment-${number}"]`).count()).toBe(1);
  });

  it('counts the selected words in the comment’s own text, not in a quote of another comment shown above it', async () => {
    const source = await postComment('yes.');
    const sourceId = (await db.reader.comment.findFirstOrThrow({ where: { number: source, article: { slug: demoSlug } } })).id;
    // A comment whose body says "yes" twice, quoting the source's "yes" (shown above the body, not part of it).
    const { body: result } = await post(
      app,
      PostCommentDocument,
      { input: { articleId, body: 'yes, and yes again', quotes: [{ commentId: globalId('Comment', sourceId), start: 0, end: 3 }] } },
      { authorization: `Bearer ${writer}` },
    );
    if (result.data?.postComment.__typename !== 'PostCommentSuccess') throw new Error(JSON.stringify(result));
    const number = result.data.postComment.comment.number;
    const { page } = await reader();
    await signIn(page, 'eve', 'Eve Reader');
    await page.evaluate((n) => {
      const paragraph = document.querySelector('threadline-comments')!.shadowRoot!.querySelector(`#comment-${n} [data-body] > p`)!;
      const range = document.createRange();
      range.setStart(paragraph.firstChild!, 0);
      range.setEnd(paragraph.firstChild!, 3);
      document.getSelection()!.removeAllRanges();
      document.getSelection()!.addRange(range);
    }, number);
    await page.click(`threadline-comments button[aria-label="Quote comment ${number}"]`);
    const form = page.locator(`threadline-comments form[aria-label="Your reply to #${number}"]`);
    await form.locator('textarea').fill('The first yes.');
    await form.locator('button[type=submit]').click();
    await page.locator('threadline-comments article', { hasText: 'The first yes.' }).waitFor({ timeout: 10_000 });
    const quote = await db.reader.quote.findFirstOrThrow({ where: { comment: { body: 'The first yes.' } } });
    expect(quote).toMatchObject({ start: 0, end: 3, text: 'yes' });
  });

  it('opens a #comment-N link on the page of top-level comments that holds it, under its ancestors', async () => {
    // Comment 30 replies to 26 → 21 → 14 → 11 → 7; three top-level comments a page put 7 on the second: 7, 10, 16.
    const { page } = await reader(`/demo/${demoSlug}?page-size=3#comment-30`);
    await page.locator('threadline-comments #comment-30').waitFor({ timeout: 10_000 });
    const state = await page.evaluate(() => {
      const root = document.querySelector('threadline-comments')!.shadowRoot!;
      const ids = (selector: string) => [...root.querySelectorAll(selector)].map((element) => element.id);
      return {
        focused: root.activeElement?.id,
        top: ids('ol.thread > li > article'),
        chain: ids('#comment-7 ~ ol article'),
      };
    });
    expect(state.focused).toBe('comment-30');
    expect(state.top).toEqual(['comment-7', 'comment-10', 'comment-16']);
    expect(state.chain).toEqual(['comment-11', 'comment-14', 'comment-21', 'comment-26', 'comment-30']);
    expect(await page.locator('threadline-comments #comment-30').isVisible()).toBe(true);
  });

  it('shows the server-rendered thread without JavaScript, with the same comment ids', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/demo/${demoSlug}`);
    expect(await page.locator('threadline-comments #comment-1').isVisible()).toBe(true);
    expect(await page.locator('threadline-comments #comment-30').isVisible()).toBe(true);
    expect(await page.locator('#sign-in').count()).toBe(1);
  });

  it('has no serious accessibility violations (axe-core), and leaves a screenshot to look at', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 1400 }, bypassCSP: true });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/demo/${demoSlug}`);
    await widgetDrawn(page);
    expect(await seriousViolations(page)).toEqual([]);
    mkdirSync(artifacts, { recursive: true });
    // The thread's first comments, under the heading and the form.
    await page.evaluate(() => document.querySelector('threadline-comments')!.scrollIntoView());
    await page.screenshot({ path: join(artifacts, 'widget-demo.png') });
  });
});

describe('moderation where a reader meets it', () => {
  /** The heading's count: the public's. */
  const headingCount = async (page: Page) =>
    Number(/^(\d+)/.exec((await page.locator('threadline-comments h2').textContent()) ?? '')?.[1] ?? Number.NaN);

  it('shows the reader their own comment awaiting review, to nobody else, until a moderator approves it', async () => {
    const demo = await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } });
    await db.writer.article.update({ where: { id: demo.id }, data: { moderation: 'PRE' } });
    try {
      const author = await reader();
      const other = await reader();
      await signIn(author.page, 'penny', 'Penny Pending');
      await untilListening(app, 4);
      const before = await headingCount(author.page);

      await author.page.fill('threadline-comments textarea#threadline-post-new', 'Held until a moderator reads it.');
      await author.page.click('threadline-comments form[aria-label="Your comment"] button[type=submit]');
      const mine = author.page.locator('threadline-comments article', { hasText: 'Held until a moderator reads it.' });
      await mine.waitFor({ timeout: 10_000 });
      expect(await mine.locator('[part~=status]').textContent()).toBe('Awaiting review');
      expect(await mine.textContent()).toContain('Only you can see this comment until a moderator approves it.');
      // Nobody can reply to it or quote it yet; its author may still edit or delete it.
      expect(await mine.locator('button', { hasText: /^(Reply|Quote|Report)$/ }).count()).toBe(0);
      expect(await mine.locator('button', { hasText: 'Edit' }).count()).toBe(1);
      expect(await mine.locator('button', { hasText: 'Delete' }).count()).toBe(1);
      await expect
        .poll(() => author.page.locator('threadline-comments [aria-live]').textContent())
        .toContain('once a moderator approves it');
      expect(await headingCount(author.page)).toBe(before);
      const number = Number((await mine.getAttribute('id'))!.slice('comment-'.length));

      // Back on the page later, by its link, signed in (the demo keeps the token for the tab):
      // still there, still marked. By the same link, somebody else finds a tombstone.
      const permalink = `/demo/${demoSlug}#comment-${number}`;
      await author.page.goto(`http://127.0.0.1:${port}/demo/${demoSlug}`);
      await author.page.goto(`http://127.0.0.1:${port}${permalink}`);
      await author.page.locator(`threadline-comments #comment-${number} [part~=status]`).waitFor({ timeout: 10_000 });
      expect(await author.page.locator('#signed-in').textContent()).toBe('Signed in as penny');
      const stranger = await reader(permalink);
      const tombstone = stranger.page.locator(`threadline-comments #comment-${number}`);
      await tombstone.waitFor({ timeout: 10_000 });
      expect(await tombstone.textContent()).toContain('This comment was deleted.');
      expect(await stranger.page.locator('threadline-comments [part~=thread]').textContent()).not.toContain(
        'Held until a moderator reads it.',
      );
      expect(await tombstone.locator('[part~=status]').count()).toBe(0);
      expect(await shownNumbers(other.page)).not.toContain(number);

      // Approved: it is everybody's, live, and counts.
      const comment = await db.reader.comment.findFirstOrThrow({ where: { articleId: demo.id, number } });
      const { body } = await post(
        app,
        ApproveCommentDocument,
        { input: { commentId: globalId('Comment', comment.id) } },
        { authorization: `Bearer ${writer}` },
      );
      expect(body.data?.approveComment.__typename).toBe('ApproveCommentSuccess');
      await other.page.locator(`threadline-comments #comment-${number}`).waitFor({ timeout: 10_000 });
      await expect.poll(() => author.page.locator(`threadline-comments #comment-${number} [part~=status]`).count()).toBe(0);
      expect(await author.page.locator(`threadline-comments #comment-${number}`).textContent()).not.toContain('Only you can see');
      expect(await headingCount(author.page)).toBe(before + 1);
    } finally {
      await db.writer.article.update({ where: { id: demo.id }, data: { moderation: null } });
    }
  });

  it('lets a reader report a comment with a reason and a note, once', async () => {
    const number = await postComment('A comment somebody will report');
    const context = await browser.newContext({ viewport: { width: 900, height: 900 }, bypassCSP: true });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
    // By its link: however long the thread has grown, the comment is on the page.
    await page.goto(`http://127.0.0.1:${port}/demo/${demoSlug}#comment-${number}`);
    await widgetDrawn(page);
    await signIn(page, 'rory', 'Rory Reporter');
    const target = page.locator(`threadline-comments #comment-${number}`);
    await target.waitFor({ timeout: 10_000 });
    await target.locator('button', { hasText: 'Report' }).click();
    const form = page.locator(`threadline-comments form[aria-label="Report comment #${number}"]`);
    await form.waitFor();
    // The form is as usable as the rest: labelled choices, no serious accessibility findings.
    expect(await seriousViolations(page)).toEqual([]);
    await form.getByLabel('Off topic').check();
    await form.getByLabel('Anything moderators should know (optional)').fill('About another article entirely.');
    await form.locator('button[type=submit]').click();
    await target.locator('[part~=status]', { hasText: 'Reported' }).waitFor({ timeout: 10_000 });
    expect(await form.count()).toBe(0);
    expect(await target.locator('button', { hasText: 'Report' }).count()).toBe(0);

    const comment = await db.reader.comment.findFirstOrThrow({ where: { number, article: { slug: demoSlug } }, select: { id: true } });
    const reports = await db.reader.report.findMany({ where: { commentId: comment.id }, include: { author: true } });
    expect(reports.map((report) => [report.author.handle, report.reason, report.note])).toEqual([
      ['rory', 'OFF_TOPIC', 'About another article entirely.'],
    ]);
  });
});

describe('reactions and pins where a reader meets them', () => {
  it('counts a reader’s reaction, pressed for them, and shows it live to another reader', async () => {
    const number = await postComment('A comment worth a like');
    const liker = await reader(`/demo/${demoSlug}#comment-${number}`);
    await signIn(liker.page, 'lee', 'Lee Liker');
    const watcher = await reader(`/demo/${demoSlug}#comment-${number}`);
    const likeOf = (page: Page) => page.locator(`threadline-comments #comment-${number} button.reaction[data-kind=LIKE]`);
    const count = (page: Page) => likeOf(page).locator('.count').textContent();
    // Its accessible name is its own words: what a screen reader says, and what a voice user says to press it.
    expect(await likeOf(watcher.page).textContent()).toBe(`👍 Like comment ${number}: 0`);
    await likeOf(liker.page).click();
    await expect.poll(() => likeOf(liker.page).getAttribute('aria-pressed')).toBe('true');
    expect(await count(liker.page)).toBe('1');
    // The other reader hears of it through one coalesced REACTED event, within a second or so.
    await expect.poll(() => count(watcher.page), { timeout: 10_000 }).toBe('1');
    expect(await likeOf(watcher.page).getAttribute('aria-pressed')).toBe('false');
    // Pressed again: taken back.
    await likeOf(liker.page).click();
    await expect.poll(() => likeOf(liker.page).getAttribute('aria-pressed')).toBe('false');
    await expect.poll(() => count(watcher.page), { timeout: 10_000 }).toBe('0');
  });

  it('shows a pinned comment first, live and on load, and in the server-rendered thread', async () => {
    const number = await postComment('A comment a moderator will pin');
    const { page } = await reader();
    const pinnedFirst = (target: Page) =>
      target.evaluate(() => {
        const root = document.querySelector('threadline-comments')?.shadowRoot;
        const first = root?.querySelector('ol.thread article');
        return first ? { id: first.id, pinned: first.querySelector('[part~=pinned]')?.textContent ?? null } : null;
      });
    const comment = await db.reader.comment.findFirstOrThrow({ where: { number, article: { slug: demoSlug } }, select: { id: true } });
    const pin = (mutation: 'pinComment' | 'unpinComment') =>
      post(
        app,
        `mutation($id: ID!) { ${mutation}(input: { commentId: $id }) { __typename } }`,
        { id: globalId('Comment', comment.id) },
        {
          authorization: `Bearer ${writer}`,
        },
      );
    try {
      expect((await pin('pinComment')).body.data).toEqual({ pinComment: { __typename: 'PinCommentSuccess' } });
      // Live: the reader's thread moves it to the top.
      await expect.poll(() => pinnedFirst(page), { timeout: 10_000 }).toEqual({ id: `comment-${number}`, pinned: 'Pinned' });
      // On load: first, once.
      const fresh = await reader();
      expect(await pinnedFirst(fresh.page)).toEqual({ id: `comment-${number}`, pinned: 'Pinned' });
      expect(await fresh.page.locator(`threadline-comments #comment-${number}`).count()).toBe(1);
      // Without JavaScript: the server-rendered thread lists it first, once.
      const html = await (await fetch(`http://127.0.0.1:${port}/articles/${demoSlug}/comments`)).text();
      expect(html.indexOf(`id="comment-${number}"`)).toBeGreaterThan(-1);
      expect(html.indexOf(`id="comment-${number}"`)).toBeLessThan(html.indexOf('id="comment-1"'));
      expect(html.split(`id="comment-${number}"`).length).toBe(2);
      expect((await pin('unpinComment')).body.data).toEqual({ unpinComment: { __typename: 'UnpinCommentSuccess' } });
      await expect.poll(() => pinnedFirst(page), { timeout: 10_000 }).toEqual({ id: 'comment-1', pinned: null });
    } finally {
      await pin('unpinComment');
    }
  });
});
