import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errors, jwtVerify, SignJWT } from 'jose';
import { ConfigError } from './config.js';
import { siteHandlePattern } from './domain/authors.js';
import { unacceptableName } from './domain/text.js';

export const roles = ['AUTHOR', 'MODERATOR', 'ADMIN'] as const;
export type Role = (typeof roles)[number];

/** The signed-in author, as the host site's token describes them. */
export interface Viewer {
  handle: string;
  name: string;
  role: Role;
  /** The author's email address, when the host site's token carries one (`email` claim): reply and quote emails go there. */
  email?: string;
  /** When the token stops being valid: a subscription it started ends then. */
  expiresAt?: Date;
}

export const maxNameLength = 100;

/** Credentials that are present but wrong: the request is refused as a whole (HTTP 401). */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

export type Secret = Uint8Array;

export const secretFrom = (text: string): Secret => new TextEncoder().encode(text);

/**
 * THREADLINE_JWT_SECRET when set; otherwise, outside production, a random secret kept in
 * `<dataDir>/jwt-secret` so that tokens survive restarts.
 */
export async function loadSecret(value: string | undefined, dataDir: string, production: boolean): Promise<Secret> {
  if (value) {
    if (value.length < 32) throw new ConfigError('THREADLINE_JWT_SECRET must be at least 32 characters long');
    return secretFrom(value);
  }
  if (production) throw new ConfigError('THREADLINE_JWT_SECRET must be set in production');
  const file = join(dataDir, 'jwt-secret');
  const existing = await readFile(file, 'utf8').catch(() => null);
  if (existing?.trim()) return secretFrom(existing.trim());
  await mkdir(dataDir, { recursive: true });
  const generated = randomBytes(32).toString('hex');
  try {
    // "wx": when two processes start at once, the second keeps the first one's secret.
    await writeFile(file, `${generated}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return secretFrom((await readFile(file, 'utf8')).trim());
  }
  await chmod(file, 0o600);
  return secretFrom(generated);
}

export async function signToken(viewer: Viewer, secret: Secret, expiresIn: string | number = '30d'): Promise<string> {
  return new SignJWT({ name: viewer.name, role: viewer.role, ...(viewer.email ? { email: viewer.email } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(viewer.handle)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(secret);
}

/** The viewer named by an `Authorization` header; null without one. Throws AuthenticationError for a bad one. */
export async function viewerFromAuthorization(header: string | null | undefined, secret: Secret): Promise<Viewer | null> {
  if (header == null || header === '') return null;
  const match = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
  if (!match) throw new AuthenticationError('The Authorization header must be "Bearer <token>".');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(match[1]!, secret, { algorithms: ['HS256'], requiredClaims: ['exp'] }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new AuthenticationError('The token has expired.');
    if (error instanceof errors.JOSEAlgNotAllowed) throw new AuthenticationError('The token must be signed with HS256.');
    if (error instanceof errors.JWSSignatureVerificationFailed) throw new AuthenticationError('The token signature is not valid.');
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp') {
      throw new AuthenticationError('The token must expire: it has no "exp" claim.');
    }
    throw new AuthenticationError('The token is not a valid JWT.');
  }
  const { sub, name, role = 'AUTHOR', exp, email } = payload;
  if (typeof sub !== 'string' || !siteHandlePattern.test(sub)) {
    throw new AuthenticationError('The token\'s "sub" must be an author handle: lowercase letters, digits, ".", "_" or "-".');
  }
  if (typeof name !== 'string' || name.trim() === '') {
    throw new AuthenticationError(`The token's "name" must be 1 to ${maxNameLength} characters.`);
  }
  const problem = unacceptableName(name.trim(), maxNameLength);
  if (problem) throw new AuthenticationError(`The token's "name" ${problem}`);
  if (typeof role !== 'string' || !(roles as readonly string[]).includes(role)) {
    throw new AuthenticationError(`The token's "role" must be one of ${roles.join(', ')}.`);
  }
  // Identity providers send `"email": null` for an account without one: no email, not a bad token.
  if (email !== undefined && email !== null && !isEmailAddress(email)) {
    throw new AuthenticationError('The token\'s "email" must be an email address (at most 254 characters).');
  }
  return {
    handle: sub,
    name: name.trim(),
    role: role as Role,
    ...(typeof email === 'string' ? { email } : {}),
    expiresAt: new Date((exp as number) * 1000),
  };
}

/** An address mail can go to: one @, no spaces or controls, a dotted domain; at most 254 characters. */
export const isEmailAddress = (value: unknown): value is string =>
  typeof value === 'string' &&
  value.length <= 254 &&
  /^[^\s@<>()",;:\\\x00-\x1f\x7f]+@[^\s@<>()",;:\\\x00-\x1f\x7f]+\.[^\s@<>()",;:\\\x00-\x1f\x7f.]+$/.test(value);
