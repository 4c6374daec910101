/** The GraphQL side of src/domain/ids.ts: arguments and inputs decoded, with the error each kind of input answers with. */
import { GraphQLError } from 'graphql';
import { ValidationError } from '../domain/errors.js';
import { parseGlobalId } from '../domain/ids.js';

const describe = (value: unknown) => JSON.stringify(String(value).slice(0, 100));

/** The database id in a global ID of `typename`; null when it is not one. */
function idOf(globalId: string | number, typename: string): number | null {
  const parsed = parseGlobalId(String(globalId));
  return parsed && parsed.typename === typename ? parsed.id : null;
}

/** For a mutation's input: the id, or a ValidationError on `field` (a member of the payload union). */
export function inputId(globalId: string | number, typename: string, field: string): number {
  const id = idOf(globalId, typename);
  if (id === null) throw new ValidationError(field, `${describe(globalId)} is not the ID of a ${typename}.`);
  return id;
}

/** For a query or subscription argument: the id, or a BAD_USER_INPUT error. */
export function argumentId(globalId: string | number, typename: string, argument: string): number {
  const id = idOf(globalId, typename);
  if (id === null) {
    throw new GraphQLError(`${describe(globalId)} is not the ID of a ${typename}.`, { extensions: { code: 'BAD_USER_INPUT', argument } });
  }
  return id;
}

/** The types that implement Node, set once the schema is built (src/schema/index.ts). */
const nodeTypes = new Set<string>();

export function registerNodeTypes(names: Iterable<string>): void {
  for (const name of names) nodeTypes.add(name);
}

/** plugin-relay's decoder for `node` and `nodes`: the same rule, as BAD_USER_INPUT; an ID of no type of ours is not one. */
export function decodeGlobalIdForRelay(globalId: string): { typename: string; id: string } {
  const parsed = parseGlobalId(globalId);
  if (!parsed || (nodeTypes.size > 0 && !nodeTypes.has(parsed.typename))) {
    throw new GraphQLError(`${describe(globalId)} is not a valid ID.`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return { typename: parsed.typename, id: String(parsed.id) };
}
