/**
 * Global IDs and the other opaque strings clients send back: each has exactly one spelling.
 * `Q29tbWVudDox` is comment 1; `Q29tbWVudDox` with other padding, base64url, `Comment:01`,
 * `Comment:1.0`, `Comment:0x1` or `Comment: 1` name nothing, so an object has one ID and
 * caches keyed by ID never hold two copies of it.
 */
import { GraphQLError } from 'graphql';
import { ValidationError } from '../domain/errors.js';
import { maxDatabaseId } from '../domain/limits.js';

/** A database id written the one way: digits, no sign, no leading zero, 1 to 2^31 − 1. */
export function parseDatabaseId(text: string): number | null {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return null;
  const id = Number(text);
  return id <= maxDatabaseId ? id : null;
}

/** The text of standard, padded base64, as this API writes it; null for any other spelling. */
export function decodeBase64Strict(text: string): string | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const decoded = Buffer.from(text, 'base64').toString('utf8');
  return Buffer.from(decoded, 'utf8').toString('base64') === text ? decoded : null;
}

export const encodeGlobalId = (typename: string, id: number | string | bigint): string =>
  Buffer.from(`${typename}:${id}`).toString('base64');

/** The type name and database id a global ID names; null for anything this API did not write. */
export function parseGlobalId(globalId: string): { typename: string; id: number } | null {
  const text = decodeBase64Strict(globalId);
  const match = text === null ? null : /^([A-Z][A-Za-z0-9]*):(.*)$/s.exec(text);
  const id = match ? parseDatabaseId(match[2]!) : null;
  return match && id !== null ? { typename: match[1]!, id } : null;
}

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

/** plugin-relay's decoder for `node` and `nodes`: the same rule, as BAD_USER_INPUT. */
export function decodeGlobalIdForRelay(globalId: string): { typename: string; id: string } {
  const parsed = parseGlobalId(globalId);
  if (!parsed) throw new GraphQLError(`${describe(globalId)} is not a valid ID.`, { extensions: { code: 'BAD_USER_INPUT' } });
  return { typename: parsed.typename, id: String(parsed.id) };
}
