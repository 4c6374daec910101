import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.js';

export const printSchemaSorted = () =>
  `# Generated from the Pothos schema by \`npm run schema:print\`; do not edit.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
