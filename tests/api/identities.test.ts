// Identities that cannot be taken over: imported authors live apart from the handles tokens name.
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { linkIdentity, unlinkIdentity } from '../../src/domain/authors.js';
import { loadThread } from '../../src/importers/load.js';
import { parseTextThread } from '../../src/importers/text.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { DeleteCommentDocument, EditCommentDocument, PostCommentDocument, ViewerDocument } from '../../schema/generated/graphql.js';
import { db, demoSlug, globalId, post, readDemo, rowCounts, testApp, testSecret, tokenFor, viewer } from '../helpers.js';

let app: App;
let demoId: string;

const bearer = async (handle: string, role: 'AUTHOR' | 'MODERATOR' = 'AUTHOR') => ({
  authorization: `Bearer ${await tokenFor(viewer(handle, role, handle))}`,
});

/** The id of the demo comment `number`, and its author's handle. */
async function demoComment(number: number) {
  const row = await db.reader.comment.findFirstOrThrow({
    where: { article: { slug: demoSlug }, number },
    select: { id: true, author: { select: { handle: true } } },
  });
  return { id: globalId('Comment', row.id), handle: row.author.handle };
}

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  demoId = globalId('Article', (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id);
  app = testApp();
});

describe('imported authors', () => {
  it('get handles in the import namespace, found again by their identity', async () => {
    const dana = await db.reader.author.findUniqueOrThrow({
      where: { handle: 'import:text:dana-k' },
      include: { importedIdentities: true },
    });
    expect(dana).toMatchObject({ name: 'Dana K', importedIdentities: [{ key: 'text:dana-k' }] });
    expect(await db.reader.author.findUnique({ where: { handle: 'dana-k' } })).toBeNull();
    // Importing the same file again finds every author by identity and writes nothing.
    const before = await rowCounts();
    const summary = await loadThread(db, parseTextThread(readDemo()));
    expect(summary).toMatchObject({ commentsCreated: 0, repliesLinked: 0, quotesLinked: 0 });
    expect(await rowCounts()).toEqual(before);
  });

  it('cannot be written as by a token naming their plain handle: it is someone else', async () => {
    const { id, handle } = await demoComment(1);
    expect(handle).toBe('import:text:dana-k');
    const before = await rowCounts();
    const edit = await post(app, EditCommentDocument, { input: { commentId: id, body: 'Taken over.' } }, await bearer('dana-k'));
    expect(edit.body.data?.editComment).toMatchObject({ __typename: 'ForbiddenError' });
    const remove = await post(app, DeleteCommentDocument, { input: { commentId: id } }, await bearer('dana-k'));
    expect(remove.body.data?.deleteComment).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await rowCounts()).toEqual(before);
    expect((await db.reader.comment.findFirstOrThrow({ where: { article: { slug: demoSlug }, number: 1 } })).deletedAt).toBeNull();
  });

  it('cannot be named by a token at all: a handle with ":" is refused with 401', async () => {
    const token = await new SignJWT({ name: 'Dana', role: 'AUTHOR' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('import:text:dana-k')
      .setExpirationTime('1h')
      .sign(testSecret);
    const { status, body } = await post(app, ViewerDocument, {}, { authorization: `Bearer ${token}` });
    expect(status).toBe(401);
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringContaining('"sub"') });
  });
});

describe('linking an imported identity to a site handle', () => {
  it('lets the person who signs in with that handle delete what they wrote, not rewrite the archive', async () => {
    const result = await db.writeTransaction((tx) => linkIdentity(tx, 'text:priya-n', 'priya'));
    expect(result).toMatchObject({ identity: 'text:priya-n', handle: 'priya', merged: false, comments: 4 });
    const { id, handle } = await demoComment(4);
    expect(handle).toBe('priya');

    // Imported comments keep the import's date: the edit window would be open, but the archive's words stay.
    const edit = await post(app, EditCommentDocument, { input: { commentId: id, body: 'Rewritten.' } }, await bearer('priya'));
    expect(edit.body.data?.editComment).toMatchObject({ __typename: 'ForbiddenError', message: expect.stringContaining('imported') });
    const remove = await post(app, DeleteCommentDocument, { input: { commentId: id } }, await bearer('priya'));
    expect(remove.body.data?.deleteComment).toMatchObject({ __typename: 'DeleteCommentSuccess', comment: { isDeleted: true } });
    // Imported comments do not count against the posting rate: the first new comment goes through.
    const posted = await post(
      app,
      PostCommentDocument,
      { input: { articleId: demoId, body: 'Hello again, as myself.' } },
      await bearer('priya'),
    );
    expect(posted.body.data?.postComment).toMatchObject({ __typename: 'PostCommentSuccess', comment: { author: { handle: 'priya' } } });

    // The import finds the linked author by identity: nothing new, no error.
    const before = await rowCounts();
    expect(await loadThread(db, parseTextThread(readDemo()))).toMatchObject({ commentsCreated: 0 });
    expect(await rowCounts()).toEqual(before);
  });

  it('merges into a site author who has written already, moving comments and mentions', async () => {
    const posted = await post(
      app,
      PostCommentDocument,
      { input: { articleId: demoId, body: 'Site account first.' } },
      await bearer('wendell'),
    );
    expect(posted.body.data?.postComment.__typename).toBe('PostCommentSuccess');
    const imported = await db.reader.author.findUniqueOrThrow({ where: { handle: 'import:text:wendell-ashby' }, select: { id: true } });
    const importedComments = await db.reader.comment.count({ where: { authorId: imported.id } });
    const mentions = await db.reader.mention.count({ where: { authorId: imported.id } });

    const result = await db.writeTransaction((tx) => linkIdentity(tx, 'text:wendell-ashby', 'wendell'));
    expect(result).toMatchObject({ merged: true, comments: importedComments });
    const site = await db.reader.author.findUniqueOrThrow({
      where: { handle: 'wendell' },
      include: { importedIdentities: true, _count: { select: { comments: true, mentions: true } } },
    });
    expect(site.importedIdentities.map((identity) => identity.key)).toEqual(['text:wendell-ashby']);
    expect(site._count).toEqual({ comments: importedComments + 1, mentions });
    expect(await db.reader.author.findUnique({ where: { id: imported.id } })).toBeNull();
    expect(await loadThread(db, parseTextThread(readDemo()))).toMatchObject({ commentsCreated: 0 });
  });

  it('refuses what cannot be linked, with a reason', async () => {
    await expect(db.writeTransaction((tx) => linkIdentity(tx, 'text:nobody-here', 'nobody'))).rejects.toThrow(
      'No import identity "text:nobody-here"',
    );
    await expect(db.writeTransaction((tx) => linkIdentity(tx, 'text:lin-zhao', 'Not A Handle'))).rejects.toThrow('is not a site handle');
    await expect(db.writeTransaction((tx) => linkIdentity(tx, 'text:priya-n', 'priya'))).rejects.toThrow('linked to "priya" already');
    await expect(db.writeTransaction((tx) => linkIdentity(tx, 'text:priya-n', 'someone-else'))).rejects.toThrow('unlink it first');
  });

  it('can be undone: unlinking puts the author back out of reach of tokens', async () => {
    await db.writeTransaction((tx) => linkIdentity(tx, 'text:lin-zhao', 'lin'));
    const { id } = await demoComment(5);
    const back = await db.writeTransaction((tx) => unlinkIdentity(tx, 'lin', 'text:lin-zhao'));
    expect(back.comments).toBeGreaterThan(0);
    expect((await demoComment(5)).handle).toBe('import:text:lin-zhao');
    const remove = await post(app, DeleteCommentDocument, { input: { commentId: id } }, await bearer('lin'));
    expect(remove.body.data?.deleteComment).toMatchObject({ __typename: 'ForbiddenError' });
  });
});

describe('a token’s name', () => {
  const named = (name: unknown) =>
    new SignJWT({ name, role: 'AUTHOR' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('named-reader')
      .setExpirationTime('1h')
      .sign(testSecret);

  it.each([
    ['the NUL character', 'Dana\u0000K', /NUL/],
    ['a control character', 'Dana\u0007K', /control character U\+0007/],
    ['a right-to-left override', 'Dana \u202Eevil', /bidirectional control U\+202E/],
    ['an isolate', 'Dana \u2066K', /bidirectional control U\+2066/],
    ['a lone surrogate', 'Dana \uD800', /unpaired UTF-16 surrogate/],
    ['markup', '<b>Dana</b>', /"<" or ">"/],
    ['nothing visible', '\u200B\u200B', /no visible character/],
    ['a line break', 'Dana\nK', /one line/],
    ['101 characters', 'd'.repeat(101), /101 characters long; the limit is 100/],
    ['an empty string', '   ', /1 to 100 characters/],
    ['a number', 42, /1 to 100 characters/],
  ])('refuses %s with 401 and says why, writing nothing', async (_what, name, message) => {
    const before = await rowCounts();
    const token = await named(name);
    const headers = { authorization: `Bearer ${token}` };
    for (const { status, body } of [
      await post(app, ViewerDocument, {}, headers),
      await post(app, PostCommentDocument, { input: { articleId: demoId, body: 'Hello.' } }, headers),
    ]) {
      expect(status).toBe(401);
      expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringMatching(message) });
    }
    expect(await rowCounts()).toEqual(before);
  });

  it('takes a name in any script, with accents, emoji and marks', async () => {
    for (const name of ['Zoë Ñúñez', '王小明', 'محمد‎ علي', 'Dana 🚲']) {
      const { status } = await post(app, ViewerDocument, {}, { authorization: `Bearer ${await named(name)}` });
      expect(status).toBe(200);
    }
  });
});
