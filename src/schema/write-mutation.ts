import type { InputObjectRef } from '@pothos/core';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import type { Database } from '../db.js';
import { type ThreadlineError, ValidationError } from '../domain/errors.js';
import { unstorableText } from '../domain/text.js';
import type PrismaTypes from '../generated/pothos-types.js';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type Model = 'Comment' | 'Article' | 'Tag';

/**
 * A mutation with a single `input` that writes one row and answers `<Name>Payload`: either
 * `<Name>Success { <dataField> }`, loaded with the client's selection, or one of `errors`.
 */
export function writeMutation<Input extends object, M extends Model>(
  name: string,
  model: M,
  input: InputObjectRef<Types, Input>,
  options: {
    description: string;
    scope: 'signedIn' | 'moderator' | 'admin';
    errors: readonly (new (...args: never[]) => ThreadlineError)[];
    dataField: string;
    write: (input: Input, context: Context) => Promise<number>;
    load: (db: Database, query: object, id: number) => Promise<PrismaTypes[M]['Shape']>;
  },
) {
  const typeName = name[0]!.toUpperCase() + name.slice(1);
  builder.mutationField(name, (t) =>
    t.prismaField({
      type: model as Model,
      description: options.description,
      authScopes: { [options.scope]: true },
      errors: {
        types: [...options.errors] as (new (...args: unknown[]) => ThreadlineError)[],
        union: { name: `${typeName}Payload` },
        result: { name: `${typeName}Success` },
        dataField: { name: options.dataField },
      },
      args: { input: t.arg({ type: input, required: true }) },
      resolve: async (query, _root, args, context) => {
        const input = (args as { input: Input }).input;
        checkStorable(input, '');
        const id = await options.write(input, context);
        // A client that selects nothing of the result (only `__typename`) gets an empty
        // selection from plugin-prisma, which Prisma refuses; the write has committed by now.
        const selection = 'select' in query && Object.keys(query.select as object).length === 0 ? { select: { id: true } } : query;
        // The shape matches the model's by construction; Pothos cannot see through the generic.
        return options.load(context.db, selection, id) as never;
      },
    }),
  );
}

/**
 * Every string of a mutation's input must be storable (src/domain/text.ts): the first that is
 * not is a ValidationError naming its field (`body`, `quotes.0.commentId`), before any write.
 */
function checkStorable(value: unknown, path: string): void {
  if (typeof value === 'string') {
    const problem = unstorableText(value);
    if (problem) throw new ValidationError(path, `\`${path}\` ${problem}`);
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) checkStorable(item, path === '' ? String(index) : `${path}.${index}`);
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) checkStorable(item, path === '' ? key : `${path}.${key}`);
  }
}
