import type { Plugin } from '@envelop/core';
import { type DocumentNode, GraphQLError, Kind, visit } from 'graphql';

const maxId = 2 ** 31 - 1;

/** A plugin-prisma cursor of a numeric id ("GPC:N:<id>", base64) whose id no row can have. */
function outOfRange(cursor: unknown): boolean {
  if (typeof cursor !== 'string') return false;
  const match = /^GPC:N:(-?\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!match) return false;
  const id = Number(match[1]);
  return !(Number.isSafeInteger(id) && id >= 0 && id <= maxId);
}

function hasBadCursor(document: DocumentNode, variables: Record<string, unknown> | null | undefined): boolean {
  let found = false;
  visit(document, {
    Argument(node) {
      if (node.name.value !== 'after' && node.name.value !== 'before') return;
      const { value } = node;
      const given = value.kind === Kind.STRING ? value.value : value.kind === Kind.VARIABLE ? variables?.[value.name.value] : undefined;
      if (outOfRange(given)) found = true;
    },
  });
  return found;
}

/**
 * Connection cursors carry row ids, 32-bit integers on every database. plugin-prisma passes a
 * larger one to Prisma, which fails ("Unexpected error." to the client): refuse it up front as
 * the bad input it is.
 */
export function useCursorRangeCheck(): Plugin {
  const error = () =>
    new GraphQLError('This cursor does not come from this API; use the `endCursor` or `startCursor` of a page.', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (hasBadCursor(args.document, args.variableValues as Record<string, unknown> | undefined))
        setResultAndStopExecution({ errors: [error()] });
    },
  };
}
