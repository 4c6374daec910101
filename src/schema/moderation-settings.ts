/**
 * Pre-moderation settings in the API (issue 14, item 3): administrators read and change the
 * site's mode and rules and the banned terms, and set an article's own mode; moderators and
 * administrators see that override on Article.
 */
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import type { Database } from '../db.js';
import type { ThreadlineError } from '../domain/errors.js';
import { maxBannedTerms, maxTermLength, maxWordsPerTerm } from '../domain/moderation-rules.js';
import {
  addBannedTerm,
  maxHoldFirstComments,
  maxLinksLimit,
  removeBannedTerm,
  type SettingsChange,
  type SiteSettings,
  setArticleModeration,
  siteSettings,
  updateModerationSettings,
} from '../domain/moderation-settings.js';
import type { ModerationMode as Mode, RuleAction as Action } from '../generated/prisma/client.js';
import { writeErrors } from './errors.js';
import { inputId } from './ids.js';
import { writeMutation } from './write-mutation.js';

export const ModerationMode = builder.enumType('ModerationMode', {
  description: 'How new comments are moderated.',
  values: {
    PRE: { description: 'Every comment waits for a moderator.' },
    POST: { description: 'Every comment is published at once; moderators act afterwards.' },
    RULES: { description: 'The site’s rules decide: first comments, links, banned terms, spam checks.' },
  } as const,
});

export const RuleAction = builder.enumType('RuleAction', {
  description: 'What a banned term does to a comment that holds it.',
  values: {
    HOLD: { description: 'Hold it for review.' },
    REJECT: { description: 'Reject it.' },
  } as const,
});

builder.prismaObject('BannedTerm', {
  description: 'A banned word or phrase: in a word, `*` stands for any run of letters and digits.',
  fields: (t) => ({
    pattern: t.exposeString('pattern', { description: 'As it is compared: Unicode-normalised, lower-case, single-spaced.' }),
    action: t.field({ type: RuleAction, resolve: (term) => term.action }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const ModerationSettings = builder.objectRef<SiteSettings>('ModerationSettings').implement({
  description: 'The site’s pre-moderation settings (administrators).',
  fields: (t) => ({
    mode: t.field({ type: ModerationMode, description: 'The mode of every article without its own.', resolve: (s) => s.mode }),
    holdFirstComments: t.exposeInt('holdFirstComments', { description: 'Hold the first this-many comments of an author (0: none).' }),
    maxLinks: t.exposeInt('maxLinks', { nullable: true, description: 'Hold a comment with more links than this; null: no limit.' }),
    holdSpam: t.exposeBoolean('holdSpam', { description: 'Hold what a spam checker flags, or cannot decide on.' }),
    bannedTerms: t.prismaField({
      type: ['BannedTerm'],
      description: `In pattern order (at most ${maxBannedTerms}, the most there may be).`,
      extensions: { threadline: { maxItems: maxBannedTerms } },
      resolve: (query, _settings, _args, { db }) =>
        db.reader.bannedTerm.findMany({ ...query, orderBy: { pattern: 'asc' }, take: maxBannedTerms }),
    }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When an administrator last changed the settings or the banned terms; null while nobody has.',
    }),
  }),
});

builder.queryField('moderationSettings', (t) =>
  t.field({
    type: ModerationSettings,
    description: 'The site’s pre-moderation settings (administrators).',
    authScopes: { admin: true },
    resolve: (_root, _args, { db }) => siteSettings(db.reader),
  }),
);

/*
 * Moderators' and administrators' only; everyone else reads null. Not marked private: their
 * answers are never shared (src/http/response-cache.ts), and everyone else's say null alike.
 */
builder.prismaObjectField('Article', 'moderation', (t) =>
  t.expose('moderation', {
    type: ModerationMode,
    nullable: true,
    description: 'The article’s own mode; null when it follows the site’s. Moderators and administrators only (null for everyone else).',
    authScopes: { moderator: true },
    unauthorizedResolver: () => null,
  }),
);

const UpdateModerationSettingsInput = builder.inputType('UpdateModerationSettingsInput', {
  description: 'Fields left out keep their value.',
  fields: (t) => ({
    mode: t.field({ type: ModerationMode }),
    holdFirstComments: t.int({ description: `From 0 (hold none) to ${maxHoldFirstComments}.` }),
    maxLinks: t.int({ description: `From 0 to ${maxLinksLimit}; null: no limit.` }),
    holdSpam: t.boolean(),
  }),
});

const AddBannedTermInput = builder.inputType('AddBannedTermInput', {
  fields: (t) => ({
    pattern: t.string({
      required: true,
      description: `Up to ${maxWordsPerTerm} words, at most ${maxTermLength} characters; in a word, \`*\` stands for any run of letters and digits.`,
    }),
    action: t.field({ type: RuleAction, required: true }),
  }),
});

const RemoveBannedTermInput = builder.inputType('RemoveBannedTermInput', {
  fields: (t) => ({ pattern: t.string({ required: true }) }),
});

const SetArticleModerationInput = builder.inputType('SetArticleModerationInput', {
  fields: (t) => ({
    articleId: t.id({ required: true }),
    moderation: t.field({ type: ModerationMode, description: 'Null or left out: follow the site’s mode.' }),
  }),
});

/** An administrator's change of the site's settings, answering `<Name>Success { settings }` or an error. */
function settingsMutation<Input>(
  name: 'updateModerationSettings' | 'addBannedTerm' | 'removeBannedTerm',
  input: typeof UpdateModerationSettingsInput | typeof AddBannedTermInput | typeof RemoveBannedTermInput,
  description: string,
  write: (input: Input, context: Context) => Promise<void>,
) {
  const typeName = name[0]!.toUpperCase() + name.slice(1);
  builder.mutationField(name, (t) =>
    t.field({
      type: ModerationSettings,
      description,
      authScopes: { admin: true },
      errors: {
        types: writeErrors.admin as (new (...args: unknown[]) => ThreadlineError)[],
        union: { name: `${typeName}Payload` },
        result: { name: `${typeName}Success` },
        dataField: { name: 'settings' },
      },
      args: { input: t.arg({ type: input, required: true }) },
      resolve: async (_root, args, context) => {
        await write(args.input as Input, context);
        return siteSettings(context.db.reader);
      },
    }),
  );
}

settingsMutation<SettingsChange>(
  'updateModerationSettings',
  UpdateModerationSettingsInput,
  'Change the site’s pre-moderation settings (administrators); a change is recorded in the moderation log.',
  (input, { db, viewer }) => updateModerationSettings(db, viewer!, input),
);

settingsMutation<{ pattern: string; action: Action }>(
  'addBannedTerm',
  AddBannedTermInput,
  `Ban a word or phrase (administrators), or change what a banned one does; at most ${maxBannedTerms} terms.`,
  (input, { db, viewer }) => addBannedTerm(db, viewer!, input),
);

settingsMutation<{ pattern: string }>(
  'removeBannedTerm',
  RemoveBannedTermInput,
  'Lift a banned term (administrators): NotFoundError when there is none such.',
  (input, { db, viewer }) => removeBannedTerm(db, viewer!, input),
);

const loadArticle = (db: Database, query: object, id: number) => db.reader.article.findUniqueOrThrow({ ...query, where: { id } });

writeMutation('setArticleModeration', 'Article', SetArticleModerationInput, {
  description: 'Give an article its own moderation mode, or null to follow the site’s (administrators).',
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'article',
  load: loadArticle,
  write: (input, { db, viewer }) =>
    setArticleModeration(db, viewer!, {
      articleId: inputId(input.articleId, 'Article', 'articleId'),
      moderation: (input.moderation as Mode | null | undefined) ?? null,
    }),
});
