// `npm run export`'s two formats. JSON holds everything: restored into an empty database, every
// article answers the API exactly as it did (whole threads compared, as an administrator, who
// sees drafts and hidden comments). WXR holds what WordPress can: our own WXR importer reads it
// back into the same threads.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execute, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWriteLimits } from '../../src/config.js';
import { type Database, openDatabase } from '../../src/db.js';
import { setArticleLocked } from '../../src/domain/articles.js';
import { deleteComment, editComment, postComment, setCommentHidden } from '../../src/domain/comments.js';
import { exportJson } from '../../src/exporters/json.js';
import { exportWxr } from '../../src/exporters/wxr.js';
import { parseDisqus } from '../../src/importers/disqus.js';
import { importJson } from '../../src/importers/json.js';
import { importExport, loadThread } from '../../src/importers/load.js';
import { ImportFormatError } from '../../src/importers/records.js';
import { parseTextThread } from '../../src/importers/text.js';
import { parseWxr } from '../../src/importers/wxr.js';
import { schema } from '../../src/schema/index.js';
import { emptyDatabase } from '../database.js';
import { db, readDemo, testPubSub, viewer } from '../helpers.js';
import { defaultModeration } from '../../src/context.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/exports/${name}`, import.meta.url)), 'utf8');

async function* pieces(text: string, size = 53): AsyncGenerator<string> {
  for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
}

async function exported(database: Database, format: 'json' | 'wxr', articleSlug?: string): Promise<string> {
  let text = '';
  const sink = async (chunk: string) => {
    text += chunk;
  };
  const options = articleSlug === undefined ? {} : { articleSlug };
  if (format === 'json') await exportJson(database, sink, options);
  else await exportWxr(database, sink, options);
  return text;
}

const admin = viewer('export-admin', 'ADMIN', 'Export Admin');

const threadQuery = parse(`
  query Thread($slug: String!) {
    article(slug: $slug) {
      slug title body publishedAt commentCount commentsLocked
      author { handle name bio }
      tags { slug name }
      thread(first: 500) {
        totalCount
        edges { node {
          number body bodyHtml createdAt editedAt isDeleted isHidden depth replyCount
          author { handle name bio }
          parent { number }
          quotes { quotedComment { number } text start end sourceChanged }
          quotedBy(first: 50) { totalCount edges { node { number } } }
          mentions { handle name }
          revisions(first: 50) { totalCount edges { node { body createdAt } } }
        } }
      }
    }
  }
`);

/** A whole thread as an administrator's client receives it. */
async function thread(database: Database, slug: string) {
  const result = await execute({
    schema,
    document: threadQuery,
    variableValues: { slug },
    contextValue: { db: database, viewer: admin, writeLimits: defaultWriteLimits, moderation: defaultModeration, pubsub: testPubSub },
  });
  expect(result.errors).toBeUndefined();
  return JSON.parse(JSON.stringify(result.data));
}

const slugs = async (database: Database) =>
  (await database.reader.article.findMany({ select: { slug: true }, orderBy: { id: 'asc' } })).map((a) => a.slug);

const opened: Database[] = [];
const fresh = async () => {
  const database = await openDatabase(await emptyDatabase());
  opened.push(database);
  return database;
};
afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
});

beforeAll(async () => {
  // Imports of every format, then what the API does to threads: a quote by offsets, an edit (a
  // revision), a deletion, a hidden comment, a locked article, a reply to an imported comment.
  await loadThread(db, parseTextThread(readDemo()));
  await importExport(db, parseWxr(pieces(fixture('orchard.wxr')), { includeSpam: true }));
  await importExport(db, parseDisqus(pieces(fixture('lighthouse.disqus.xml'))));
  const article = await db.reader.article.findFirstOrThrow({ where: { sourceKey: 'wxr:orchard.example:41' } });
  const source = await db.reader.comment.findFirstOrThrow({ where: { articleId: article.id, number: 1 } });
  const writer = viewer('mina-export', 'AUTHOR', 'Mina Export');
  const limits = { ...defaultWriteLimits, minIntervalSeconds: 0 };
  const posted = await postComment(db, writer, limits, {
    articleId: article.id,
    body: 'Tape, then wax: a reply posted here after the import.',
    replyToId: source.id,
    quotes: [{ commentId: source.id, start: 2, end: 20 }],
  });
  await editComment(db, writer, limits, { commentId: posted.commentId, body: 'Tape, then wax: edited once after posting.' });
  const second = await postComment(db, writer, limits, { articleId: article.id, body: 'A second thought, deleted later.' });
  await deleteComment(db, writer, { commentId: second.commentId });
  await setCommentHidden(db, admin, { commentId: source.id, hidden: true });
  await setArticleLocked(db, admin, article.id, true);
});

describe('the JSON export', () => {
  it('restores into an empty database with identical whole-thread API answers, and exports again byte for byte', async () => {
    const json = await exported(db, 'json');
    const restored = await fresh();
    const summary = await importJson(restored, pieces(json));
    expect(summary.comments.created).toBe(await db.reader.comment.count());
    expect(await slugs(restored)).toEqual(await slugs(db));
    for (const slug of await slugs(db)) expect(await thread(restored, slug)).toEqual(await thread(db, slug));
    const again = await exported(restored, 'json');
    const withoutTime = (text: string) => text.replace(/"exportedAt":"[^"]+"/, '');
    expect(withoutTime(again)).toEqual(withoutTime(json));
  });

  it('changes nothing when imported twice, and a dry run writes nothing', async () => {
    const json = await exported(db, 'json');
    const restored = await fresh();
    await importJson(restored, pieces(json));
    const before = await exported(restored, 'json');
    expect(await importJson(restored, pieces(json))).toMatchObject({ comments: { created: 0 }, articles: { created: 0 } });
    const withoutTime = (text: string) => text.replace(/"exportedAt":"[^"]+"/, '');
    expect(withoutTime(await exported(restored, 'json'))).toEqual(withoutTime(before));

    const untouched = await fresh();
    const dry = await importJson(untouched, pieces(json), { dryRun: true });
    expect(dry.comments.created).toBe(await db.reader.comment.count());
    expect(await untouched.reader.comment.count()).toBe(0);
    expect(await untouched.reader.author.count()).toBe(0);
  });

  it('exports one article with only the authors and tags it needs', async () => {
    const json = JSON.parse(await exported(db, 'json', 'lens-cleaning'));
    expect(json.articles.map((a: { slug: string }) => a.slug)).toEqual(['lens-cleaning']);
    expect(json.tags).toEqual([]);
    expect(json.authors).toHaveLength(3);
  });

  it.each([
    ['JSON that stops half-way', (json: string) => json.slice(0, Math.floor(json.length / 2)), /ends before its closing/],
    [
      'a comment without a body',
      (json: string) => json.replace('"body":"Tape, then wax: edited once after posting."', '"bodyx":1'),
      /^line \d+: article "whip-and-tongue", comment \d+: `body` must be a string/,
    ],
    [
      'a reply to a comment that is not there',
      (json: string) => json.replace(/"parent":1,/, '"parent":999,'),
      /replies to 999, which is not in the article/,
    ],
    ['another JSON file', () => '{"name":"threadline","version":"0.1.0","dependencies":[{"a":1}]}', /not a Threadline JSON export/],
  ])('refuses %s with its place, and writes nothing', async (_name, breakIt, message) => {
    const restored = await fresh();
    const error = await importJson(restored, pieces(breakIt(await exported(db, 'json')))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportFormatError);
    expect((error as Error).message).toMatch(message);
    expect(await restored.reader.comment.count()).toBe(0);
    expect(await restored.reader.author.count()).toBe(0);
  });
});

describe('the WXR export', () => {
  it('reads back through our WXR importer as the same threads: replies, dates, statuses, quotes pasted in the text', async () => {
    const wxr = await exported(db, 'wxr');
    expect(wxr).toContain('xmlns:wp="http://wordpress.org/export/1.2/"');
    const restored = await fresh();
    await importExport(restored, parseWxr(pieces(wxr), { includeSpam: true }));
    for (const slug of await slugs(db)) {
      const before = await thread(db, slug);
      const after = await thread(restored, slug);
      // WordPress dates are to the second.
      const second = (time: string | null) => time?.slice(0, 19) ?? null;
      expect(after.article).toMatchObject({ title: before.article.title, body: before.article.body });
      expect(second(after.article.publishedAt)).toBe(second(before.article.publishedAt));
      expect(after.article.tags).toEqual(before.article.tags);
      type Node = {
        number: number;
        body: string;
        createdAt: string;
        isDeleted: boolean;
        isHidden: boolean;
        parent: { number: number } | null;
        quotes: { quotedComment: { number: number }; text: string; start: number; end: number }[];
        author: { name: string };
      };
      const shape = (data: { article: { thread: { edges: { node: Node }[] } } }) =>
        data.article.thread.edges.map(({ node }) => ({
          number: node.number,
          body: node.isDeleted || node.isHidden ? null : node.body,
          createdAt: second(node.createdAt),
          hidden: node.isHidden || node.isDeleted,
          parent: node.parent?.number ?? null,
          author: node.author.name,
        }));
      expect(shape(after)).toEqual(shape(before));
      // Quotes whose words the quoting comment repeats (every imported quote) come back as the same spans.
      const pasted = (data: { article: { thread: { edges: { node: Node }[] } } }) =>
        data.article.thread.edges.flatMap(({ node }) =>
          node.quotes.filter((q) => node.body.includes(q.text)).map((q) => [node.number, q.quotedComment.number, q.start, q.end]),
        );
      expect(pasted(after)).toEqual(pasted(before));
    }
  });
});
