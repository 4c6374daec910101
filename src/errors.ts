import { PothosError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError, type YogaServerOptions } from 'graphql-yoga';

type MaskError = NonNullable<Exclude<YogaServerOptions<object, object>['maskedErrors'], boolean | undefined>['maskError']>;

/**
 * Pothos rejects bad client input (a malformed global ID, a negative `first`) with its own
 * errors; give them the code clients switch on. Everything else goes through Yoga's masking.
 */
export const maskError: MaskError = (error, message, isDev) => {
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  if (error instanceof GraphQLError && original instanceof PothosError) {
    return new GraphQLError(original.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: { ...original.extensions, code: 'BAD_USER_INPUT' },
    });
  }
  return yogaMaskError(error, message, isDev);
};
