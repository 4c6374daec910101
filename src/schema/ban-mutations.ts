/**
 * Bans in the API (issue 14, item 5): administrators ban and unban authors; moderators and
 * administrators see who is banned, and until when, on Author.
 */
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import type { Database } from '../db.js';
import { banAuthor, isBanned, maxBanReason, maxRejectedOnBan, unbanAuthor } from '../domain/bans.js';
import type { ThreadlineError } from '../domain/errors.js';
import { writeErrors } from './errors.js';
import { inputId } from './ids.js';

/*
 * Moderators' and administrators' only, declared with scopes; everyone else reads null. Not
 * marked private: their answers are never shared (src/http/response-cache.ts), and everyone
 * else's say null alike, which is safe to share.
 */
const moderatorsOnly = { authScopes: { moderator: true }, unauthorizedResolver: () => null } as const;

builder.prismaObjectField('Author', 'isBanned', (t) =>
  t.boolean({
    nullable: true,
    description: 'Whether a ban keeps the author from writing now: moderators and administrators only (null for everyone else).',
    ...moderatorsOnly,
    // No `select`: Author rows load with every column (src/read/comments.ts loads them whole too).
    resolve: (author) => isBanned(author, new Date()),
  }),
);

builder.prismaObjectField('Author', 'bannedUntil', (t) =>
  t.field({
    type: 'DateTime',
    nullable: true,
    description:
      'When the ban in force ends: null when there is none, or it has no end (see `isBanned`). Moderators and administrators only (null for everyone else).',
    ...moderatorsOnly,
    resolve: (author) => (isBanned(author, new Date()) ? author.bannedUntil : null),
  }),
);

const BanAuthorInput = builder.inputType('BanAuthorInput', {
  fields: (t) => ({
    authorId: t.id({ required: true }),
    until: t.field({ type: 'DateTime', description: 'When the ban ends, in the future; left out or null: no end.' }),
    reason: t.string({ description: `Why, for the moderation log (at most ${maxBanReason} characters).` }),
    rejectPending: t.boolean({
      defaultValue: false,
      description: `Also reject the author's comments waiting for review (the oldest ${maxRejectedOnBan} at most; any beyond stay in the queue).`,
    }),
  }),
});

const UnbanAuthorInput = builder.inputType('UnbanAuthorInput', {
  description: 'The author whose ban to lift.',
  fields: (t) => ({ authorId: t.id({ required: true }) }),
});

const loadAuthor = (db: Database, query: object, id: number) => db.reader.author.findUniqueOrThrow({ ...query, where: { id } });
const authorId = (value: string | number) => inputId(value, 'Author', 'authorId');

/** A mutation of an administrator's on one author, answering `<Name>Success { author }` or an error. */
function authorMutation<Input extends { authorId: string | number }>(
  name: 'banAuthor' | 'unbanAuthor',
  input: typeof BanAuthorInput | typeof UnbanAuthorInput,
  description: string,
  write: (input: Input, context: Context) => Promise<number>,
) {
  const typeName = name[0]!.toUpperCase() + name.slice(1);
  builder.mutationField(name, (t) =>
    t.prismaField({
      type: 'Author',
      description,
      authScopes: { admin: true },
      errors: {
        types: writeErrors.admin as (new (...args: unknown[]) => ThreadlineError)[],
        union: { name: `${typeName}Payload` },
        result: { name: `${typeName}Success` },
        dataField: { name: 'author' },
      },
      args: { input: t.arg({ type: input, required: true }) },
      resolve: async (query, _root, args, context) => {
        const id = await write(args.input as Input, context);
        // A client that selects nothing of the author (only `__typename`) gets an empty selection, which Prisma refuses.
        const selection = 'select' in query && Object.keys(query.select as object).length === 0 ? { select: { id: true } } : query;
        return loadAuthor(context.db, selection, id);
      },
    }),
  );
}

authorMutation<{ authorId: string | number; until?: Date | null; reason?: string | null; rejectPending?: boolean | null }>(
  'banAuthor',
  BanAuthorInput,
  "Ban an author (administrators): their posts, edits, deletions and reports answer BannedError until `until`. Banning a banned author changes the ban's end and reason. Administrators cannot be banned, nor can you ban yourself.",
  async (input, { db, viewer }) => (await banAuthor(db, viewer!, { ...input, authorId: authorId(input.authorId) })).authorId,
);

authorMutation<{ authorId: string | number }>(
  'unbanAuthor',
  UnbanAuthorInput,
  'Lift an author’s ban (administrators). Unbanning an author who is not banned changes nothing and succeeds.',
  async (input, { db, viewer }) => (await unbanAuthor(db, viewer!, { authorId: authorId(input.authorId) })).authorId,
);
