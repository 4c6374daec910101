/**
 *   npm run token -- <author-handle> [--role AUTHOR|MODERATOR|ADMIN] [--name "Display Name"] [--email a@b.example] [--expires 30d]
 * Prints a bearer token signed with THREADLINE_JWT_SECRET (or the development secret kept in
 * the data folder), for trying the API locally.
 */
import { parseArgs } from 'node:util';
import { isEmailAddress, loadSecret, type Role, roles, signToken } from '../auth.js';
import { ConfigError, dataDirOf, loadConfig } from '../config.js';
import { siteHandlePattern } from '../domain/authors.js';

function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string', default: 'AUTHOR' },
      name: { type: 'string' },
      email: { type: 'string' },
      expires: { type: 'string', default: '30d' },
    },
  });
  const [handle, ...extra] = positionals;
  if (!handle || extra.length > 0) throw new ConfigError('usage: npm run token -- <author-handle> [--role MODERATOR] [--name "Name"]');
  const role = values.role!.toUpperCase();
  if (!(roles as readonly string[]).includes(role))
    throw new ConfigError(`--role must be one of ${roles.join(', ')}; got "${values.role}"`);
  if (!siteHandlePattern.test(handle)) {
    throw new ConfigError('the handle must be lowercase letters, digits, ".", "_" or "-" (at most 64)');
  }
  if (values.email !== undefined && !isEmailAddress(values.email))
    throw new ConfigError(`--email must be an email address; got "${values.email}"`);
  return { handle, role: role as Role, name: values.name ?? handle, email: values.email, expires: values.expires! };
}

try {
  const { handle, role, name, email, expires } = main(process.argv.slice(2));
  const config = loadConfig();
  const secret = await loadSecret(config.jwtSecret, dataDirOf(config.database.url), config.production);
  console.log(await signToken({ handle, name, role, ...(email ? { email } : {}) }, secret, expires));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error));
  process.exit(2);
}
