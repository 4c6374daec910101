/** The databases Threadline runs on: SQLite embedded, PostgreSQL to scale out. */
export type Provider = 'sqlite' | 'postgresql';

/** Which database a DATABASE_URL names, or null for neither. */
export function providerOf(url: string): Provider | null {
  if (url.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  return null;
}

/** The file path of a `file:` SQLite URL, as better-sqlite3 wants it. */
export function sqliteFilePath(url: string): string {
  if (!url.startsWith('file:')) throw new Error(`not a SQLite "file:<path>" URL: "${url.split(':')[0]}:…"`);
  const path = url.slice('file:'.length).split('?')[0] ?? '';
  if (path === '') throw new Error('DATABASE_URL "file:" names no file');
  return path;
}
