/**
 * Reply and quote emails in the API (issue 15, item 2): `setNotificationPreferences`, and the
 * viewer's own choice (`notificationPreferences`), which nobody else can read.
 */
import { builder } from '../builder.js';
import { viewerAuthorId } from '../context.js';
import type { ThreadlineError } from '../domain/errors.js';
import { setNotificationPreferences } from '../domain/notifications.js';
import { writeErrors } from './errors.js';

const DigestFrequency = builder.enumType('DigestFrequency', {
  values: {
    NONE: { description: 'An email for each reply or quote, as it comes.' },
    DAILY: { description: 'One email a day at most, gathering them.' },
  } as const,
});

const NotificationPreference = builder.prismaObject('NotificationPreference', {
  description: 'Which emails the signed-in author gets, and where.',
  fields: (t) => ({
    email: t.exposeString('email', { description: 'Where they go: the address the author’s sign-in carried when they last chose.' }),
    replies: t.exposeBoolean('replies', { description: 'An email when someone replies to their comment.' }),
    quotes: t.exposeBoolean('quotes', { description: 'An email when someone quotes their comment.' }),
    digest: t.field({ type: DigestFrequency, resolve: (preference) => preference.digest }),
  }),
});

const SetNotificationPreferencesInput = builder.inputType('SetNotificationPreferencesInput', {
  fields: (t) => ({
    replies: t.boolean({ required: true }),
    quotes: t.boolean({ required: true }),
    digest: t.field({ type: DigestFrequency, defaultValue: 'NONE' }),
  }),
});

builder.queryField('notificationPreferences', (t) =>
  t.prismaField({
    type: NotificationPreference,
    nullable: true,
    description: 'The signed-in author’s email choices; null for anonymous readers and for authors who never chose.',
    extensions: { threadline: { private: true } },
    resolve: async (query, _root, _args, context) => {
      const authorId = context.viewer ? await viewerAuthorId(context) : null;
      return authorId === null ? null : context.db.reader.notificationPreference.findUnique({ ...query, where: { authorId } });
    },
  }),
);

builder.mutationField('setNotificationPreferences', (t) =>
  t.prismaField({
    type: NotificationPreference,
    description:
      'Choose reply and quote emails (signed-in authors whose sign-in carries an email address). Every email has a one-click unsubscribe link.',
    authScopes: { signedIn: true },
    extensions: { threadline: { private: true } },
    errors: {
      types: writeErrors.admin as (new (...args: unknown[]) => ThreadlineError)[],
      union: { name: 'SetNotificationPreferencesPayload' },
      result: { name: 'SetNotificationPreferencesSuccess' },
      dataField: { name: 'preferences' },
    },
    args: { input: t.arg({ type: SetNotificationPreferencesInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const authorId = await setNotificationPreferences(context.db, context.viewer!, {
        replies: input.replies,
        quotes: input.quotes,
        digest: input.digest ?? 'NONE',
      });
      return context.db.reader.notificationPreference.findUniqueOrThrow({ ...query, where: { authorId } });
    },
  }),
);
