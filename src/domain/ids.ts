/**
 * Global IDs and the other opaque strings clients send back (cursors): each has exactly one
 * spelling. `Q29tbWVudDox` is comment 1; the same bytes in other padding or base64url,
 * `Comment:01`, `Comment:1.0`, `Comment:0x1` or `Comment: 1` name nothing, so an object has one
 * ID and a cache keyed by ID never holds two copies of it.
 */
import { maxDatabaseId } from './limits.js';

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
