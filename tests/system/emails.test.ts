// Issue 15, item 2: reply and quote emails through a real SMTP server (the smtp-server package
// on 127.0.0.1), sent from the outbox after the write; RFC 8058 one-click unsubscribe through
// a signed link that needs no sign-in; the daily digest; a failing server retried.
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SignJWT } from 'jose';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Viewer } from '../../src/auth.js';
import { defaultWriteLimits } from '../../src/config.js';
import {
  HideCommentDocument,
  NotificationPreferencesDocument,
  PostCommentDocument,
  SetNotificationPreferencesDocument,
} from '../../schema/generated/graphql.js';
import { db, globalId, post, query, testApp, testSecret, tokenFor, viewer } from '../helpers.js';

const writeLimits = { ...defaultWriteLimits, minIntervalSeconds: 0, windowMax: 100_000 };
let people = 0;
const someone = (email?: string): Viewer => ({
  ...viewer(`mail-reader-${++people}`, 'AUTHOR', `Reader ${people}`),
  ...(email ? { email } : {}),
});

/** A real SMTP server: keeps every message, or refuses while `refusing` is set. */
class Inbox {
  readonly mails: ParsedMail[] = [];
  refusing = 0;
  readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData: (stream, _session, callback) => {
      if (this.refusing > 0) {
        this.refusing--;
        stream.resume();
        stream.on('end', () => callback(Object.assign(new Error('Try again later'), { responseCode: 451 })));
        return;
      }
      simpleParser(stream).then(
        (mail) => {
          this.mails.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  url = '';
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
    return this;
  }
  to = (address: string) => this.mails.filter((mail) => mail.to && JSON.stringify(mail.to).includes(address));
  close = () => new Promise<void>((resolve) => this.server.close(() => resolve()));
}

let inbox: Inbox;
let app: App;
let origin: string;

beforeAll(async () => {
  inbox = await new Inbox().start();
  app = testApp({
    writeLimits,
    notifications: {
      worker: true,
      workerIntervalMs: 50,
      smtpUrl: inbox.url,
      mail: { from: 'Comments <comments@news.example>', digestEveryMs: 1500, retryBaseMs: 50, maxDelayMs: 100 },
    },
  });
  const address = await app.start(0, '127.0.0.1');
  origin = `http://127.0.0.1:${address.port}`;
});
afterAll(() => inbox.close());

async function newThread() {
  const owner = await db.writer.author.upsert({
    where: { handle: 'mail-owner' },
    create: { handle: 'mail-owner', name: 'Owner' },
    update: {},
  });
  const slug = `mail-${Math.random().toString(36).slice(2)}`;
  const { id } = await db.writer.article.create({
    data: {
      slug,
      title: `The ${slug} story`,
      body: 'Body.',
      publishedAt: new Date(Date.now() - 60_000),
      authorId: owner.id,
      moderation: 'POST',
    },
  });
  return { id, slug, globalId: globalId('Article', id) };
}

const auth = async (who: Viewer) => ({ authorization: `Bearer ${await tokenFor(who)}` });

async function comment(
  who: Viewer,
  articleId: string,
  body: string,
  extra: { replyToId?: string; quotes?: { commentId: string; start: number; end: number }[] } = {},
) {
  const result = await post(app, PostCommentDocument, { input: { articleId, body, ...extra } }, await auth(who));
  const payload = result.body.data!.postComment;
  if (payload.__typename !== 'PostCommentSuccess') throw new Error(JSON.stringify(payload));
  return payload.comment;
}

async function subscribe(who: Viewer, choice: { replies: boolean; quotes: boolean; digest?: 'NONE' | 'DAILY' }) {
  const result = await post(app, SetNotificationPreferencesDocument, { input: choice }, await auth(who));
  return result.body.data!.setNotificationPreferences;
}

/** Everything the outbox held is handed on and every due email is sent. */
const settle = () => app.worker!.idle();

describe('notification preferences', () => {
  it('needs an email address in the sign-in', async () => {
    const without = someone();
    expect(await subscribe(without, { replies: true, quotes: true })).toMatchObject({ __typename: 'ValidationError', field: 'email' });
    const withEmail = someone('dana@news.example');
    expect(await subscribe(withEmail, { replies: true, quotes: false, digest: 'DAILY' })).toEqual({
      __typename: 'SetNotificationPreferencesSuccess',
      preferences: { email: 'dana@news.example', replies: true, quotes: false, digest: 'DAILY' },
    });
    expect((await query(NotificationPreferencesDocument, {}, { viewer: withEmail })).notificationPreferences).toMatchObject({
      replies: true,
    });
    expect((await query(NotificationPreferencesDocument, {}, { viewer: someone() })).notificationPreferences).toBeNull();
    expect((await query(NotificationPreferencesDocument, {})).notificationPreferences).toBeNull();
  });

  it('takes "email": null, as identity providers send it, for no email', async () => {
    const token = await new SignJWT({ name: 'Nell Null', role: 'AUTHOR', email: null })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mail-null')
      .setExpirationTime('1h')
      .sign(testSecret);
    const result = await post(
      app,
      SetNotificationPreferencesDocument,
      { input: { replies: true, quotes: true } },
      { authorization: `Bearer ${token}` },
    );
    expect(result.status).toBe(200);
    expect(result.body.data!.setNotificationPreferences).toMatchObject({ __typename: 'ValidationError', field: 'email' });
  });

  it('refuses a token whose email claim is not an address', async () => {
    const response = await app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await auth({ ...someone(), email: 'x@y\r\nBcc: all@news.example' })) },
      body: JSON.stringify({ query: '{ viewer { handle } }' }),
    });
    expect(response.status).toBe(401);
  });
});

describe('reply and quote emails', () => {
  it('emails a reply and a quote, with a link to the comment and a one-click unsubscribe', async () => {
    const thread = await newThread();
    const dana = someone('dana.reply@news.example');
    await subscribe(dana, { replies: true, quotes: true });
    const original = await comment(dana, thread.globalId, 'The ferry should run every hour on weekends.');
    const replier = someone();
    await comment(replier, thread.globalId, 'Agreed, and late on Fridays.', { replyToId: original.id });
    await comment(someone(), thread.globalId, 'As someone said: every hour on weekends.', {
      quotes: [{ commentId: original.id, start: 21, end: 43 }],
    });
    // Dana's own reply to herself is nobody's news.
    await comment(dana, thread.globalId, 'Thanks all.', { replyToId: original.id });
    await expect.poll(() => inbox.to('dana.reply@news.example').length, { timeout: 5000 }).toBe(2);
    await settle();
    const mails = inbox.to('dana.reply@news.example');
    expect(mails).toHaveLength(2);
    const reply = mails.find((mail) => mail.subject?.includes('replied'))!;
    const quote = mails.find((mail) => mail.subject?.includes('quoted'))!;
    expect(reply.subject).toBe(`${replier.name} replied to your comment on “The ${thread.slug} story”`);
    expect(reply.from?.value).toEqual([{ name: 'Comments', address: 'comments@news.example' }]);
    expect(reply.text).toContain('Agreed, and late on Fridays.');
    expect(reply.text).toContain(`${origin}/articles/${thread.slug}/comments#comment-2`);
    expect(quote.text).toContain(`#comment-3`);

    const raw = (name: string) => reply.headerLines.find((header) => header.key === name)?.line.replace(/\r?\n[ \t]+/g, ' ') ?? '';
    const link = /^List-Unsubscribe:\s*<([^>]+)>$/i.exec(raw('list-unsubscribe'))?.[1] ?? '';
    expect(link).toMatch(new RegExp(`^${origin}/notifications/unsubscribe\\?author=\\d+&sig=`));
    expect(raw('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');

    // A mail scanner's GET unsubscribes nobody: it shows a button.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect((await query(NotificationPreferencesDocument, {}, { viewer: dana })).notificationPreferences).toMatchObject({
      replies: true,
      quotes: true,
    });

    // A forged or altered link changes nothing.
    const forged = await fetch(link.replace(/sig=[^&]+/, 'sig=AAAA'), { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    expect(forged.status).toBe(400);
    const otherAuthor = await fetch(link.replace(/author=\d+/, 'author=1'), { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    expect(otherAuthor.status).toBe(400);

    // The mail client's one-click POST (RFC 8058), with no sign-in.
    const done = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(done.status).toBe(200);
    expect((await query(NotificationPreferencesDocument, {}, { viewer: dana })).notificationPreferences).toMatchObject({
      replies: false,
      quotes: false,
    });
    await comment(someone(), thread.globalId, 'Another reply, unheard.', { replyToId: original.id });
    await settle();
    expect(inbox.to('dana.reply@news.example')).toHaveLength(2);
    expect(await db.reader.emailNotification.count({ where: { recipient: { handle: dana.handle }, sentAt: null } })).toBe(0);
  });

  it('sends what an author asked for only: no quote emails to one who wants replies alone', async () => {
    const thread = await newThread();
    const ana = someone('ana.replies@news.example');
    await subscribe(ana, { replies: true, quotes: false });
    const original = await comment(ana, thread.globalId, 'Quote this sentence if you like.');
    await comment(someone(), thread.globalId, 'Quoting: this sentence', { quotes: [{ commentId: original.id, start: 6, end: 19 }] });
    await comment(someone(), thread.globalId, 'A reply.', { replyToId: original.id });
    await expect.poll(() => inbox.to('ana.replies@news.example').length, { timeout: 5000 }).toBe(1);
    await settle();
    expect(inbox.to('ana.replies@news.example').map((mail) => mail.subject)).toEqual([expect.stringContaining('replied')]);
  });

  it('gathers a daily digest into one email once the oldest waiting notification is a day old', async () => {
    const thread = await newThread();
    const bo = someone('bo.digest@news.example');
    await subscribe(bo, { replies: true, quotes: true, digest: 'DAILY' });
    const original = await comment(bo, thread.globalId, 'Digest me.');
    for (let i = 1; i <= 3; i++) await comment(someone(), thread.globalId, `Reply ${i}.`, { replyToId: original.id });
    // The digest waits for its day (1.5 s here): until then, nothing.
    await settle();
    const waiting = await db.reader.emailNotification.findMany({ where: { recipient: { handle: bo.handle } } });
    expect(waiting).toHaveLength(3);
    if (waiting.every((row) => row.sentAt === null)) expect(inbox.to('bo.digest@news.example')).toHaveLength(0);
    await expect.poll(() => inbox.to('bo.digest@news.example').length, { timeout: 5000 }).toBe(1);
    const [digest] = inbox.to('bo.digest@news.example');
    expect(digest!.subject).toBe('3 replies and quotes of your comments');
    for (let i = 1; i <= 3; i++) expect(digest!.text).toContain(`Reply ${i}.`);
  });

  it('sends nothing for a reply a moderator hid before its email went out', async () => {
    const thread = await newThread();
    const di = someone('di.hidden@news.example');
    await subscribe(di, { replies: true, quotes: true, digest: 'DAILY' });
    const original = await comment(di, thread.globalId, 'Be kind below.');
    const nasty = await comment(someone(), thread.globalId, 'Something a moderator hides.', { replyToId: original.id });
    await comment(someone(), thread.globalId, 'A kind reply.', { replyToId: original.id });
    const hidden = await post(
      app,
      HideCommentDocument,
      { input: { commentId: nasty.id } },
      await auth(viewer('mail-moderator', 'MODERATOR')),
    );
    expect(hidden.body.data!.hideComment.__typename).toBe('HideCommentSuccess');
    await expect.poll(() => inbox.to('di.hidden@news.example').length, { timeout: 5000 }).toBe(1);
    const [digest] = inbox.to('di.hidden@news.example');
    expect(digest!.subject).toContain('replied');
    expect(digest!.text).toContain('A kind reply.');
    expect(digest!.text).not.toContain('Something a moderator hides.');
  });

  it('retries when the mail server refuses for a while', async () => {
    const thread = await newThread();
    const cy = someone('cy.retry@news.example');
    await subscribe(cy, { replies: true, quotes: true });
    const original = await comment(cy, thread.globalId, 'Retry my emails.');
    inbox.refusing = 2;
    await comment(someone(), thread.globalId, 'A reply through a busy server.', { replyToId: original.id });
    await expect.poll(() => inbox.to('cy.retry@news.example').length, { timeout: 5000 }).toBe(1);
    const row = await db.reader.emailNotification.findFirstOrThrow({ where: { recipient: { handle: cy.handle } } });
    expect(row.attemptCount).toBe(2);
    expect(row.sentAt).not.toBeNull();
  });
});
