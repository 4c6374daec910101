import type { Plugin } from '@envelop/core';
import { type DocumentNode, GraphQLError, visit } from 'graphql';

const nulError = () => new GraphQLError('Text may not contain the NUL character (U+0000).', { extensions: { code: 'BAD_USER_INPUT' } });

const hasNul = (value: unknown): boolean => {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNul);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasNul);
  return false;
};

function literalHasNul(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes('\u0000')) found = true;
    },
  });
  return found;
}

/**
 * PostgreSQL's text cannot hold U+0000, and SQLite would store it where nothing displays
 * it: a NUL anywhere in a request's strings (literals or variables) is refused up front, on
 * both databases alike, as bad input rather than a database error.
 */
export function useNoNulCharacters(): Plugin {
  const check = (document: DocumentNode, variables: unknown) => hasNul(variables) || literalHasNul(document);
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (check(args.document, args.variableValues)) setResultAndStopExecution({ errors: [nulError()] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (check(args.document, args.variableValues)) setResultAndStopExecution({ errors: [nulError()] });
    },
  };
}
