import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import type { Context } from './context.js';
import { prisma } from './db.js';
import { ForbiddenError } from './domain/errors.js';
import type PrismaTypes from './generated/pothos-types.js';
import { getDatamodel } from './generated/pothos-types.js';
import { checkPageSize, maxPageSize } from './schema/pagination.js';

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
    authScopes: ({ viewer }) => ({
      signedIn: viewer != null,
      moderator: viewer?.role === 'MODERATOR' || viewer?.role === 'ADMIN',
      admin: viewer?.role === 'ADMIN',
    }),
    unauthorizedError: (_parent, { viewer }) =>
      new ForbiddenError(viewer ? 'Your role does not allow this.' : 'Sign in to do this: send a bearer token.'),
  },
  prisma: {
    client: prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    // Pothos calls a function here with each connection's arguments (its field-level `maxSize`
    // is typed that way); the builder option is typed as a number only.
    maxConnectionSize: checkPageSize as unknown as number,
    defaultConnectionSize: 20,
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'error',
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesQueryOptions: {
      description: `The objects with these global IDs, in order; null where there is none. At most ${maxPageSize} IDs.`,
      resolve: (_root, { ids }, _context, _info, resolveNodes) => {
        if (ids.length > maxPageSize) {
          throw new GraphQLError(`"ids" may hold at most ${maxPageSize} IDs; got ${ids.length}.`, {
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
