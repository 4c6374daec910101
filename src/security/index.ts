import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { type Plugin, useValidationRule } from '@envelop/core';
import type { GraphQLError } from 'graphql';
import type { RequestLimits } from '../config.js';
import type { Context } from '../context.js';
import { HeavyRequestGate } from './admission.js';
import { measureOperation, refusalsFor } from './cost.js';
import { useStorableText } from './text.js';
import { queryDepthRule } from './query-limits.js';
import { useResponseBudget } from './response-budget.js';
import { useNoSuggestions } from './suggestions.js';

/** Armor's rejections carry no code; give each one that clients can switch on. */
const coded = (code: string) => ({
  propagateOnRejection: true,
  onReject: [
    (_context: unknown, error: GraphQLError) => {
      Object.assign(error, { extensions: { ...error.extensions, code } });
    },
  ],
});

type ExecutionArgs = Parameters<NonNullable<Plugin['onExecute']>>[0]['args'];

const measured = (args: ExecutionArgs) =>
  measureOperation(args.schema, args.document, args.operationName, args.variableValues as Record<string, unknown> | undefined, {
    reactionKinds: (args.contextValue as Partial<Context> | undefined)?.engagement?.reactionKinds.length,
  });

/**
 * Cost and nodes (src/security/cost.ts), measured with the request's variables before it
 * runs: over the limits, refused; over a tenth of them, heavy, and run through the gate.
 */
function useCostLimits(limits: RequestLimits, gate: HeavyRequestGate): Plugin {
  const isHeavy = ({ cost, nodes }: { cost: number; nodes: number }) => nodes > limits.maxNodes / 10 || cost > limits.maxCost / 10;
  return {
    onExecute({ args, executeFn, setExecuteFn, setResultAndStopExecution }) {
      const measure = measured(args);
      const errors = refusalsFor(measure, limits);
      if (errors.length > 0) return setResultAndStopExecution({ errors });
      if (isHeavy(measure)) {
        setExecuteFn((executionArgs) => gate.run(async () => executeFn(executionArgs)).catch((error) => ({ errors: [error] })));
      }
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const errors = refusalsFor(measured(args), limits);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
  };
}

/**
 * Every request is measured before it runs: depth (Relay-aware, ours), cost and nodes (ours,
 * with the variables), aliases, tokens and directives (graphql-armor). A rejected query
 * reaches no resolver. What runs is stopped once its response passes its byte budget.
 */
export function requestLimitPlugins(limits: RequestLimits, { development }: { development: boolean }): Plugin[] {
  return [
    useStorableText(),
    useValidationRule(queryDepthRule(limits.maxDepth)),
    useCostLimits(limits, new HeavyRequestGate(limits.maxHeavyRequests, limits.maxHeavyQueue)),
    useResponseBudget(limits.maxResponseBytes),
    EnvelopArmorPlugin({
      maxAliases: { n: limits.maxAliases, ...coded('TOO_MANY_ALIASES') },
      maxTokens: { n: limits.maxTokens, ...coded('TOO_MANY_TOKENS') },
      maxDirectives: { n: 50, ...coded('TOO_MANY_DIRECTIVES') },
      // Replaced by useNoSuggestions, which also covers enum values, arguments and inline fragments.
      blockFieldSuggestion: { enabled: false },
      // Replaced by queryDepthRule, which does not count a connection's edges and node as levels,
      // and by the cost and nodes measured with the variables (cost.ts).
      maxDepth: { enabled: false },
      costLimit: { enabled: false },
    }) as Plugin,
    ...(development ? [] : [useNoSuggestions()]),
  ];
}
