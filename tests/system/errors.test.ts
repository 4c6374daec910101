import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, maskError } from '../../src/errors.js';
import { Prisma } from '../../src/generated/prisma/client.js';

const prismaError = (code: string, message: string) => new Prisma.PrismaClientKnownRequestError(message, { code, clientVersion: '7.10.0' });
/** How graphql-js hands a resolver's error to the masking function. */
const fromResolver = (original: Error) => new GraphQLError(original.message, { originalError: original, path: ['article'] });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['P1001', "Can't reach database server at 127.0.0.1:5432"],
    ['P1017', 'Server has closed the connection.'],
    ['P2024', 'Timed out fetching a new connection from the connection pool.'],
    ['P2037', 'Too many database connections opened'],
  ])('recognises Prisma %s', (code, message) => {
    expect(isDatabaseUnavailable(fromResolver(prismaError(code, message)))).toBe(true);
  });

  it('recognises a socket error from the driver', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' });
    expect(isDatabaseUnavailable(fromResolver(refused))).toBe(true);
  });

  it('never reads a message that may quote input, nor other database errors', () => {
    expect(isDatabaseUnavailable(new GraphQLError('"ECONNRESET" is not the id of a Comment.'))).toBe(false);
    expect(isDatabaseUnavailable(fromResolver(new Error('database is locked, said the user')))).toBe(false);
    expect(isDatabaseUnavailable(fromResolver(prismaError('P2002', 'Unique constraint failed')))).toBe(false);
  });
});

describe('maskError', () => {
  it('turns an unreachable database into a retryable 503 that names nothing internal', () => {
    const masked = maskError(
      fromResolver(prismaError('P1001', "Can't reach database server at db.internal:5432")),
      'Unexpected error.',
      false,
    ) as GraphQLError;
    expect(masked.message).toBe('The database is unavailable for the moment; retry shortly.');
    expect(masked.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true, http: { status: 503 } });
    expect(JSON.stringify(masked.toJSON())).not.toContain('db.internal');
  });

  it('masks any other unexpected error', () => {
    const masked = maskError(
      fromResolver(prismaError('P2002', 'Unique constraint failed on the fields: (`slug`)')),
      'Unexpected error.',
      false,
    ) as GraphQLError;
    expect(masked.message).toBe('Unexpected error.');
  });
});
