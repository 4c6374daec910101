import { GraphQLError } from 'graphql';

export const maxPageSize = 100;

interface PageArgs {
  first?: number | null;
  last?: number | null;
}

/**
 * Every connection's size check. Pothos would silently clamp `first: 1000` to the maximum and
 * let `first` win over `last`; a client asking for more than it can get deserves to know.
 */
export function checkPageSize(args: PageArgs): number {
  if (args.first != null && args.last != null) {
    throw new GraphQLError('Pass either "first" or "last", not both.', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value != null && (value < 0 || value > maxPageSize)) {
      throw new GraphQLError(`"${name}" must be between 0 and ${maxPageSize}; got ${value}.`, {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
  }
  return maxPageSize;
}
