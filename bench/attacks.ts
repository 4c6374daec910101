/**
 * The attacks of issue 9, tried as an attacker would: against `npm start` in production mode,
 * as a real process on a SQLite file with the demo thread and threads built to make them large.
 * Prints what each gets now: HTTP status, error code (or answer), bytes and milliseconds.
 *
 *   npm run bench:attacks
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const root = fileURLToPath(new URL('..', import.meta.url));
const dbFile = join(mkdtempSync(join(tmpdir(), 'threadline-attacks-')), 'threadline.db');
const databaseUrl = `file:${dbFile}`;
const secret = 'attack-probe-secret-0123456789abcdef0123456789';

const { applyMigrations } = await import('../prisma/migrate.js');
await applyMigrations(databaseUrl);
const { databaseSettings } = await import('../src/config.js');
const { openDatabase } = await import('../src/db.js');
const database = await openDatabase(databaseSettings({ DATABASE_URL: databaseUrl }));
const { seedDemoIfEmpty } = await import('../src/seed.js');
await seedDemoIfEmpty(database);
const { insertQuotedByFan, insertRevisionFan } = await import('../tests/fixtures/hostile.js');
const { secretFrom, signToken } = await import('../src/auth.js');
process.stderr.write('building the hostile threads…\n');
// 100 comments, each quoted by 90 comments of 5,000 characters; a comment edited 500 times.
await insertQuotedByFan(database, 'fan', { sources: 100, quotersPerSource: 90, bodyLength: 5000 });
// 100 comments quoted by 400 short comments each: nested quotedBy(first: 100) pages are all full.
await insertQuotedByFan(database, 'wide', { sources: 100, quotersPerSource: 400, bodyLength: 40 });
const revised = await insertRevisionFan(database, 'revised', { count: 500, bodyLength: 5000 });
const revisedId = Buffer.from(`Comment:${revised}`).toString('base64');
const demo = await database.reader.article.findFirstOrThrow({ where: { slug: 'why-the-alder-hollow-library-started-lending-bike-tools' } });
const demoId = Buffer.from(`Article:${demo.id}`).toString('base64');
const danaComment = await database.reader.comment.findFirstOrThrow({ where: { articleId: demo.id, number: 1 } });
const danaCommentId = Buffer.from(`Comment:${danaComment.id}`).toString('base64');
await database.close();

const token = (handle: string, name: string, role = 'AUTHOR', expiresIn: string | number = '1h') =>
  signToken({ handle, name, role: role as 'AUTHOR' }, secretFrom(secret), expiresIn);

// The server, as `npm start` runs it in production.
const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
  cwd: root,
  env: {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    THREADLINE_JWT_SECRET: secret,
    LOG_LEVEL: 'info',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let stderr = '';
server.stderr!.on('data', (chunk) => {
  stderr += chunk;
});
const logLines: string[] = [];
const url = await new Promise<string>((resolve, reject) => {
  createInterface({ input: server.stdout! }).on('line', (line) => {
    logLines.push(line);
    const entry = JSON.parse(line) as { msg?: string; url?: string };
    if (entry.msg === 'Threadline is listening') resolve(entry.url!);
  });
  server.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${stderr}`)));
});
const wsUrl = url.replace('http:', 'ws:');

interface Answer {
  status: number;
  text: string;
  ms: number;
  headers: Record<string, string | string[] | undefined>;
}

function http(
  body: string | null,
  { method = 'POST', headers = {}, path = '' }: { method?: string; headers?: Record<string, string>; path?: string } = {},
) {
  const started = performance.now();
  return new Promise<Answer>((resolve, reject) => {
    const request = httpRequest(
      url + path,
      { method, agent: false, headers: { 'content-type': 'application/json', ...headers } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text, ms: performance.now() - started, headers: response.headers }),
        );
      },
    );
    request.on('error', reject);
    request.end(body ?? undefined);
  });
}

const gql = (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  http(JSON.stringify({ query, variables }), { headers });

/** What an answer says, in a few words: its error code, or what its data holds. */
function verdict(answer: Answer): string {
  try {
    const body = JSON.parse(answer.text) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    if (body.errors?.length) return [...new Set(body.errors.map((error) => error.extensions?.code ?? 'error'))].join(', ');
    return `data: ${JSON.stringify(body.data).slice(0, 70)}`;
  } catch {
    return answer.text.slice(0, 60);
  }
}

const rows: string[][] = [];
const record = (attack: string, answer: Answer, note = verdict(answer)) => {
  rows.push([attack, String(answer.status), note, answer.text.length.toLocaleString('en-US'), answer.ms.toFixed(0)]);
};

const fan = (alias: string, slug: string, selection = 'body') =>
  `${alias}: article(slug: "${slug}") { comments(first: 100) { edges { node { quotedBy(first: 100) { edges { node { ${selection} } } } } } } }`;
const aliases = (count: number, make: (alias: string) => string) =>
  `{ ${Array.from({ length: count }, (_, i) => make(`a${i}`)).join(' ')} }`;

// Bounded responses.
record('quotedBy fan, 100 × 100 long bodies', await gql(aliases(1, (a) => fan(a, 'fan'))));
record('the same in 3 aliases', await gql(aliases(3, (a) => fan(a, 'fan'))));
record('the same in 10 aliases', await gql(aliases(10, (a) => fan(a, 'fan'))));
const revisions = (first: string) => (a: string) =>
  `${a}: node(id: "${revisedId}") { ... on Comment { revisions${first} { edges { node { body } } } } }`;
record('revisions × 15 aliases (default page of 20)', await gql(aliases(15, revisions(''))));
record('revisions(first: 100) × 15 aliases', await gql(aliases(15, revisions('(first: 100)'))));
record('nested quotedBy(first: 100), 40,000 quoters', await gql(aliases(1, (a) => fan(a, 'wide', 'number author { name }'))));

// Concurrency: the fan ten times at once, a small query beside it.
{
  const attacks = Promise.all(Array.from({ length: 10 }, () => gql(aliases(1, (a) => fan(a, 'fan')))));
  const smalls: number[] = [];
  let attacking = true;
  void attacks.finally(() => {
    attacking = false;
  });
  while (attacking) smalls.push((await gql('{ articles(first: 1) { totalCount } }')).ms);
  const done = await attacks;
  rows.push([
    '10 fans at once, small queries beside them',
    String(done[0]!.status),
    `${smalls.length} small answers meanwhile, slowest ${Math.max(...smalls).toFixed(0)} ms`,
    '',
    Math.max(...done.map((answer) => answer.ms)).toFixed(0),
  ]);
}

// Identities.
record(
  'token sub "dana-k" edits Dana K\'s imported comment',
  await gql(
    'mutation ($id: ID!) { editComment(input: { commentId: $id, body: "Taken over." }) { __typename } }',
    { id: danaCommentId },
    { authorization: `Bearer ${await token('dana-k', 'Dana K')}` },
  ),
);
record(
  'token sub "dana-k" deletes it',
  await gql(
    'mutation ($id: ID!) { deleteComment(input: { commentId: $id }) { __typename } }',
    { id: danaCommentId },
    { authorization: `Bearer ${await token('dana-k', 'Dana K')}` },
  ),
);
await gql(
  'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename } }',
  { input: { articleId: demoId, body: 'Hello.' } },
  {
    authorization: `Bearer ${await token('reader-1', 'Reader One')}`,
  },
);
const renamed = await http(null, {
  method: 'GET',
  path: `?query=${encodeURIComponent('{ viewer { name } }')}`,
  headers: { authorization: `Bearer ${await token('reader-1', 'Someone Else')}`, accept: 'application/json' },
});
const after = await gql('{ author(handle: "reader-1") { name } }');
record(
  'GET { viewer } with another name in the token',
  renamed,
  `${verdict(renamed)}; stored name: ${JSON.parse(after.text).data.author.name}`,
);

// Valid reads.
const source = Buffer.from(`Comment:${danaComment.id}`).toString('base64');
record('quotedBy { totalCount } only', await gql(`{ node(id: "${source}") { ... on Comment { quotedBy { totalCount } } } }`));
record('quotedBy { pageInfo } only', await gql(`{ node(id: "${source}") { ... on Comment { quotedBy { pageInfo { hasNextPage } } } } }`));
record('quotedBy { edges { cursor } } only', await gql(`{ node(id: "${source}") { ... on Comment { quotedBy { edges { cursor } } } } }`));

// Drafts.
const admin = { authorization: `Bearer ${await token('probe-admin', 'Admin', 'ADMIN')}` };
await gql('mutation { createArticle(input: { title: "Not yet", body: "Draft.", slug: "not-yet" }) { __typename } }', {}, admin);
record('anonymous article(slug:) of a draft', await gql('{ article(slug: "not-yet") { id } }'));
{
  const listed = await gql('{ articles(first: 100) { edges { node { slug } } } }');
  record('anonymous articles list, draft included?', listed, `draft listed: ${listed.text.includes('not-yet')}`);
}

// Text.
const author = async () => ({ authorization: `Bearer ${await token(`writer-${Math.floor(Math.random() * 1e9)}`, 'Writer')}` });
const write = async (body: string) =>
  gql(
    'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename ... on ValidationError { field } } }',
    { input: { articleId: demoId, body } },
    await author(),
  );
record('body "\\uD800" (a lone surrogate)', await write('\uD800'));
record('body of 5,000 lone surrogates', await write('\uD800'.repeat(5000)));
record('body of only U+200B', await write('\u200B'));
record('body of only U+202E', await write('\u202E'));
for (const [what, name] of [
  ['NUL', 'Dana\u0000K'],
  ['HTML', '<b>Dana</b>'],
  ['a bidi override', 'Dana \u202Eevil'],
] as const) {
  record(`token name with ${what}`, await gql('{ viewer { name } }', {}, { authorization: `Bearer ${await token('named', name)}` }));
}

// Smaller ones.
for (const cursor of ['GPC:S:abc', 'GPC:N:NaN', 'GPC:D:2026-01-01T00:00:00.000Z', 'GPC:N:1.5']) {
  record(`forged cursor ${cursor}`, await gql(`{ articles(first: 1, after: "${Buffer.from(cursor).toString('base64')}") { totalCount } }`));
}
const typo = await gql('{ article(slug: "x") { comments(orderBy: NEWES) { totalCount } } }');
record('enum typo in production', typo, `${verdict(typo)}; "Did you mean": ${typo.text.includes('Did you mean')}`);
const fragment = await gql('{ node(id: "x") { slug } }');
record('interface field without a fragment', fragment, `${verdict(fragment)}; "Did you mean": ${fragment.text.includes('Did you mean')}`);
for (const spelled of ['1.0', '0x1', ' 1', '1e0']) {
  record(
    `articleId "Article:${spelled}" in postComment`,
    await gql(
      'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename ... on ValidationError { field } } }',
      { input: { articleId: Buffer.from(`Article:${spelled}`).toString('base64'), body: 'Which?' } },
      await author(),
    ),
  );
}
const span = { commentId: danaCommentId, start: 0, end: 10 };
record(
  'the same span quoted 10 times',
  await gql(
    'mutation ($input: PostCommentInput!) { postComment(input: $input) { __typename ... on ValidationError { field } } }',
    { input: { articleId: demoId, body: 'Again and again.', quotes: Array.from({ length: 10 }, () => span) } },
    await author(),
  ),
);
{
  const headers = await author();
  const posted = JSON.parse(
    (
      await gql(
        'mutation ($input: PostCommentInput!) { postComment(input: $input) { ... on PostCommentSuccess { comment { id } } } }',
        { input: { articleId: demoId, body: 'Before the lock.' } },
        headers,
      )
    ).text,
  ).data.postComment.comment.id as string;
  const moderator = { authorization: `Bearer ${await token('probe-moderator', 'Moderator', 'MODERATOR')}` };
  await gql(`mutation { lockArticle(input: { articleId: "${demoId}" }) { __typename } }`, {}, moderator);
  record(
    'edit in a locked thread',
    await gql(`mutation { editComment(input: { commentId: "${posted}", body: "After the lock." }) { __typename } }`, {}, headers),
  );
  await gql(`mutation { unlockArticle(input: { articleId: "${demoId}" }) { __typename } }`, {}, moderator);
}

// A subscription outliving its token.
{
  const started = performance.now();
  const code = await new Promise<number>((resolve) => {
    void token('short', 'Short', 'MODERATOR', Math.floor(Date.now() / 1000) + 2).then((short) => {
      const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${short}` } })));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string };
        if (message.type === 'connection_ack') {
          socket.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: `subscription { commentAdded(articleId: "${demoId}") { cursor } }` },
            }),
          );
        }
      });
      socket.on('close', (closeCode) => resolve(closeCode));
    });
  });
  rows.push(["graphql-ws subscription past its token's exp (2 s)", '', `closed ${code}`, '', (performance.now() - started).toFixed(0)]);
}

// An oversized WebSocket message.
{
  const before = stderr.length;
  const logsBefore = logLines.length;
  const started = performance.now();
  const code = await new Promise<number>((resolve) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(100 * 1024) } })));
    socket.on('close', (closeCode) => resolve(closeCode));
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const lines = logLines.slice(logsBefore).filter((line) => line.includes('size limit')).length;
  rows.push([
    '100 KB WebSocket message',
    '',
    `closed ${code}; ${lines} log line, ${stderr.length - before} bytes on stderr`,
    '',
    (performance.now() - started).toFixed(0),
  ]);
}

// Origins.
{
  const preflight = await http(null, {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
  });
  rows.push([
    'CORS preflight from any origin (no list set)',
    String(preflight.status),
    `allow-origin ${preflight.headers['access-control-allow-origin']}, credentials ${preflight.headers['access-control-allow-credentials'] ?? 'none'}, max-age ${preflight.headers['access-control-max-age']}`,
    '',
    preflight.ms.toFixed(0),
  ]);
}
{
  // 1,000 SSE streams from one address: the first 100 open, the rest are refused.
  const statuses = new Map<number, number>();
  const requests: ReturnType<typeof httpRequest>[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from(
      { length: 1000 },
      () =>
        new Promise<void>((resolve) => {
          const request = httpRequest(
            url,
            { method: 'POST', agent: false, headers: { 'content-type': 'application/json', accept: 'text/event-stream' } },
            (response) => {
              statuses.set(response.statusCode ?? 0, (statuses.get(response.statusCode ?? 0) ?? 0) + 1);
              resolve();
            },
          );
          request.on('error', () => resolve());
          request.end(JSON.stringify({ query: `subscription { commentAdded(articleId: "${demoId}") { cursor } }` }));
          requests.push(request);
        }),
    ),
  );
  for (const request of requests) request.destroy();
  rows.push([
    '1,000 SSE streams from one address',
    '',
    [...statuses].map(([status, count]) => `${count} × ${status}`).join(', '),
    '',
    (performance.now() - started).toFixed(0),
  ]);
}

server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));

const header = ['attack', 'status', 'answer', 'bytes', 'ms'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(`Node ${process.version}, npm start in production on a SQLite file, HTTP over loopback\n`);
console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
process.exit(0);
