import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, execute } from 'graphql';
import { createContext } from '../src/context.js';
import { onQuery, prisma } from '../src/db.js';
import { loadThread } from '../src/importers/load.js';
import { parseTextThread } from '../src/importers/text.js';
import { schema } from '../src/schema/index.js';

export const examplePath = fileURLToPath(new URL('../../shared/seed/000_a475c58050193623.txt', import.meta.url));
export const exampleSlug = 'trump-told-russians-he-didnt-care-if-they-interfered-in-2016-election';
export const demoSlug = 'why-the-alder-hollow-library-started-lending-bike-tools';
export const readExample = () => readFileSync(examplePath, 'utf8');

/** Runs an operation in-process against the real schema and database. */
export async function run<TResult, TVariables extends Record<string, unknown>>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables?: NoInfer<TVariables>,
): Promise<ExecutionResult<TResult>> {
  return (await execute({
    schema,
    document,
    variableValues: variables,
    contextValue: createContext(),
  })) as ExecutionResult<TResult>;
}

/** Like `run`, but fails on GraphQL errors and returns the data. */
export async function query<TResult, TVariables extends Record<string, unknown>>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables?: NoInfer<TVariables>,
): Promise<TResult> {
  const result = await run(document, variables);
  if (result.errors?.length) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.data as TResult;
}

/** The SQL statements Prisma sends while `action` runs. */
export async function statementsOf(action: () => Promise<unknown>): Promise<string[]> {
  const statements: string[] = [];
  const stop = onQuery((sql) => statements.push(sql));
  try {
    await action();
  } finally {
    stop();
  }
  return statements;
}

export async function importExample() {
  return loadThread(prisma, parseTextThread(readExample()));
}

export async function rowCounts() {
  const [authors, articles, tags, comments, quotes, mentions] = await Promise.all([
    prisma.author.count(),
    prisma.article.count(),
    prisma.tag.count(),
    prisma.comment.count(),
    prisma.quote.count(),
    prisma.mention.count(),
  ]);
  return { authors, articles, tags, comments, quotes, mentions };
}

export const globalId = (type: string, id: number) => Buffer.from(`${type}:${id}`).toString('base64');
