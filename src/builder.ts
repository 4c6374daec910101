import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import type { Context } from './context.js';
import { ForbiddenError } from './domain/errors.js';
import { maxNodeIds } from './domain/limits.js';
import { isAdmin, isModerator } from './domain/visibility.js';
import type PrismaTypes from './generated/pothos-types.js';
import { getDatamodel } from './generated/pothos-types.js';
import { encodeGlobalId } from './domain/ids.js';
import { decodeGlobalIdForRelay } from './schema/ids.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  Scalars: { DateTime: { Input: Date; Output: Date } };
  Connection: { totalCount: number | (() => number | Promise<number>) };
  DefaultFieldNullability: false;
  AuthScopes: { signedIn: boolean; moderator: boolean; admin: boolean };
}>({
  // Scope checks run inside the errors plugin's wrapper, so a refusal becomes a ForbiddenError
  // member of the payload union rather than a top-level error.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // A subscription's scopes are checked when it starts, not at each event: a reader must not
    // even hold a listener on moderators' feed (moderationEvents).
    authorizeOnSubscribe: true,
    authScopes: ({ viewer }) => ({
      signedIn: viewer != null,
      moderator: isModerator(viewer),
      admin: isAdmin(viewer),
    }),
    unauthorizedError: (_parent, { viewer }) =>
      new ForbiddenError(viewer ? 'Your role does not allow this.' : 'Sign in to do this: send a bearer token.'),
  },
  prisma: {
    client: (ctx) => ctx.db.reader,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    // Every connection pages through src/schema/connections.ts; plugin-prisma plans the rows' selections.
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'error',
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: decodeGlobalIdForRelay,
    nodesQueryOptions: {
      extensions: { threadline: { itemsFromArgument: 'ids' } },
      description: `The objects with these global IDs, in order; null where there is none. At most ${maxNodeIds} IDs.`,
      resolve: (_root, { ids }, _context, _info, resolveNodes) => {
        if (ids.length > maxNodeIds) {
          throw new GraphQLError(`"ids" may hold at most ${maxNodeIds} IDs; got ${ids.length}.`, {
            extensions: { code: 'BAD_USER_INPUT' },
          });
        }
        return resolveNodes(ids);
      },
    },
  },
  errors: {
    defaultTypes: [],
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    resolve: ({ totalCount }) => (typeof totalCount === 'function' ? totalCount() : totalCount),
  }),
);
