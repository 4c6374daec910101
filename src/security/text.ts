import type { Plugin } from '@envelop/core';
import { type ArgumentNode, type DocumentNode, GraphQLError, Kind, type OperationDefinitionNode, visit } from 'graphql';
import { unstorableText } from '../domain/text.js';

const badText = (problem: string) => new GraphQLError(`Text ${problem}`, { extensions: { code: 'BAD_USER_INPUT' } });

function firstProblem(value: unknown): string | null {
  if (typeof value === 'string') return unstorableText(value);
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = firstProblem(item);
      if (problem) return problem;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) {
      const problem = firstProblem(item);
      if (problem) return problem;
    }
  }
  return null;
}

/** A mutation's `input` argument: its strings are checked by the mutation, which names the field (VALIDATION_FAILED). */
const isMutationInput = (operation: OperationDefinitionNode, argument: ArgumentNode, depth: number) =>
  operation.operation === 'mutation' && depth === 1 && argument.name.value === 'input';

/**
 * Text no database should store (a lone UTF-16 surrogate, which SQLite keeps as invalid UTF-8
 * and PostgreSQL's driver turns into U+FFFD; NUL, which PostgreSQL's text cannot hold) is
 * refused up front as BAD_USER_INPUT, in literals and variables alike, on both databases.
 * A mutation's `input` is left to the mutation, which answers with a ValidationError naming
 * the field.
 */
function problemIn(document: DocumentNode, variables: Record<string, unknown> | null | undefined): string | null {
  let problem: string | null = null;
  const inputVariables = new Set<string>();
  const elsewhereVariables = new Set<string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    let depth = 0;
    let inInput = 0;
    visit(definition, {
      // `($input: PostCommentInput!)` declares a variable; only its uses count.
      VariableDefinition: () => false,
      Field: { enter: () => void depth++, leave: () => void depth-- },
      Argument: {
        enter: (node) => {
          if (isMutationInput(definition, node, depth)) inInput++;
        },
        leave: (node) => {
          if (isMutationInput(definition, node, depth)) inInput--;
        },
      },
      StringValue(node) {
        if (inInput === 0) problem ??= unstorableText(node.value);
      },
      Variable(node) {
        (inInput > 0 ? inputVariables : elsewhereVariables).add(node.name.value);
      },
    });
  }
  // Fragments have no mutation inputs: their literals are checked whole.
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.FRAGMENT_DEFINITION) continue;
    visit(definition, {
      StringValue(node) {
        problem ??= unstorableText(node.value);
      },
      Variable(node) {
        elsewhereVariables.add(node.name.value);
      },
    });
  }
  if (problem) return problem;
  for (const [name, value] of Object.entries(variables ?? {})) {
    if (inputVariables.has(name) && !elsewhereVariables.has(name)) continue;
    const found = firstProblem(value);
    if (found) return found;
  }
  return null;
}

export function useStorableText(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const problem = problemIn(args.document, args.variableValues as Record<string, unknown> | undefined);
      if (problem) setResultAndStopExecution({ errors: [badText(problem)] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const problem = problemIn(args.document, args.variableValues as Record<string, unknown> | undefined);
      if (problem) setResultAndStopExecution({ errors: [badText(problem)] });
    },
  };
}
