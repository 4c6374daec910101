/** Writes schema/schema.graphql from the Pothos schema (sorted, so diffs stay small). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchemaSorted } from '../src/schema/print.js';

const target = fileURLToPath(new URL('../schema/schema.graphql', import.meta.url));
writeFileSync(target, printSchemaSorted());
console.log(`wrote ${target}`);
