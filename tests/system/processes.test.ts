// The two commands a user runs, as real processes: the server and the importer.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { secretFrom, signToken, viewerFromAuthorization } from '../../src/auth.js';
import { demoThreadPath } from '../../src/seed.js';
import { readDemo } from '../helpers.js';
import { runProcess, startServer } from '../instances.js';

const orchardPath = fileURLToPath(new URL('../fixtures/exports/orchard.wxr', import.meta.url));
const disqusPath = fileURLToPath(new URL('../fixtures/exports/lighthouse.disqus.xml', import.meta.url));
const freshDatabase = () => join(mkdtempSync(join(tmpdir(), 'threadline-proc-')), 'threadline.db');

describe('npm start', () => {
  it('migrates and seeds an empty database, serves it, and stops cleanly on SIGTERM', async () => {
    const db = freshDatabase();
    const { server, url, logs } = await startServer({ DATABASE_URL: `file:${db}` });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['applied migrations', 'empty database: imported the demo thread']));

    expect((await fetch(new URL('/health', url))).status).toBe(200);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ articles(first: 5) { totalCount edges { node { title commentCount } } } }' }),
    });
    const { data } = await response.json();
    expect(data.articles.totalCount).toBe(1);
    expect(data.articles.edges[0].node.commentCount).toBeGreaterThanOrEqual(30);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output().stdout).toContain('"msg":"stopped"');
  });

  it('refuses a bad PORT with a clear message', async () => {
    const { code, stdout } = await runProcess('src/server.ts', [], { PORT: 'eighty', DATABASE_URL: `file:${freshDatabase()}` });
    expect(code).toBe(1);
    expect(stdout).toContain('PORT must be an integer from 0 to 65535; got \\"eighty\\"');
  });
});

describe('two servers on one SQLite file', () => {
  it('both take writes at once, and comments are numbered without gaps or repeats', async () => {
    const db = freshDatabase();
    const first = await startServer({ DATABASE_URL: `file:${db}` });
    const second = await startServer({ DATABASE_URL: `file:${db}` });
    const secret = secretFrom(process.env.THREADLINE_JWT_SECRET!);
    const token = await signToken({ handle: 'two-writers', name: 'Two Writers', role: 'MODERATOR' }, secret);
    const gql = async (url: string, query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      // biome-ignore lint/suspicious/noExplicitAny: untyped JSON of ad-hoc operations, read by path below
      return (await response.json()) as { data: Record<string, any>; errors?: unknown[] };
    };
    const { data } = await gql(first.url, '{ articles(first: 1) { edges { node { id commentCount } } } }');
    const article = data.articles.edges[0].node;

    const mutation =
      'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename ... on PostCommentSuccess { comment { number } } } }';
    // biome-ignore lint/suspicious/noExplicitAny: as above
    const results: { data: Record<string, any> }[] = [];
    // 60 posts, alternating servers, eight in flight at a time.
    for (let batch = 0; batch < 60; batch += 8) {
      const posts = Array.from({ length: Math.min(8, 60 - batch) }, (_, i) => batch + i).map((n) =>
        gql(n % 2 ? second.url : first.url, mutation, { input: { articleId: article.id, body: `Writer test ${n}` } }),
      );
      results.push(...(await Promise.all(posts)));
    }
    expect(results.map((r) => r.data.postComment.__typename)).toEqual(Array(60).fill('PostCommentSuccess'));
    const numbers = results.map((r) => r.data.postComment.comment.number as number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 60 }, (_, i) => article.commentCount + 1 + i));

    for (const { server } of [first, second]) {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });
});

describe('npm run token', () => {
  it('prints a token signed with the development secret it keeps beside the database', async () => {
    const db = freshDatabase();
    const { code, stdout } = await runProcess('src/cli/token.ts', ['dana-k', '--role', 'MODERATOR', '--name', 'Dana K'], {
      DATABASE_URL: `file:${db}`,
      THREADLINE_JWT_SECRET: '',
    });
    expect(code).toBe(0);
    const secretFile = join(dirname(db), 'jwt-secret');
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    const viewer = await viewerFromAuthorization(`Bearer ${stdout.trim()}`, secretFrom(readFileSync(secretFile, 'utf8').trim()));
    expect(viewer).toEqual({ handle: 'dana-k', name: 'Dana K', role: 'MODERATOR', expiresAt: expect.any(Date) });
    // Thirty days by default.
    expect(viewer!.expiresAt!.getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);
  });

  it('refuses an unknown role', async () => {
    const { code, stderr } = await runProcess('src/cli/token.ts', ['dana-k', '--role', 'OWNER'], {
      DATABASE_URL: `file:${freshDatabase()}`,
    });
    expect(code).toBe(2);
    expect(stderr).toContain('--role must be one of AUTHOR, MODERATOR, ADMIN');
  });

  it('is needed in production: the server will not start without THREADLINE_JWT_SECRET', async () => {
    const { code, stdout } = await runProcess('src/server.ts', [], {
      PORT: '0',
      DATABASE_URL: `file:${freshDatabase()}`,
      NODE_ENV: 'production',
      THREADLINE_JWT_SECRET: '',
    });
    expect(code).toBe(1);
    expect(stdout).toContain('THREADLINE_JWT_SECRET must be set in production');
  });
});

describe('a DATABASE_URL this version cannot serve', () => {
  it.each([
    ['src/server.ts', 1, 'stdout'],
    ['src/cli/import.ts', 2, 'stderr'],
  ] as const)('%s says so plainly', async (script, exitCode, stream) => {
    const result = await runProcess(script, script.includes('import') ? [demoThreadPath] : [], {
      PORT: '0',
      DATABASE_URL: 'mysql://localhost/threadline',
    });
    expect(result.code).toBe(exitCode);
    // (The server logs JSON, where the message's quotes are escaped.)
    expect(result[stream]).toMatch(
      /DATABASE_URL must be a SQLite \\?"file:<path>\\?" or a \\?"postgresql:\/\/user@host:port\/database\\?" URL; got \\?"mysql:…/,
    );
    expect(result.stderr).not.toMatch(/\.ts:\d+/);
  });
});

describe('npm run import', () => {
  const counts = (db: string) => {
    const sqlite = new Database(db, { readonly: true });
    try {
      return Object.fromEntries(
        ['Article', 'Comment', 'Quote', 'Mention', 'Author'].map((table) => [
          table,
          (sqlite.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n,
        ]),
      );
    } finally {
      sqlite.close();
    }
  };

  it('imports the demo thread with progress and a summary, and a second run changes nothing', async () => {
    const db = freshDatabase();
    const first = await runProcess('src/cli/import.ts', [demoThreadPath], { DATABASE_URL: `file:${db}` });
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^reading .*demo-thread\.txt \(text, detected, [\d.]+ KB\)$/m);
    expect(first.stderr).toMatch(/^ {2}read [\d.]+ KB: 1 article, 34 comments in \d+ s$/m);
    expect(first.stdout).toMatch(/comments\s+34 in the file, 34 new/);
    expect(first.stdout).toMatch(/replies linked\s+25/);
    expect(first.stdout).toMatch(/quotes linked\s+14/);
    expect(first.stdout).toMatch(/mentions linked\s+7/);
    expect(first.stdout).toMatch(/unresolved @\s+1 \(@Gerald\)/);
    const after = counts(db);
    expect(after).toMatchObject({ Article: 1, Comment: 34, Quote: 14, Mention: 7 });

    const second = await runProcess('src/cli/import.ts', [demoThreadPath, '--format', 'text'], { DATABASE_URL: `file:${db}` });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/comments\s+34 in the file, 0 new/);
    expect(second.stdout).toMatch(/replies linked\s+0/);
    expect(second.stdout).toMatch(/quotes linked\s+0/);
    expect(counts(db)).toEqual(after);
  });

  it.each([
    ['a missing file', () => '/nonexistent/thread.txt', 2, /cannot read \/nonexistent\/thread\.txt: no such file/],
    ['a folder', () => tmpdir(), 2, /it is a folder/],
    ['an empty file', () => writeTemp(''), 1, /the file is empty/],
    [
      'a file cut in the middle of a comment',
      () => writeTemp(`${readDemo().split('  19. Wendell Ashby says:')[0]}  19. Wendell Ashby says:\n`),
      1,
      /line \d+: comment 19 has no text/,
    ],
  ])('refuses %s with a clear message and writes nothing', async (_name, file, exitCode, message) => {
    const db = freshDatabase();
    const { code, stderr } = await runProcess('src/cli/import.ts', [file()], { DATABASE_URL: `file:${db}` });
    expect(code).toBe(exitCode);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('nothing was written');
    expect(stderr).not.toMatch(/\.ts:\d+/);
  });

  it('imports a gzipped WordPress export, its format found from its content, and a second run changes nothing', async () => {
    const db = freshDatabase();
    const file = join(mkdtempSync(join(tmpdir(), 'threadline-gz-')), 'orchard.export');
    writeFileSync(file, gzipSync(readFileSync(orchardPath)));
    const first = await runProcess('src/cli/import.ts', [file], { DATABASE_URL: `file:${db}` });
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^reading .*orchard\.export \(wxr, detected, gzip, [\d.]+ KB\)$/m);
    expect(first.stdout).toMatch(/^articles\s+2 in the file, 2 new \(1 draft\)$/m);
    expect(first.stdout).toMatch(/^comments\s+7 in the file, 7 new$/m);
    expect(first.stdout).toMatch(/^ {2}by status\s+6 published, 1 pending \(hidden\), 0 spam \(hidden\), 0 deleted \(tombstones\)$/m);
    expect(first.stdout).toMatch(/^left out\s+2 pingbacks and trackbacks, 2 spam or trash$/m);
    expect(first.stdout).toMatch(/^orphans\s+1 /m);
    expect(first.stdout).toMatch(/^unresolved parents 1 /m);
    expect(first.stdout).toMatch(/^quotes linked\s+1$/m);
    const after = counts(db);
    expect(after).toMatchObject({ Article: 2, Comment: 7, Quote: 1, Mention: 1 });

    const second = await runProcess('src/cli/import.ts', [file, '--format', 'wxr'], { DATABASE_URL: `file:${db}` });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^comments\s+7 in the file, 0 new$/m);
    expect(counts(db)).toEqual(after);
  });

  it('writes nothing on --dry-run and prints what an import would do', async () => {
    const db = freshDatabase();
    const run = await runProcess('src/cli/import.ts', [orchardPath, '--dry-run', '--include-spam'], { DATABASE_URL: `file:${db}` });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^dry run: nothing was written/m);
    expect(run.stdout).toMatch(/^comments\s+9 in the file, 9 new$/m);
    expect(run.stdout).toMatch(/^ {2}by status\s+6 published, 1 pending \(hidden\), 2 spam \(hidden\), 0 deleted/m);
    expect(counts(db)).toMatchObject({ Article: 0, Comment: 0, Author: 0 });
  });

  it('refuses a malformed export naming its line and column, and writes nothing', async () => {
    const db = freshDatabase();
    const broken = writeTemp(readFileSync(disqusPath, 'utf8').replace('<post dsq:id="7006">', '<post dsq:id=7006>'));
    const { code, stderr } = await runProcess('src/cli/import.ts', [broken], { DATABASE_URL: `file:${db}` });
    expect(code).toBe(1);
    expect(stderr).toMatch(/import failed: line 97, column \d+: the file is not well-formed XML: .+\nnothing was written/);
    expect(stderr).not.toMatch(/\.ts:\d+/);
    expect(counts(db)).toMatchObject({ Article: 0, Comment: 0, Author: 0 });
  });

  it('refuses an unknown format', async () => {
    const { code, stderr } = await runProcess('src/cli/import.ts', [demoThreadPath, '--format', 'csv'], {
      DATABASE_URL: `file:${freshDatabase()}`,
    });
    expect(code).toBe(2);
    expect(stderr).toContain('unknown --format "csv"');
  });
});

describe('npm run authors', () => {
  it('lists imported identities, links one to a site handle and unlinks it, each with a clear line', async () => {
    const db = freshDatabase();
    const env = { DATABASE_URL: `file:${db}` };
    expect((await runProcess('src/cli/import.ts', [demoThreadPath], env)).code).toBe(0);

    const listed = await runProcess('src/cli/authors.ts', ['list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^text:dana-k\tnot linked\tDana K\t\d+ comments$/m);

    const linked = await runProcess('src/cli/authors.ts', ['link', 'text:dana-k', 'dana-k'], env);
    expect(linked).toMatchObject({ code: 0 });
    expect(linked.stdout).toMatch(/^text:dana-k is now dana-k: \d+ comments kept, under the new handle$/m);
    expect((await runProcess('src/cli/authors.ts', ['list'], env)).stdout).toMatch(/^text:dana-k\tlinked to dana-k\t/m);
    const sqlite = new Database(db, { readonly: true });
    expect(sqlite.prepare(`SELECT handle FROM Author WHERE handle LIKE '%dana-k'`).all()).toEqual([{ handle: 'dana-k' }]);
    sqlite.close();

    const unlinked = await runProcess('src/cli/authors.ts', ['unlink', 'dana-k', 'text:dana-k'], env);
    expect(unlinked.code).toBe(0);
    expect(unlinked.stdout).toContain('dana-k is now import:text:dana-k');
  });

  it.each([
    [['link', 'text:nobody', 'nobody'], 1, /No import identity "text:nobody"/],
    [['link', 'text:dana-k'], 2, /usage: npm run authors -- list \| link <identity> <handle> \| unlink <handle> <identity>/],
    [['rename'], 2, /usage:/],
  ])('refuses %j with a message and its exit code', async (args, exitCode, message) => {
    const db = freshDatabase();
    expect((await runProcess('src/cli/import.ts', [demoThreadPath], { DATABASE_URL: `file:${db}` })).code).toBe(0);
    const { code, stderr } = await runProcess('src/cli/authors.ts', args, { DATABASE_URL: `file:${db}` });
    expect(code).toBe(exitCode);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\.ts:\d+/);
  });
});

function writeTemp(text: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'threadline-file-')), 'thread.txt');
  writeFileSync(file, text);
  return file;
}
