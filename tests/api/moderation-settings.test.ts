// Issue 14, item 3: the pre-moderation settings an administrator keeps in the database — the
// site's mode and rules, banned terms, an article's own mode — who may change them, what is
// refused, what each change writes to the moderation log, and what new comments then become.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/auth.js';
import { defaultWriteLimits } from '../../src/config.js';
import { maxBannedTerms } from '../../src/domain/moderation-rules.js';
import { loadModeration, siteSettings } from '../../src/domain/moderation-settings.js';
import {
  AddBannedTermDocument,
  ArticleModerationDocument,
  ModeratedCommentByIdDocument,
  ModerationSettingsDocument,
  PostCommentDocument,
  RemoveBannedTermDocument,
  SetArticleModerationDocument,
  UpdateModerationSettingsDocument,
} from '../../schema/generated/graphql.js';
import { db, globalId, query, run, viewer } from '../helpers.js';

const admin = viewer('settings-admin', 'ADMIN', 'Settings Admin');
const moderator = viewer('settings-moderator', 'MODERATOR', 'Settings Moderator');
const author = viewer('settings-author', 'AUTHOR', 'Settings Author');
let people = 0;
const someone = () => viewer(`settings-reader-${++people}`, 'AUTHOR', 'Reader');

let threads = 0;
async function newArticle(moderation: 'PRE' | 'POST' | 'RULES' | null = null) {
  const slug = `settings-${++threads}`;
  const owner = await db.writer.author.upsert({
    where: { handle: 'settings-owner' },
    create: { handle: 'settings-owner', name: 'Owner' },
    update: {},
    select: { id: true },
  });
  const { id } = await db.writer.article.create({
    data: { slug, title: slug, body: 'Body.', publishedAt: new Date(Date.now() - 60_000), authorId: owner.id, moderation },
    select: { id: true },
  });
  return { id, slug, globalId: globalId('Article', id) };
}

/** The log's entries written since `mark` (an id), oldest first. */
const logSince = (mark: number) =>
  db.reader.moderationAction.findMany({
    where: { id: { gt: mark } },
    orderBy: { id: 'asc' },
    select: { kind: true, articleId: true, detail: true, actor: { select: { handle: true } } },
  });
const logMark = async () => (await db.reader.moderationAction.aggregate({ _max: { id: true } }))._max.id ?? 0;

const writeLimits = { ...defaultWriteLimits, minIntervalSeconds: 0, windowMax: 1000 };
async function postAs(who: Viewer, articleId: string, body: string) {
  const { postComment } = await query(PostCommentDocument, { input: { articleId, body } }, { viewer: who, writeLimits });
  if (postComment.__typename !== 'PostCommentSuccess') throw new Error(`${postComment.__typename}: ${JSON.stringify(postComment)}`);
  const { node } = await query(ModeratedCommentByIdDocument, { id: postComment.comment.id }, { viewer: moderator });
  return node && 'status' in node ? node.status : null;
}

beforeEach(async () => {
  await db.writer.moderationSettings.deleteMany({});
  await db.writer.bannedTerm.deleteMany({});
});

describe('the site’s settings', () => {
  it('read as the model’s defaults until an administrator changes them', async () => {
    const { moderationSettings } = await query(ModerationSettingsDocument, {}, { viewer: admin });
    expect(moderationSettings).toEqual({
      mode: 'RULES',
      holdFirstComments: 0,
      maxLinks: null,
      holdSpam: true,
      updatedAt: null,
      bannedTerms: [],
    });
  });

  it('show to administrators only', async () => {
    for (const who of [moderator, author, null]) {
      const result = await run(ModerationSettingsDocument, {}, { viewer: who });
      expect(result.data).toBeNull();
      expect(result.errors?.map((error) => error.message)).toEqual([
        who ? 'Your role does not allow this.' : 'Sign in to do this: send a bearer token.',
      ]);
    }
  });

  it('change only in the fields given, each change logged in words with its administrator', async () => {
    const mark = await logMark();
    const before = Date.now();
    const { updateModerationSettings: first } = await query(
      UpdateModerationSettingsDocument,
      { input: { holdFirstComments: 2, maxLinks: 3 } },
      { viewer: admin },
    );
    expect(first).toMatchObject({
      __typename: 'UpdateModerationSettingsSuccess',
      settings: { mode: 'RULES', holdFirstComments: 2, maxLinks: 3, holdSpam: true },
    });
    const updatedAt = first.__typename === 'UpdateModerationSettingsSuccess' ? first.settings.updatedAt : null;
    expect(Date.parse(updatedAt!)).toBeGreaterThanOrEqual(before - 1000);

    const { updateModerationSettings: second } = await query(
      UpdateModerationSettingsDocument,
      { input: { mode: 'PRE', holdSpam: false, maxLinks: null } },
      { viewer: admin },
    );
    expect(second).toMatchObject({ settings: { mode: 'PRE', holdFirstComments: 2, maxLinks: null, holdSpam: false } });
    expect(await siteSettings(db.reader)).toMatchObject({ mode: 'PRE', holdFirstComments: 2, maxLinks: null, holdSpam: false });

    expect(await logSince(mark)).toEqual([
      { kind: 'RULES_CHANGE', articleId: null, detail: 'holdFirstComments 0 → 2; maxLinks none → 3', actor: { handle: 'settings-admin' } },
      {
        kind: 'RULES_CHANGE',
        articleId: null,
        detail: 'mode RULES → PRE; maxLinks 3 → none; holdSpam true → false',
        actor: { handle: 'settings-admin' },
      },
    ]);
  });

  it('record nothing, and keep their time, when a change changes nothing', async () => {
    await query(UpdateModerationSettingsDocument, { input: { holdFirstComments: 5 } }, { viewer: admin });
    const stamped = (await siteSettings(db.reader)).updatedAt;
    const mark = await logMark();
    const { updateModerationSettings } = await query(
      UpdateModerationSettingsDocument,
      { input: { holdFirstComments: 5, mode: 'RULES' } },
      { viewer: admin },
    );
    expect(updateModerationSettings).toMatchObject({ __typename: 'UpdateModerationSettingsSuccess', settings: { holdFirstComments: 5 } });
    await query(UpdateModerationSettingsDocument, { input: {} }, { viewer: admin });
    expect(await logSince(mark)).toEqual([]);
    expect((await siteSettings(db.reader)).updatedAt).toEqual(stamped);
  });

  it('change one at a time: concurrent changes each log the value the one before left', async () => {
    const mark = await logMark();
    const values = [1, 2, 3, 4, 5, 6];
    const results = await Promise.all(
      values.map((holdFirstComments) => query(UpdateModerationSettingsDocument, { input: { holdFirstComments } }, { viewer: admin })),
    );
    expect(results.every((result) => result.updateModerationSettings.__typename === 'UpdateModerationSettingsSuccess')).toBe(true);
    const steps = (await logSince(mark)).map((entry) =>
      /^holdFirstComments (\d+) → (\d+)$/
        .exec(entry.detail ?? '')!
        .slice(1)
        .map(Number),
    );
    expect(steps).toHaveLength(values.length);
    let current = 0;
    for (const [from, to] of steps) {
      expect(from).toBe(current);
      current = to!;
    }
    expect((await siteSettings(db.reader)).holdFirstComments).toBe(current);
  });

  it('refuse moderators, authors and anonymous callers with ForbiddenError, writing nothing', async () => {
    const mark = await logMark();
    for (const who of [moderator, author, null]) {
      const { updateModerationSettings } = await query(UpdateModerationSettingsDocument, { input: { mode: 'POST' } }, { viewer: who });
      expect(updateModerationSettings.__typename).toBe('ForbiddenError');
      const { addBannedTerm } = await query(AddBannedTermDocument, { input: { pattern: 'nope', action: 'HOLD' } }, { viewer: who });
      expect(addBannedTerm.__typename).toBe('ForbiddenError');
      const { removeBannedTerm } = await query(RemoveBannedTermDocument, { input: { pattern: 'nope' } }, { viewer: who });
      expect(removeBannedTerm.__typename).toBe('ForbiddenError');
    }
    expect(await siteSettings(db.reader)).toMatchObject({ mode: 'RULES', updatedAt: null });
    expect(await db.reader.bannedTerm.count()).toBe(0);
    expect(await logSince(mark)).toEqual([]);
  });

  it('refuse values out of range, and nulls for what cannot be null, with a ValidationError naming the field', async () => {
    const mark = await logMark();
    const cases = [
      [{ holdFirstComments: -1 }, 'holdFirstComments'],
      [{ holdFirstComments: 101 }, 'holdFirstComments'],
      [{ holdFirstComments: null }, 'holdFirstComments'],
      [{ maxLinks: -1 }, 'maxLinks'],
      [{ maxLinks: 1001 }, 'maxLinks'],
      [{ mode: null }, 'mode'],
      [{ holdSpam: null }, 'holdSpam'],
      // One bad field refuses the whole change.
      [{ mode: 'PRE', maxLinks: 5000 }, 'maxLinks'],
    ] as const;
    for (const [input, field] of cases) {
      const { updateModerationSettings } = await query(UpdateModerationSettingsDocument, { input }, { viewer: admin });
      expect(updateModerationSettings).toMatchObject({ __typename: 'ValidationError', field });
    }
    // The bounds themselves are accepted.
    const { updateModerationSettings } = await query(
      UpdateModerationSettingsDocument,
      { input: { holdFirstComments: 100, maxLinks: 1000 } },
      { viewer: admin },
    );
    expect(updateModerationSettings).toMatchObject({ settings: { mode: 'RULES', holdFirstComments: 100, maxLinks: 1000 } });
    expect((await logSince(mark)).map((entry) => entry.detail)).toEqual(['holdFirstComments 0 → 100; maxLinks none → 1000']);
  });
});

describe('banned terms', () => {
  it('are added as the rules compare them; adding one again changes what it does; each change is logged', async () => {
    const mark = await logMark();
    const { addBannedTerm: added } = await query(
      AddBannedTermDocument,
      { input: { pattern: '  Cheap  PILLS ', action: 'HOLD' } },
      { viewer: admin },
    );
    expect(added).toMatchObject({
      __typename: 'AddBannedTermSuccess',
      settings: { bannedTerms: [{ pattern: 'cheap pills', action: 'HOLD' }] },
    });
    const { addBannedTerm: changed } = await query(
      AddBannedTermDocument,
      { input: { pattern: 'cheap pills', action: 'REJECT' } },
      { viewer: admin },
    );
    expect(changed).toMatchObject({ settings: { bannedTerms: [{ pattern: 'cheap pills', action: 'REJECT' }] } });
    // The same again changes nothing, and logs nothing.
    await query(AddBannedTermDocument, { input: { pattern: 'CHEAP pills', action: 'REJECT' } }, { viewer: admin });
    await query(AddBannedTermDocument, { input: { pattern: 'casino*', action: 'HOLD' } }, { viewer: admin });
    const { moderationSettings } = await query(ModerationSettingsDocument, {}, { viewer: admin });
    expect(moderationSettings.bannedTerms).toEqual([
      { pattern: 'casino*', action: 'HOLD' },
      { pattern: 'cheap pills', action: 'REJECT' },
    ]);
    expect(moderationSettings.updatedAt).not.toBeNull();
    expect((await logSince(mark)).map(({ kind, detail }) => [kind, detail])).toEqual([
      ['RULES_CHANGE', 'banned term "cheap pills" (HOLD) added'],
      ['RULES_CHANGE', 'banned term "cheap pills" HOLD → REJECT'],
      ['RULES_CHANGE', 'banned term "casino*" (HOLD) added'],
    ]);
  });

  it('refuse patterns that could match everything, or are too long, empty or unstorable', async () => {
    const cases = [
      ['*', /only "\*"/],
      ['buy *', /only "\*"/],
      ['!!!', /no letters or digits/],
      ['   ', /no letters or digits/],
      ['x'.repeat(65), /65 characters long/],
      ['one two three four five six seven eight nine', /9 words/],
      ['nul\u0000', /NUL/],
      // NFKC spells each ligature out as three letters: 30 characters, 90 once normalised.
      ['\ufb03'.repeat(30), /normalised as .* 90 characters long/],
    ] as const;
    for (const [pattern, message] of cases) {
      const { addBannedTerm } = await query(AddBannedTermDocument, { input: { pattern, action: 'REJECT' } }, { viewer: admin });
      expect(addBannedTerm).toMatchObject({ __typename: 'ValidationError', field: 'pattern', message: expect.stringMatching(message) });
    }
    expect(await db.reader.bannedTerm.count()).toBe(0);
  });

  it(`number at most ${maxBannedTerms}: one more is refused, while changing an existing one still works`, async () => {
    await db.writer.bannedTerm.createMany({
      data: Array.from({ length: maxBannedTerms }, (_, index) => ({ pattern: `term${index}`, action: 'HOLD' as const })),
    });
    const { addBannedTerm: refused } = await query(
      AddBannedTermDocument,
      { input: { pattern: 'one more', action: 'HOLD' } },
      { viewer: admin },
    );
    expect(refused).toMatchObject({ __typename: 'ValidationError', field: 'pattern' });
    const { addBannedTerm: changed } = await query(
      AddBannedTermDocument,
      { input: { pattern: 'term7', action: 'REJECT' } },
      { viewer: admin },
    );
    expect(changed.__typename).toBe('AddBannedTermSuccess');
    const { moderationSettings } = await query(ModerationSettingsDocument, {}, { viewer: admin });
    expect(moderationSettings.bannedTerms).toHaveLength(maxBannedTerms);
    expect(moderationSettings.bannedTerms.find((term) => term.pattern === 'term7')?.action).toBe('REJECT');
  });

  it('are removed by their pattern, logged; removing one that is not there is a NotFoundError', async () => {
    await query(AddBannedTermDocument, { input: { pattern: 'spoiler', action: 'HOLD' } }, { viewer: admin });
    const mark = await logMark();
    const { removeBannedTerm: missing } = await query(RemoveBannedTermDocument, { input: { pattern: 'never banned' } }, { viewer: admin });
    expect(missing.__typename).toBe('NotFoundError');
    const { removeBannedTerm } = await query(RemoveBannedTermDocument, { input: { pattern: ' SPOILER ' } }, { viewer: admin });
    expect(removeBannedTerm).toMatchObject({ __typename: 'RemoveBannedTermSuccess', settings: { bannedTerms: [] } });
    expect((await logSince(mark)).map((entry) => entry.detail)).toEqual(['banned term "spoiler" (HOLD) removed']);
  });

  it('decide what new comments become: a rejecting term rejects, a holding one holds, whatever the case', async () => {
    const article = await newArticle();
    await query(AddBannedTermDocument, { input: { pattern: 'free money', action: 'REJECT' } }, { viewer: admin });
    await query(AddBannedTermDocument, { input: { pattern: 'crypto*', action: 'HOLD' } }, { viewer: admin });
    expect(await postAs(someone(), article.globalId, 'Get FREE   Money here')).toBe('REJECTED');
    expect(await postAs(someone(), article.globalId, 'Cryptocurrency talk')).toBe('PENDING');
    expect(await postAs(someone(), article.globalId, 'A plain remark.')).toBe('PUBLISHED');
  });
});

describe('an article’s own mode', () => {
  it('is set by administrators, logged against the article, and shows on Article to moderators and administrators only', async () => {
    const article = await newArticle();
    const mark = await logMark();
    const { setArticleModeration } = await query(
      SetArticleModerationDocument,
      { input: { articleId: article.globalId, moderation: 'PRE' } },
      { viewer: admin },
    );
    expect(setArticleModeration).toEqual({
      __typename: 'SetArticleModerationSuccess',
      article: { id: article.globalId, moderation: 'PRE' },
    });
    for (const who of [admin, moderator]) {
      expect((await query(ArticleModerationDocument, { slug: article.slug }, { viewer: who })).article?.moderation).toBe('PRE');
    }
    for (const who of [author, null]) {
      expect((await query(ArticleModerationDocument, { slug: article.slug }, { viewer: who })).article).toEqual({
        id: article.globalId,
        moderation: null,
      });
    }
    // Back to the site's: null.
    await query(SetArticleModerationDocument, { input: { articleId: article.globalId, moderation: null } }, { viewer: admin });
    // Unchanged: nothing logged.
    await query(SetArticleModerationDocument, { input: { articleId: article.globalId } }, { viewer: admin });
    expect(await logSince(mark)).toEqual([
      { kind: 'RULES_CHANGE', articleId: article.id, detail: 'article moderation site → PRE', actor: { handle: 'settings-admin' } },
      { kind: 'RULES_CHANGE', articleId: article.id, detail: 'article moderation PRE → site', actor: { handle: 'settings-admin' } },
    ]);
    expect((await db.reader.article.findUniqueOrThrow({ where: { id: article.id } })).moderation).toBeNull();
  });

  it('is refused to moderators and authors (ForbiddenError), and for an article that does not exist (NotFoundError)', async () => {
    const article = await newArticle();
    const mark = await logMark();
    for (const who of [moderator, author]) {
      const { setArticleModeration } = await query(
        SetArticleModerationDocument,
        { input: { articleId: article.globalId, moderation: 'POST' } },
        { viewer: who },
      );
      expect(setArticleModeration.__typename).toBe('ForbiddenError');
    }
    const { setArticleModeration: missing } = await query(
      SetArticleModerationDocument,
      { input: { articleId: globalId('Article', 987_654), moderation: 'POST' } },
      { viewer: admin },
    );
    expect(missing.__typename).toBe('NotFoundError');
    const { setArticleModeration: wrongType } = await query(
      SetArticleModerationDocument,
      { input: { articleId: globalId('Comment', 1), moderation: 'POST' } },
      { viewer: admin },
    );
    expect(wrongType).toMatchObject({ __typename: 'ValidationError', field: 'articleId' });
    expect((await db.reader.article.findUniqueOrThrow({ where: { id: article.id } })).moderation).toBeNull();
    expect(await logSince(mark)).toEqual([]);
  });

  it('outweighs the site’s mode, which an article without one follows (loadModeration)', async () => {
    const own = await newArticle();
    const following = await newArticle();
    await query(UpdateModerationSettingsDocument, { input: { holdFirstComments: 1, maxLinks: 2 } }, { viewer: admin });
    await query(AddBannedTermDocument, { input: { pattern: 'scam', action: 'REJECT' } }, { viewer: admin });
    await query(SetArticleModerationDocument, { input: { articleId: own.globalId, moderation: 'POST' } }, { viewer: admin });

    const rules = { holdFirstComments: 1, maxLinks: 2, bannedTerms: [{ pattern: 'scam', action: 'REJECT' }] };
    expect(await loadModeration(db.reader, following.id)).toEqual({ mode: 'RULES', rules, holdSpam: true });
    // Outside RULES mode the banned terms are not needed, and not read.
    expect(await loadModeration(db.reader, own.id)).toEqual({ mode: 'POST', rules: { ...rules, bannedTerms: [] }, holdSpam: true });

    // A new author's first comment is held where the rules apply, published where the article says POST.
    const newcomer = someone();
    expect(await postAs(newcomer, following.globalId, 'Hello there.')).toBe('PENDING');
    expect(await postAs(someone(), own.globalId, 'Hello there, a scam.')).toBe('PUBLISHED');

    // The site's mode changes what the following article does, and not the other.
    await query(UpdateModerationSettingsDocument, { input: { mode: 'PRE' } }, { viewer: admin });
    expect((await loadModeration(db.reader, following.id)).mode).toBe('PRE');
    expect((await loadModeration(db.reader, own.id)).mode).toBe('POST');
    expect(await postAs(someone(), following.globalId, 'Waiting, as every comment here now.')).toBe('PENDING');
    // With no settings row at all, the model's defaults.
    await db.writer.moderationSettings.deleteMany({});
    await db.writer.bannedTerm.deleteMany({});
    expect(await loadModeration(db.reader, following.id)).toEqual({
      mode: 'RULES',
      rules: { holdFirstComments: 0, maxLinks: null, bannedTerms: [] },
      holdSpam: true,
    });
  });
});
