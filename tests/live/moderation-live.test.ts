// Issue 14, live: moderators hear of held comments, reports and every action (moderationEvents)
// over real graphql-ws sockets and Server-Sent Events; the public hears of a held comment only
// once it is published.
import type { AddressInfo } from 'node:net';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../../src/app.js';
import type { Viewer } from '../../src/auth.js';
import { defaultWriteLimits } from '../../src/config.js';
import {
  ApproveCommentDocument,
  CommentAddedDocument,
  type CommentAddedSubscription,
  CommentChangedDocument,
  type CommentChangedSubscription,
  ModerationEventsDocument,
  type ModerationEventsSubscription,
  PostCommentDocument,
  RejectCommentDocument,
  ReportCommentDocument,
} from '../../schema/generated/graphql.js';
import { db, globalId, post, testApp, tokenFor, viewer } from '../helpers.js';

let app: App;
let address: AddressInfo;
const moderator = viewer('live-moderator', 'MODERATOR', 'Live Moderator');
let moderatorToken: string;

beforeAll(async () => {
  moderatorToken = await tokenFor(moderator);
  app = testApp({ writeLimits: { ...defaultWriteLimits, minIntervalSeconds: 0, windowMax: 1000 } });
  address = await app.start(0, '127.0.0.1');
});
afterAll(() => app.stop());
// Each test closes what it opened: the next starts with nobody listening.
afterEach(async () => {
  await eventually(() => app.moderationFeed.listeners === 0 && app.pubsub.listenerCount === 0, 'every subscription to end');
});

let threads = 0;
/** A published article of its own, moderated as `moderation` says. */
async function newThread(moderation: 'PRE' | 'POST' | null) {
  const slug = `live-moderated-${++threads}`;
  const owner = await db.writer.author.upsert({
    where: { handle: 'live-owner' },
    create: { handle: 'live-owner', name: 'Owner' },
    update: {},
    select: { id: true },
  });
  const { id } = await db.writer.article.create({
    data: { slug, title: slug, body: 'Body.', publishedAt: new Date(Date.now() - 60_000), authorId: owner.id, moderation },
    select: { id: true },
  });
  return globalId('Article', id);
}

async function eventually(check: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A real graphql-ws client signed in as `token` (or anonymous), with one subscription. */
function subscribe<TData, TVariables extends Record<string, unknown>>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  token?: string,
) {
  const client = createClient({
    url: `ws://127.0.0.1:${address.port}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
  const received: TData[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const stop = client.subscribe<TData>(
    { query: print(document), variables },
    {
      next: (value) => (value.errors ? errors.push(value.errors) : received.push(value.data as TData)),
      error: (error) => errors.push(error),
      complete: () => {
        completed = true;
      },
    },
  );
  return {
    received,
    errors,
    completed: () => completed,
    until: (count: number) => eventually(() => received.length >= count, `${count} events (have ${received.length})`),
    close: async () => {
      stop();
      await client.dispose();
    },
  };
}

/** Resolves once the moderation feed has `count` listeners: nothing written after is missed. */
const feedListeners = (count: number) => eventually(() => app.moderationFeed.listeners >= count, `${count} moderation listeners`);

async function as<TResult, TVariables>(who: Viewer, document: TypedDocumentNode<TResult, TVariables>, variables: TVariables) {
  const { body } = await post(app, document, variables, { authorization: `Bearer ${await tokenFor(who)}` });
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  const result = Object.values(body.data as Record<string, { __typename: string }>)[0]!;
  if (!result.__typename.endsWith('Success')) throw new Error(JSON.stringify(result));
  return result as unknown as Extract<TResult[keyof TResult], { __typename: `${string}Success` }>;
}

let people = 0;
const someone = () => viewer(`live-reader-${++people}`, 'AUTHOR', `Reader ${people}`);

const postComment = async (articleId: string, who: Viewer, body: string) =>
  (await as(who, PostCommentDocument, { input: { articleId, body } })).comment;

const kinds = (events: ModerationEventsSubscription[]) => events.map((e) => e.moderationEvents.entry.kind);

describe('moderationEvents', () => {
  it('pushes held comments, reports and moderators’ actions to moderators as they happen, in order', async () => {
    const held = await newThread('PRE');
    const open = await newThread(null);
    const listeners = app.moderationFeed.listeners;
    const sub = subscribe(ModerationEventsDocument, {}, moderatorToken);
    await feedListeners(listeners + 1);

    const writer = someone();
    const waiting = await postComment(held, writer, 'Held for a moderator.');
    const published = await postComment(open, writer, 'Out at once.');
    const reporter = someone();
    await as(reporter, ReportCommentDocument, { input: { commentId: published.id, reason: 'OFF_TOPIC', note: 'Not about this.' } });
    await as(moderator, ApproveCommentDocument, { input: { commentId: waiting.id } });
    await as(moderator, RejectCommentDocument, { input: { commentId: published.id, reason: 'Off topic.' } });
    await sub.until(4);
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Publishing at once is nobody's action: it is not in the log.
    expect(kinds(sub.received)).toEqual(['HOLD', 'REPORT', 'APPROVE', 'REJECT']);
    const [hold, report, approve, reject] = sub.received.map((e) => e.moderationEvents);
    expect(hold!.entry).toMatchObject({ actor: null, comment: { id: waiting.id, body: 'Held for a moderator.', status: 'PENDING' } });
    expect(hold!.entry.reason).toBeTruthy();
    expect(report!.entry).toMatchObject({ actor: { handle: reporter.handle }, comment: { id: published.id } });
    expect(approve!.entry).toMatchObject({ actor: { handle: moderator.handle }, comment: { id: waiting.id, status: 'PUBLISHED' } });
    expect(reject!.entry).toMatchObject({ actor: { handle: moderator.handle }, reason: 'Off topic.', comment: { status: 'REJECTED' } });
    expect(new Set(sub.received.map((e) => e.moderationEvents.cursor)).size).toBe(4);
    expect(sub.errors).toEqual([]);
    await sub.close();
  });

  it('replays what a moderator missed after their last cursor, then goes on live', async () => {
    const held = await newThread('PRE');
    const listeners = app.moderationFeed.listeners;
    const first = subscribe(ModerationEventsDocument, {}, moderatorToken);
    await feedListeners(listeners + 1);
    await postComment(held, someone(), 'Before the tunnel.');
    await first.until(1);
    const cursor = first.received[0]!.moderationEvents.cursor;
    await first.close();
    await eventually(() => app.moderationFeed.listeners === listeners, 'the feed to let go');

    const missed = [];
    for (let i = 0; i < 3; i++) missed.push(await postComment(held, someone(), `While away ${i}.`));
    const resumed = subscribe(ModerationEventsDocument, { after: cursor }, moderatorToken);
    await resumed.until(3);
    expect(resumed.received.map((e) => e.moderationEvents.entry.comment?.id)).toEqual(missed.map((c) => c.id));
    const live = await postComment(held, someone(), 'Back online.');
    await resumed.until(4);
    expect(resumed.received[3]!.moderationEvents.entry.comment?.id).toBe(live.id);
    expect(kinds(resumed.received)).toEqual(['HOLD', 'HOLD', 'HOLD', 'HOLD']);
    await resumed.close();
  });

  it('refuses readers and anonymous clients, and cursors that are not its own', async () => {
    const reader = subscribe(ModerationEventsDocument, {}, await tokenFor(someone()));
    const anonymous = subscribe(ModerationEventsDocument, {});
    const forged = subscribe(ModerationEventsDocument, { after: Buffer.from('CommentEvent:1').toString('base64') }, moderatorToken);
    await eventually(() => reader.errors.length > 0 && anonymous.errors.length > 0 && forged.errors.length > 0, 'three refusals');
    expect(JSON.stringify(reader.errors)).toMatch(/FORBIDDEN|not authorized/i);
    expect(JSON.stringify(anonymous.errors)).toMatch(/FORBIDDEN|UNAUTHENTICATED|not authorized/i);
    expect(JSON.stringify(forged.errors)).toContain('is not a moderation event cursor');
    expect([...reader.received, ...anonymous.received, ...forged.received]).toEqual([]);
    // Refused when they start: none of them holds a listener on the feed.
    expect(app.moderationFeed.listeners).toBe(0);
    await Promise.all([reader.close(), anonymous.close(), forged.close()]);
  });

  it('streams over Server-Sent Events to a moderator', async () => {
    const held = await newThread('PRE');
    const listeners = app.moderationFeed.listeners;
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${address.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${moderatorToken}` },
      body: JSON.stringify({ query: print(ModerationEventsDocument), variables: {} }),
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await feedListeners(listeners + 1);
    const comment = await postComment(held, someone(), 'Held, heard over SSE.');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('Held, heard over SSE.')) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended early');
      text += decoder.decode(value);
    }
    const events = text
      .split('\n')
      .filter((line) => line.startsWith('data:') && line.includes('moderationEvents'))
      .map((line) => JSON.parse(line.slice(5)) as { data: ModerationEventsSubscription });
    expect(events.map((e) => [e.data.moderationEvents.entry.kind, e.data.moderationEvents.entry.comment?.id])).toEqual([
      ['HOLD', comment.id],
    ]);
    controller.abort();
    await eventually(() => app.moderationFeed.listeners === listeners, 'the SSE subscription to end');
  });
});

describe('what the public hears', () => {
  it('hears nothing of a held comment, and of its approval as a new comment', async () => {
    const articleId = await newThread('PRE');
    const listeners = app.pubsub.listenerCount;
    const moderation = app.moderationFeed.listeners;
    const added = subscribe(CommentAddedDocument, { articleId });
    const changed = subscribe(CommentChangedDocument, { articleId });
    const feed = subscribe(ModerationEventsDocument, {}, moderatorToken);
    await eventually(() => app.pubsub.listenerCount >= listeners + 2, 'the public subscriptions');
    await feedListeners(moderation + 1);

    const writer = someone();
    const held = await postComment(articleId, writer, 'Wait for it.');
    const rejected = await postComment(articleId, writer, 'Never to be seen.');
    // Once moderators have heard of both, the public would have heard by now too.
    await feed.until(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(added.received).toEqual([]);
    expect(changed.received).toEqual([]);

    await as(moderator, RejectCommentDocument, { input: { commentId: rejected.id, reason: 'No.' } });
    await as(moderator, ApproveCommentDocument, { input: { commentId: held.id } });
    await added.until(1);
    await feed.until(4);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(added.received.map((e: CommentAddedSubscription) => [e.commentAdded.kind, e.commentAdded.comment.id])).toEqual([
      ['ADDED', held.id],
    ]);
    expect(added.received[0]!.commentAdded.comment.body).toBe('Wait for it.');
    // The rejection of a comment the public never saw is no news to it.
    expect(changed.received.map((e: CommentChangedSubscription) => e.commentChanged.kind)).toEqual([]);
    await Promise.all([added.close(), changed.close(), feed.close()]);
  });

  it('hears a published comment sent back to review by reports as deleted, and its approval as restored', async () => {
    const articleId = await newThread(null);
    const comment = await postComment(articleId, someone(), 'Contested.');
    const listeners = app.pubsub.listenerCount;
    const changed = subscribe(CommentChangedDocument, { articleId });
    const moderated = subscribe(CommentChangedDocument, { articleId }, moderatorToken);
    await eventually(() => app.pubsub.listenerCount >= listeners + 2, 'the subscriptions');
    // THREADLINE_REPORTS_TO_HOLD's default: the third report holds it.
    for (let i = 0; i < 3; i++) await as(someone(), ReportCommentDocument, { input: { commentId: comment.id, reason: 'ABUSE' } });
    await changed.until(1);
    expect(changed.received[0]!.commentChanged).toMatchObject({ kind: 'DELETED', comment: { isDeleted: true, body: '' } });
    await as(moderator, ApproveCommentDocument, { input: { commentId: comment.id } });
    await changed.until(2);
    // Moderation shows to moderators only: to the public, a restore reads as an edit.
    expect(changed.received[1]!.commentChanged).toMatchObject({ kind: 'EDITED', comment: { isDeleted: false, body: 'Contested.' } });
    await moderated.until(2);
    expect(moderated.received.map((e) => e.commentChanged.kind)).toEqual(['HELD', 'RESTORED']);
    await Promise.all([changed.close(), moderated.close()]);
  });
});
