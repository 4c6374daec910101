import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { type Plugin, useValidationRule } from '@envelop/core';
import type { GraphQLError } from 'graphql';
import type { RequestLimits } from '../config.js';
import { useCursorRangeCheck } from './cursors.js';
import { useNoNulCharacters } from './nul.js';
import { queryLimitsRule } from './query-limits.js';

/** Armor's rejections carry no code; give each one that clients can switch on. */
const coded = (code: string) => ({
  propagateOnRejection: true,
  onReject: [
    (_context: unknown, error: GraphQLError) => {
      Object.assign(error, { extensions: { ...error.extensions, code } });
    },
  ],
});

/**
 * Every request is measured before it runs: depth and cost (Relay-aware, ours), aliases,
 * tokens and directives (graphql-armor). A rejected query reaches no resolver.
 */
export function requestLimitPlugins(limits: RequestLimits, { development }: { development: boolean }): Plugin[] {
  return [
    useNoNulCharacters(),
    useCursorRangeCheck(),
    useValidationRule(queryLimitsRule({ maxDepth: limits.maxDepth, maxCost: limits.maxCost })),
    EnvelopArmorPlugin({
      maxAliases: { n: limits.maxAliases, ...coded('TOO_MANY_ALIASES') },
      maxTokens: { n: limits.maxTokens, ...coded('TOO_MANY_TOKENS') },
      maxDirectives: { n: 50, ...coded('TOO_MANY_DIRECTIVES') },
      blockFieldSuggestion: { enabled: !development },
      // Replaced by queryLimitsRule, which does not count a connection's edges and node as levels.
      maxDepth: { enabled: false },
      costLimit: { enabled: false },
    }) as Plugin,
  ];
}
