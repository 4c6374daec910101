import type { Plugin } from '@envelop/core';
import { type ExecutionResult, GraphQLError } from 'graphql';

/** graphql-js ends a message with its guesses: "Did you mean "x"?", "Did you mean the enum value "NEWEST"?", "Did you mean to use an inline fragment on …?". */
const suggestion = /\s*Did you mean [^?]*\?/g;
const hasSuggestion = (error: { message: string }) => error.message.includes('Did you mean ');

function withoutSuggestion<E extends Error>(error: E): E | GraphQLError {
  suggestion.lastIndex = 0;
  if (!suggestion.test(error.message)) return error;
  if (!(error instanceof GraphQLError)) return new GraphQLError(error.message.replace(suggestion, ''));
  return new GraphQLError(error.message.replace(suggestion, ''), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

const strip = (result: ExecutionResult): ExecutionResult | null =>
  result.errors?.some(hasSuggestion) ? { ...result, errors: result.errors.map(withoutSuggestion) } : null;

const isResult = (value: unknown): value is ExecutionResult =>
  typeof value === 'object' && value !== null && !(Symbol.asyncIterator in value);

/**
 * No guesses at names in error messages outside development: they would spell out the schema
 * to someone probing it field by field (introspection, when wanted, is the way to read it).
 * Validation errors, variable errors and subscription errors alike.
 */
export function useNoSuggestions(): Plugin {
  return {
    onValidate:
      () =>
      ({ result, setResult }) => {
        if (result.some(hasSuggestion)) setResult(result.map(withoutSuggestion));
      },
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) => {
        const stripped = isResult(result) ? strip(result) : null;
        if (stripped) setResult(stripped);
      },
    }),
    onSubscribe: () => ({
      onSubscribeResult: ({ result, setResult }) => {
        const stripped = isResult(result) ? strip(result) : null;
        if (stripped) {
          setResult(stripped);
          return;
        }
        return {
          onNext: ({ result: next, setResult: setNext }) => {
            const strippedNext = strip(next);
            if (strippedNext) setNext(strippedNext);
          },
        };
      },
    }),
  };
}
