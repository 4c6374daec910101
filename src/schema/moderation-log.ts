/**
 * The moderation log (issue 14, item 7): `moderationLog` for administrators, newest first, and
 * the `ModerationAction` type that moderators' live feed shows too (src/schema/moderation-events.ts).
 */
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { defaultPageSize, maxPageSize } from '../domain/limits.js';
import type { ModerationActionKind as Kind } from '../generated/prisma/client.js';
import { moderationLog } from '../read/relations.js';
import { pagedField, pageSizes } from './connections.js';
import { argumentId } from './ids.js';

export const ModerationActionKind = builder.enumType('ModerationActionKind', {
  values: {
    HIDE: { description: 'A moderator hid a comment.' },
    RESTORE: { description: 'A moderator showed a hidden comment again.' },
    DELETE: { description: 'A moderator deleted somebody else’s comment.' },
    LOCK: { description: 'A moderator locked an article’s comments.' },
    UNLOCK: { description: 'A moderator unlocked them.' },
    APPROVE: { description: 'A moderator published a comment (or kept a reported one).' },
    REJECT: { description: 'A moderator, a rule or a ban rejected a comment.' },
    BAN: { description: 'An administrator banned an author.' },
    UNBAN: { description: 'An administrator lifted a ban.' },
    RULES_CHANGE: { description: 'An administrator changed the moderation settings or an article’s mode.' },
    IDENTITY_LINK: { description: 'An operator linked or unlinked an imported identity.' },
    HOLD: { description: 'A rule, a spam check or readers’ reports held a comment for review.' },
    REPORT: { description: 'A reader reported a comment.' },
    PIN: { description: 'A moderator pinned a comment.' },
    UNPIN: { description: 'A moderator unpinned a comment.' },
  } as const,
});

export const ModerationAction = builder.prismaObject('ModerationAction', {
  description: 'One entry of the moderation log: who did what to what, when, and why.',
  fields: (t) => ({
    kind: t.field({ type: ModerationActionKind, resolve: (row) => row.kind }),
    actor: t.relation('actor', {
      nullable: true,
      description: 'Who did it: the moderator, the administrator or the reader; null for the rules and for an operator’s command.',
    }),
    article: t.relation('article', { nullable: true }),
    comment: t.relation('comment', { nullable: true }),
    author: t.relation('author', { nullable: true, description: 'The author acted on: a ban’s, an identity link’s.' }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why, as the actor (or the rule) said.' }),
    detail: t.exposeString('detail', { nullable: true, description: 'What changed: a report’s reason, a rule change, a link.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const ModerationLogConnection = builder.connectionObject({ type: ModerationAction, name: 'ModerationLogConnection' });

const ModerationLogFilter = builder.inputType('ModerationLogFilter', {
  fields: (t) => ({
    kind: t.field({ type: ModerationActionKind, description: 'Only this kind (HOLD and REPORT entries show only when asked for).' }),
    articleId: t.id({ description: 'Only what concerns this article.' }),
    actorId: t.id({ description: 'Only what this author did.' }),
  }),
});

interface LogArgs {
  filter?: { kind?: Kind | null; articleId?: string | number | null; actorId?: string | number | null } | null;
}

builder.queryField('moderationLog', (t) =>
  t.connection(
    {
      type: ModerationAction,
      description: `What moderators and administrators did, newest first: pages of at most ${maxPageSize} (${defaultPageSize} by default). Holds and reports, which are not moderators’ actions, show when the filter asks for their kind.`,
      authScopes: { admin: true },
      args: { filter: t.arg({ type: ModerationLogFilter }) },
      ...pagedField({
        typeName: 'ModerationAction',
        sizes: pageSizes,
        root: true,
        relation: ({ filter }: LogArgs, _context: Context) =>
          moderationLog({
            kind: filter?.kind ?? null,
            articleId: filter?.articleId == null ? null : argumentId(filter.articleId, 'Article', 'filter.articleId'),
            actorId: filter?.actorId == null ? null : argumentId(filter.actorId, 'Author', 'filter.actorId'),
          }),
      }),
    },
    ModerationLogConnection,
  ),
);
