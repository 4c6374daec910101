import { decodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import { ValidationError } from '../domain/errors.js';

/** Prisma's Int is 32-bit on every database: a larger id names nothing, and must not reach SQL. */
const maxId = 2 ** 31 - 1;

const isId = (id: number) => Number.isInteger(id) && id >= 1 && id <= maxId;

/** The database id in a global ID of `typename`; a ValidationError on `field` for anything else. */
export function decodeId(globalId: string | number, typename: string, field: string): number {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(String(globalId));
  } catch {
    throw new ValidationError(field, `"${globalId}" is not a valid ID.`);
  }
  const id = Number(decoded.id);
  if (decoded.typename !== typename || !isId(id)) {
    throw new ValidationError(field, `"${globalId}" is not the ID of a ${typename}.`);
  }
  return id;
}

/** For `prismaNode`'s `findUnique`: the row a global ID's id part names, or a typed input error. */
export const whereId = (typename: string) => (id: string) => {
  const number = Number(id);
  if (!/^\d+$/.test(id) || !isId(number)) {
    throw new GraphQLError(`"${id}" is not the id of a ${typename}.`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return { id: number };
};
