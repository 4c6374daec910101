/** The file path of a `file:` SQLite URL, as better-sqlite3 wants it. */
export function sqliteFilePath(url: string): string {
  if (!url.startsWith('file:')) {
    throw new Error(`DATABASE_URL must be a SQLite "file:<path>" URL for now; got "${url.split(':')[0]}:…"`);
  }
  const path = url.slice('file:'.length).split('?')[0] ?? '';
  if (path === '') throw new Error('DATABASE_URL "file:" names no file');
  return path;
}
