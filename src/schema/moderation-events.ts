/**
 * `moderationEvents`: the moderation log as it grows, pushed to moderators (src/live/moderation-feed.ts):
 * comments held for review, readers' reports, and every moderator's and administrator's action.
 */
import { GraphQLError } from 'graphql';
import { builder } from '../builder.js';
import { decodeBase64Strict, parseDatabaseId } from '../domain/ids.js';

/** Opaque to clients: base64 of "ModerationEvent:<log id>". */
const encodeCursor = (id: number) => Buffer.from(`ModerationEvent:${id}`).toString('base64');

function decodeCursor(cursor: string): number {
  const text = decodeBase64Strict(cursor);
  const match = text === null ? null : /^ModerationEvent:(.*)$/s.exec(text);
  const id = match ? (match[1] === '0' ? 0 : parseDatabaseId(match[1]!)) : null;
  if (id === null)
    throw new GraphQLError(`"${cursor.slice(0, 100)}" is not a moderation event cursor.`, { extensions: { code: 'BAD_USER_INPUT' } });
  return id;
}

const ModerationEvent = builder.prismaObject('ModerationAction', {
  variant: 'ModerationEvent',
  description: 'An entry of the moderation log, as it happens. Pass the last `cursor` you received as `after` to resume.',
  fields: (t) => ({
    cursor: t.string({ resolve: (row) => encodeCursor(row.id) }),
    entry: t.variant('ModerationAction', { description: 'What happened, with its actor and target.' }),
  }),
});

builder.subscriptionField('moderationEvents', (t) =>
  t.prismaField({
    type: ModerationEvent,
    description:
      'Comments held for review, readers’ reports and every moderator’s and administrator’s action, as they happen on any instance (moderators).',
    authScopes: { moderator: true },
    args: { after: t.arg.string({ description: 'Resume after this cursor: what happened since is replayed first.' }) },
    subscribe: async (_root, { after }, { moderationFeed }) => {
      if (!moderationFeed)
        throw new GraphQLError('Live moderation events are not available here.', { extensions: { code: 'UNAVAILABLE' } });
      return moderationFeed.subscribe(after == null ? null : decodeCursor(after));
    },
    resolve: (query, id, _args, { db }) =>
      db.reader.moderationAction.findUniqueOrThrow({ ...(query as object), where: { id: id as unknown as number } }),
  }),
);
