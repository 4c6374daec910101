/**
 * The site's pre-moderation settings and an article's override (issue 14, item 3): stored in
 * the database, changed by administrators through the API, each change in the moderation log
 * (RULES_CHANGE) in the transaction that makes it.
 *
 * The settings are one row (id 1), absent until an administrator first changes something: the
 * model's defaults stand in for it. Banned terms are stored as the rules compare them
 * (Unicode-normalised, case-folded, single-spaced), so "Foo" and "foo" are one term.
 */
import type { Viewer } from '../auth.js';
import type { Database, DbTx } from '../db.js';
import type { ModerationMode, RuleAction } from '../generated/prisma/client.js';
import { NotFoundError, ValidationError } from './errors.js';
import { recordModeration } from './moderation-log.js';
import { type BannedTerm, maxBannedTerms, type ModerationRules, normalizeForRules, unacceptableTerm } from './moderation-rules.js';
import { unstorableText } from './text.js';

type Client = Pick<DbTx, 'article' | 'moderationSettings' | 'bannedTerm'>;

export interface SiteSettings {
  mode: ModerationMode;
  holdFirstComments: number;
  /** null: no limit. */
  maxLinks: number | null;
  holdSpam: boolean;
  /** When an administrator last changed the site's rules; null while nobody has. */
  updatedAt: Date | null;
}

/** ModerationSettings' defaults in the model, for a site whose row does not exist yet. */
const defaults: SiteSettings = { mode: 'RULES', holdFirstComments: 0, maxLinks: null, holdSpam: true, updatedAt: null };

export const maxHoldFirstComments = 100;
export const maxLinksLimit = 1000;

/** The site's settings as they stand, the model's defaults while nobody changed them. */
export async function siteSettings(client: Pick<DbTx, 'moderationSettings'>): Promise<SiteSettings> {
  const row = await client.moderationSettings.findUnique({ where: { id: 1 } });
  return row
    ? { mode: row.mode, holdFirstComments: row.holdFirstComments, maxLinks: row.maxLinks, holdSpam: row.holdSpam, updatedAt: row.updatedAt }
    : defaults;
}

export interface ArticleModeration {
  mode: ModerationMode;
  /** The site's rules; they apply in RULES mode only, so their banned terms are read only then. */
  rules: ModerationRules;
  holdSpam: boolean;
}

/**
 * How the article's new comments are moderated: its own mode or the site's, and the site's
 * rules. Inside the posting transaction: two small reads, and the banned terms in RULES mode.
 */
export async function loadModeration(client: Client, articleId: number): Promise<ArticleModeration> {
  const [article, site] = await Promise.all([
    client.article.findUnique({ where: { id: articleId }, select: { moderation: true } }),
    siteSettings(client),
  ]);
  const mode = article?.moderation ?? site.mode;
  const bannedTerms: BannedTerm[] =
    mode === 'RULES'
      ? await client.bannedTerm.findMany({ select: { pattern: true, action: true }, orderBy: { id: 'asc' }, take: maxBannedTerms })
      : [];
  return { mode, rules: { holdFirstComments: site.holdFirstComments, maxLinks: site.maxLinks, bannedTerms }, holdSpam: site.holdSpam };
}

/**
 * Every write here changes only what new comments become: no answer a reader (or anyone whose
 * answers are shared) gets shows the settings, the banned terms or an article's mode, and the
 * caches keep no copy of them (each post reads them afresh). So the narrow scope fits: the
 * epoch moves, as it does for every write, and the site version, which would turn every cached
 * article away, stays.
 */
const settingsWrite = <T>(db: Database, work: (tx: DbTx) => Promise<T>) => db.writeTransaction(work, { scope: 'comments' });

/**
 * Settings changes take turns, so that each reads what the one before wrote (the log's "from"
 * values, the count of banned terms). SQLite's writers take turns already; PostgreSQL's run side
 * by side, and the row may not exist yet to be locked, hence a lock of its own for the transaction.
 */
async function takeTurn(db: Database, tx: DbTx): Promise<void> {
  if (db.provider === 'postgresql') await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('threadline.moderation-settings'))`;
}

/** Notes that the site's rules changed now, creating the row with the defaults if need be. */
const touchSettings = (tx: DbTx, now: Date, data: Partial<Omit<SiteSettings, 'updatedAt'>> = {}) =>
  tx.moderationSettings.upsert({ where: { id: 1 }, create: { id: 1, ...data, updatedAt: now }, update: { ...data, updatedAt: now } });

/** What an administrator may change of the site's settings; a field left out keeps its value. */
export interface SettingsChange {
  mode?: ModerationMode | null;
  holdFirstComments?: number | null;
  /** null: no limit. */
  maxLinks?: number | null;
  holdSpam?: boolean | null;
}

const notNull = (name: string) => new ValidationError(name, `\`${name}\` cannot be null: leave it out to keep the current value.`);
const describe = (value: unknown) => (value === null ? 'none' : String(value));

export async function updateModerationSettings(db: Database, viewer: Viewer, change: SettingsChange, now = new Date()): Promise<void> {
  if (change.mode === null) throw notNull('mode');
  if (change.holdSpam === null) throw notNull('holdSpam');
  const { holdFirstComments, maxLinks } = change;
  if (holdFirstComments === null) throw notNull('holdFirstComments');
  if (
    holdFirstComments !== undefined &&
    (!Number.isInteger(holdFirstComments) || holdFirstComments < 0 || holdFirstComments > maxHoldFirstComments)
  ) {
    throw new ValidationError(
      'holdFirstComments',
      `\`holdFirstComments\` must be from 0 to ${maxHoldFirstComments}; got ${holdFirstComments}.`,
    );
  }
  if (maxLinks != null && (!Number.isInteger(maxLinks) || maxLinks < 0 || maxLinks > maxLinksLimit)) {
    throw new ValidationError('maxLinks', `\`maxLinks\` must be from 0 to ${maxLinksLimit}, or null for no limit; got ${maxLinks}.`);
  }
  await settingsWrite(db, async (tx) => {
    await takeTurn(db, tx);
    const before = await siteSettings(tx);
    const next = {
      mode: change.mode ?? before.mode,
      holdFirstComments: holdFirstComments ?? before.holdFirstComments,
      maxLinks: maxLinks === undefined ? before.maxLinks : maxLinks,
      holdSpam: change.holdSpam ?? before.holdSpam,
    };
    const changed = (Object.keys(next) as (keyof typeof next)[]).filter((name) => next[name] !== before[name]);
    if (changed.length === 0) return;
    await touchSettings(tx, now, next);
    const detail = changed.map((name) => `${name} ${describe(before[name])} → ${describe(next[name])}`).join('; ');
    await recordModeration(tx, viewer, { kind: 'RULES_CHANGE', detail }, now);
  });
}

/** A banned term as it is stored and compared: normalised, single-spaced. */
function storedPattern(input: string): string {
  const problem = unstorableText(input) ?? unacceptableTerm(input.trim());
  if (problem) throw new ValidationError('pattern', `The pattern ${problem}`);
  const pattern = normalizeForRules(input).trim().replace(/\s+/gu, ' ');
  // Normalising can lengthen a term (NFKC spells out ligatures), so it is checked again.
  const stored = unacceptableTerm(pattern);
  if (stored) throw new ValidationError('pattern', `The pattern, normalised as "${pattern}", ${stored}`);
  return pattern;
}

/** Adds a banned term, or changes what an existing one does. */
export async function addBannedTerm(
  db: Database,
  viewer: Viewer,
  input: { pattern: string; action: RuleAction },
  now = new Date(),
): Promise<void> {
  const pattern = storedPattern(input.pattern);
  await settingsWrite(db, async (tx) => {
    await takeTurn(db, tx);
    const existing = await tx.bannedTerm.findUnique({ where: { pattern } });
    if (existing?.action === input.action) return;
    if (!existing && (await tx.bannedTerm.count()) >= maxBannedTerms) {
      throw new ValidationError('pattern', `There are ${maxBannedTerms} banned terms already, the most there may be: remove one first.`);
    }
    if (existing) await tx.bannedTerm.update({ where: { pattern }, data: { action: input.action }, select: { id: true } });
    else await tx.bannedTerm.create({ data: { pattern, action: input.action, createdAt: now }, select: { id: true } });
    await touchSettings(tx, now);
    const detail = existing
      ? `banned term "${pattern}" ${existing.action} → ${input.action}`
      : `banned term "${pattern}" (${input.action}) added`;
    await recordModeration(tx, viewer, { kind: 'RULES_CHANGE', detail }, now);
  });
}

export async function removeBannedTerm(db: Database, viewer: Viewer, input: { pattern: string }, now = new Date()): Promise<void> {
  const problem = unstorableText(input.pattern);
  if (problem) throw new ValidationError('pattern', `The pattern ${problem}`);
  const pattern = normalizeForRules(input.pattern).trim().replace(/\s+/gu, ' ');
  await settingsWrite(db, async (tx) => {
    await takeTurn(db, tx);
    const existing = await tx.bannedTerm.findUnique({ where: { pattern } });
    if (!existing) throw new NotFoundError(`No banned term is "${pattern.slice(0, 100)}".`);
    await tx.bannedTerm.delete({ where: { pattern }, select: { id: true } });
    await touchSettings(tx, now);
    await recordModeration(tx, viewer, { kind: 'RULES_CHANGE', detail: `banned term "${pattern}" (${existing.action}) removed` }, now);
  });
}

/** Sets an article's own mode, or null to follow the site's; returns the article's id. */
export async function setArticleModeration(
  db: Database,
  viewer: Viewer,
  input: { articleId: number; moderation: ModerationMode | null },
  now = new Date(),
): Promise<number> {
  return settingsWrite(db, async (tx) => {
    await db.lockRow(tx, 'Article', input.articleId);
    const article = await tx.article.findUnique({ where: { id: input.articleId }, select: { id: true, moderation: true } });
    if (!article) throw new NotFoundError('The article does not exist.');
    if (article.moderation === input.moderation) return article.id;
    await tx.article.update({ where: { id: article.id }, data: { moderation: input.moderation }, select: { id: true } });
    const detail = `article moderation ${article.moderation ?? 'site'} → ${input.moderation ?? 'site'}`;
    await recordModeration(tx, viewer, { kind: 'RULES_CHANGE', articleId: article.id, detail }, now);
    return article.id;
  });
}
