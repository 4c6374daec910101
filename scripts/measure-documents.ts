/**
 *   npm run measure
 * What each client document (schema/operations/*.graphql) costs and how many nodes it can
 * return, as the server measures them before running it (src/security/cost.ts), with the
 * documents' own default variables: the table README.md prints under "Request limits".
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Kind, type OperationDefinitionNode, parse } from 'graphql';
import { defaultRequestLimits } from '../src/config.js';
import { schema } from '../src/schema/index.js';
import { measureOperation } from '../src/security/cost.js';

export interface DocumentMeasure {
  operation: string;
  file: string;
  nodes: number;
  cost: number;
}

export function measureDocuments(directory = new URL('../schema/operations/', import.meta.url)): DocumentMeasure[] {
  const measures: DocumentMeasure[] = [];
  for (const file of readdirSync(directory)
    .filter((name) => name.endsWith('.graphql'))
    .sort()) {
    const document = parse(readFileSync(new URL(file, directory), 'utf8'));
    for (const operation of document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)) {
      const name = operation.name?.value ?? '(anonymous)';
      measures.push({ operation: name, file, ...measureOperation(schema, document, name, {}) });
    }
  }
  return measures.sort((a, b) => b.nodes - a.nodes || b.cost - a.cost || a.operation.localeCompare(b.operation));
}

/** The README's table: the heaviest documents, then the limits. */
export function documentTable(measures: DocumentMeasure[], rows = 6): string {
  const number = (n: number) => n.toLocaleString('en-US');
  const lines = ['| client document | nodes | cost |', '| --- | ---: | ---: |'];
  for (const { operation, file, nodes, cost } of measures.slice(0, rows))
    lines.push(`| \`${operation}\` (${file}) | ${number(nodes)} | ${number(cost)} |`);
  lines.push(`| *the limits* | *${number(defaultRequestLimits.maxNodes)}* | *${number(defaultRequestLimits.maxCost)}* |`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const measures = measureDocuments();
  console.log(documentTable(measures, measures.length));
}
