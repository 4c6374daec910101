// Each app reads and writes the database it was built with: several in one process stay apart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleCommentsDocument, PostCommentDocument, ReadCommentDocument, ViewerDocument } from '../../schema/generated/graphql.js';
import type { App } from '../../src/app.js';
import { type Database, openDatabase } from '../../src/db.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { migratedSqlite } from '../database.js';
import { demoSlug, globalId, post, testApp, tokenFor, viewer } from '../helpers.js';

let first: { db: Database; app: App };
let second: { db: Database; app: App };

beforeAll(async () => {
  const open = async () => {
    const db = await openDatabase(await migratedSqlite());
    // The same demo thread in both: the same article, comment numbers and ids on either side.
    await seedDemoIfEmpty(db);
    return { db, app: testApp({ database: db }) };
  };
  [first, second] = await Promise.all([open(), open()]);
});

afterAll(async () => {
  await Promise.all([first.app.stop(), second.app.stop()]);
  await Promise.all([first.db.close(), second.db.close()]);
});

const commentsOf = async (app: App) => {
  const { body } = await post(app, ArticleCommentsDocument, { slug: demoSlug, last: 1 });
  return body.data!.article!;
};

describe('two apps on two SQLite files in one process', () => {
  it('keep apart: a comment posted through one is not visible through the other', async () => {
    const before = await commentsOf(second.app);
    expect(await commentsOf(first.app)).toEqual(before);
    const token = await tokenFor(viewer('two-databases'));
    const articleId = globalId('Article', (await first.db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id);

    const { body } = await post(
      first.app,
      PostCommentDocument,
      { input: { articleId, body: 'Posted on the first database only.' } },
      { authorization: `Bearer ${token}` },
    );
    const payload = body.data?.postComment;
    if (payload?.__typename !== 'PostCommentSuccess') throw new Error(JSON.stringify(body));
    const commentId = payload.comment.id;

    const onFirst = await commentsOf(first.app);
    expect(onFirst.commentCount).toBe(before.commentCount + 1);
    expect(onFirst.comments.edges.map((edge) => edge.node.id)).toEqual([commentId]);
    expect(await commentsOf(second.app)).toEqual(before);

    expect((await post(first.app, ReadCommentDocument, { id: commentId })).body.data?.node).toMatchObject({ id: commentId });
    expect((await post(second.app, ReadCommentDocument, { id: commentId })).body.data).toEqual({ node: null });
    // The author's row came with the write, on the first database only.
    const headers = { authorization: `Bearer ${token}` };
    expect((await post(first.app, ViewerDocument, {}, headers)).body.data?.viewer).toMatchObject({ handle: 'two-databases' });
    expect((await post(second.app, ViewerDocument, {}, headers)).body.data).toEqual({ viewer: null });
    expect(await second.db.reader.comment.count({ where: { body: 'Posted on the first database only.' } })).toBe(0);
  });
});
