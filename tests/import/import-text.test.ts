// The text importer, on the project's own threads: the demo thread `npm start` seeds and the
// ferry thread of tests/fixtures. The workspace's example export has its own file (example.test.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultWriteLimits } from '../../src/config.js';
import { postComment } from '../../src/domain/comments.js';
import { loadThread } from '../../src/importers/load.js';
import { ImportFormatError, type ThreadRecord } from '../../src/importers/records.js';
import { parseTextThread } from '../../src/importers/text.js';
import { ferrySlug, generatedThread, readFerryThread } from '../fixtures/threads.js';
import { db, demoSlug, readDemo, rowCounts, storedComments } from '../helpers.js';

const demo = parseTextThread(readDemo());
const ferry = parseTextThread(readFerryThread());
const comment = (thread: ThreadRecord, number: number) => {
  const found = thread.comments.find((c) => c.number === number);
  if (!found) throw new Error(`no comment ${number}`);
  return found;
};
const bodyOf = (number: number, thread = demo) => comment(thread, number).body;
const depthOf = (number: number, thread = demo): number => {
  const parent = comment(thread, number).parentNumber;
  return parent == null ? 0 : depthOf(parent, thread) + 1;
};
const importDemo = () => loadThread(db, parseTextThread(readDemo()));

describe('parsing the demo thread', () => {
  it('reads the article, its tags and its author', () => {
    expect(demo.article.title).toBe('Why the Alder Hollow Library Started Lending Bike Tools');
    expect(demo.article.slug).toBe(demoSlug);
    expect(demo.article.tags).toEqual([
      { slug: 'bicycles', name: 'Bicycles' },
      { slug: 'libraries', name: 'Libraries' },
      { slug: 'volunteering', name: 'Volunteering' },
      { slug: 'neighborhood-life', name: 'Neighborhood Life' },
    ]);
    expect(demo.article.author).toMatchObject({ handle: 'isolde-brannigan', name: 'Isolde Brannigan' });
    expect(demo.article.author.bio).toMatch(/^Isolde Brannigan has written for The Alder Hollow Porch since/);
    expect(demo.article.body.startsWith('When the Alder Hollow branch library cleared out the old microfiche cabinet')).toBe(true);
    expect(demo.article.body.endsWith('this is your sign.')).toBe(true);
    expect(demo.article.body.split('\n\n')).toHaveLength(6);
  });

  it('reads 34 numbered comments with their authors and paragraphs', () => {
    expect(demo.comments.map((c) => c.number)).toEqual(Array.from({ length: 34 }, (_, i) => i + 1));
    expect(comment(demo, 7).author.name).toBe('Ruth Okonjo-Hale');
    expect(comment(demo, 6).author).toMatchObject({ name: 'Tomás Reyes', handle: 'tomas-reyes' });
    expect(comment(demo, 3).author.handle).toBe('old-spokes');
    expect(bodyOf(24)).toBe(
      '@mossbackmike: That light is probably sitting in a drawer at the bakery. They keep a lost-and-found box behind the counter, mostly mittens. Worth asking.',
    );
    expect(bodyOf(1).split('\n\n')).toHaveLength(2);
    // A line break inside a paragraph stays a line break.
    expect(bodyOf(31).split('\n\n')[1]).toBe('Final score:\none happy cargo bike, two happy kids, zero yoga mats needed.');
  });

  it('links a leading @Name: to that person’s latest earlier comment and keeps further names as mentions', () => {
    expect(comment(demo, 3)).toMatchObject({ parentNumber: 1, mentions: [] });
    // Dana K wrote 1 and 9; Priya N wrote 4, 11, 15 and 21: the latest earlier one is the parent.
    expect(comment(demo, 12).parentNumber).toBe(9);
    expect(comment(demo, 26)).toMatchObject({ parentNumber: 21, mentions: ['tomas-reyes'] });
    expect(comment(demo, 11)).toMatchObject({ parentNumber: 7, mentions: ['wendell-ashby'] });
    expect(comment(demo, 30)).toMatchObject({ parentNumber: 26, mentions: ['harold-p'] });
    expect(comment(demo, 25).parentNumber).toBe(22);
    expect(comment(demo, 22)).toMatchObject({ parentNumber: null, mentions: ['dana-k', 'bea-from-marlow-st'] });
    expect(comment(demo, 34).parentNumber).toBeNull();
    expect(comment(ferry, 7)).toMatchObject({ parentNumber: 4, mentions: ['ines'] });
  });

  it('takes the longest commenter name that matches: @Ines Varga: is not @Ines', () => {
    expect(comment(ferry, 5)).toMatchObject({ parentNumber: 3, mentions: [], unresolvedMentions: [] });
    expect(comment(ferry, 3).author.name).toBe('Ines Varga');
    expect(comment(ferry, 6).parentNumber).toBe(5);
    expect(comment(ferry, 5).author.name).toBe('Ines');
  });

  it('leaves @names that match no commenter as plain text, reported as unresolved', () => {
    expect(comment(demo, 7)).toMatchObject({ parentNumber: null, mentions: [], unresolvedMentions: ['Gerald'] });
    expect(comment(ferry, 8)).toMatchObject({ mentions: [], unresolvedMentions: ['Somebody'] });
    // An @ inside a word (an e-mail address) is no mention at all; an inline @Name without a colon is.
    expect(bodyOf(6, ferry)).toContain('timetables@skerrowharbour.example');
    expect(comment(ferry, 6)).toMatchObject({ mentions: ['tobias-lunde'], unresolvedMentions: [] });
  });

  it('finds quotes as exact spans of the earlier comment', () => {
    const [q5] = comment(demo, 5).quotes;
    expect(q5).toEqual({
      quotedNumber: 2,
      text: 'every bolt on it was a slightly different size for no reason at all',
      start: 132,
      end: 199,
      bodyStart: 0,
      bodyEnd: 67,
    });
    expect(bodyOf(2).slice(q5!.start, q5!.end)).toBe(q5!.text);
    expect(bodyOf(5).slice(q5!.bodyStart!, q5!.bodyEnd!)).toBe(q5!.text);

    const [q9] = comment(demo, 9).quotes;
    expect(q9).toEqual({
      quotedNumber: 6,
      text: 'he’s been skidding on purpose ever since, which I consider a mixed result',
      start: 278,
      end: 351,
      bodyStart: 15,
      bodyEnd: 90,
    });
    expect(bodyOf(6).slice(q9!.start, q9!.end)).toBe(q9!.text);
    // The typographic quote marks Dana added stay in 9's body, around the pasted span.
    expect(bodyOf(9).slice(q9!.bodyStart!, q9!.bodyEnd!)).toBe(`“${q9!.text}”`);

    const [q8] = comment(ferry, 8).quotes;
    expect(q8).toMatchObject({ quotedNumber: 2, start: 54, end: 122, bodyStart: 0, bodyEnd: 70 });
    expect(bodyOf(2, ferry).slice(q8!.start, q8!.end)).toBe(q8!.text);
    expect(bodyOf(8, ferry).slice(q8!.bodyStart!, q8!.bodyEnd!)).toBe(`"${q8!.text}"`);
  });

  it('takes a quote after a leading @Name: as both the reply and the quote (6 → 3)', () => {
    const c6 = comment(demo, 6);
    expect(c6.parentNumber).toBe(3);
    expect(c6.quotes).toHaveLength(1);
    expect(c6.quotes[0]).toMatchObject({ quotedNumber: 3, start: 88, end: 172, bodyStart: 14, bodyEnd: 98 });
    expect(bodyOf(3).slice(c6.quotes[0]!.start, c6.quotes[0]!.end)).toBe(
      'Most of the time the grabbing is just old grease that has gone gummy inside the hub.',
    );
  });

  it('quotes the replied-to comment when it holds the passage, otherwise the earliest comment that does', () => {
    // 33 replies to 32 but pastes a passage of 31.
    expect(comment(demo, 33)).toMatchObject({ parentNumber: 32 });
    expect(comment(demo, 33).quotes).toEqual([expect.objectContaining({ quotedNumber: 31, start: 110, end: 175 })]);
    // Ferry 2's sentence is pasted again in 4 and 8 (their quotes of 2), and again in 10 and 11.
    expect([4, 8, 10].map((n) => comment(ferry, n).quotes.map((q) => q.quotedNumber))).toEqual([[2], [2], [2]]);
    expect(comment(ferry, 10).parentNumber).toBe(9);
    // 11 replies to 8, whose copy sits inside quote marks: the quote is of 8, the span inside them.
    expect(comment(ferry, 11)).toMatchObject({ parentNumber: 8 });
    expect(comment(ferry, 11).quotes).toEqual([
      expect.objectContaining({ quotedNumber: 8, start: 1, end: 69, bodyStart: 13, bodyEnd: 81 }),
    ]);
  });

  it('makes a comment with no @Name: that quotes others a reply to the first comment it quotes', () => {
    const c13 = comment(demo, 13);
    expect(c13.quotes.map((q) => q.quotedNumber)).toEqual([3, 10]);
    expect(c13.parentNumber).toBe(3);
    expect(c13.quotes[1]).toMatchObject({ start: 230, end: 311, bodyStart: 224, bodyEnd: 305 });
    expect(comment(demo, 5)).toMatchObject({ parentNumber: 2 });
    expect(comment(ferry, 8)).toMatchObject({ parentNumber: 2 });
  });

  it('links nothing for text quoted from outside the thread', () => {
    // 10 pastes a notice of the transit authority, in quote marks.
    expect(bodyOf(10).split('\n\n')[1]).toMatch(/^"Reminder: every bus .* before you unload\."$/);
    expect(comment(demo, 10)).toMatchObject({ parentNumber: null, quotes: [] });
    expect(demo.comments.reduce((sum, c) => sum + c.quotes.length, 0)).toBe(14);
  });

  it('nests as deep as the replies go (1 → 3 → 13 → 17 → 20 → 24 → 27 → 29)', () => {
    expect([3, 13, 17, 20, 24, 27, 29].map((n) => comment(demo, n).parentNumber)).toEqual([1, 3, 13, 17, 20, 24, 27]);
    expect(depthOf(29)).toBe(7);
  });
});

describe('files that are not in the format', () => {
  const source = readDemo();
  const lines = source.split('\n');
  const lineOf = (prefix: string) => lines.findIndex((line) => line.startsWith(prefix)) + 1;
  const header19 = lineOf('  19. Wendell Ashby says:');
  const cases: [string, string, RegExp][] = [
    ['an empty file', '', /the file is empty/],
    ['a blank file', '\n  \n\n', /the file is empty/],
    ['a file cut in the article body', lines.slice(0, 12).join('\n'), /^line 12: expected a line "FILED UNDER/],
    ['a file cut after a comment header', lines.slice(0, header19).join('\n'), new RegExp(`^line ${header19}: comment 19 has no text`)],
    [
      'a file cut inside a comment header',
      `${lines.slice(0, header19 - 1).join('\n')}\n  19. Wend`,
      new RegExp(`^line ${header19}: expected an indented line of comment 18`),
    ],
    [
      'a comment out of order',
      source.replace('  3. old_spokes says:', '  4. old_spokes says:'),
      new RegExp(`^line ${lineOf('  3. old_spokes says:')}: expected comment 3 here, found comment 4`),
    ],
    [
      'a missing About line',
      source.replace('About Isolde Brannigan', 'Isolde Brannigan again'),
      new RegExp(`^line ${lineOf('About Isolde Brannigan')}: expected "About Isolde Brannigan"`),
    ],
  ];
  it.each(cases)('%s fails with a message naming the line', (_name, text, message) => {
    expect(() => parseTextThread(text)).toThrow(ImportFormatError);
    expect(() => parseTextThread(text)).toThrow(message);
  });
});

describe('loading into the database', () => {
  beforeAll(async () => {
    await importDemo();
  });

  it('stores replies, depth, quotes with their spans, and mentions', async () => {
    const article = await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug }, include: { tags: true } });
    expect(article.tags).toHaveLength(4);
    expect(article.lastCommentNumber).toBe(34);
    const rows = await storedComments(article.id);
    expect(rows).toHaveLength(34);
    const byNumber = new Map(rows.map((row) => [row.number, row]));
    expect(byNumber.get(11)!.parent!.number).toBe(7);
    expect(byNumber.get(11)!.mentions.map((m) => m.author.name)).toEqual(['Wendell Ashby']);
    expect(byNumber.get(29)!.depth).toBe(7);
    expect(byNumber.get(29)!.path).toBe('00000001/00000003/00000013/00000017/00000020/00000024/00000027/00000029/');
    const quotes = byNumber.get(13)!.quotes;
    expect(quotes.map((q) => q.quotedComment.number)).toEqual([3, 10]);
    for (const quote of quotes) {
      expect(quote.quotedComment.body.slice(quote.start, quote.end)).toBe(quote.text);
      expect(byNumber.get(13)!.body.slice(quote.bodyStart!, quote.bodyEnd!)).toBe(quote.text);
    }
  });

  it('changes nothing when the same file is imported again', async () => {
    const before = await rowCounts();
    const ids = await db.reader.comment.findMany({
      select: { id: true, number: true, parentId: true, path: true },
      orderBy: { id: 'asc' },
    });
    const summary = await importDemo();
    expect(summary).toMatchObject({ articleCreated: false, comments: 34, commentsCreated: 0 });
    expect(await rowCounts()).toEqual(before);
    expect(
      await db.reader.comment.findMany({ select: { id: true, number: true, parentId: true, path: true }, orderBy: { id: 'asc' } }),
    ).toEqual(ids);
  });

  it('adds only the new comments of a longer export of the same thread', async () => {
    const source = readFerryThread();
    const first = await loadThread(db, parseTextThread(source.slice(0, source.indexOf('  9. Marguerite Oduya says:'))));
    expect(first).toMatchObject({ articleCreated: true, comments: 8, commentsCreated: 8 });
    const before = await rowCounts();
    const kept = await db.reader.comment.findMany({
      where: { article: { slug: ferrySlug } },
      select: { id: true, number: true, parentId: true, path: true, body: true },
      orderBy: { number: 'asc' },
    });

    const summary = await loadThread(db, parseTextThread(source));
    expect(summary).toMatchObject({ articleCreated: false, comments: 11, commentsCreated: 3 });
    expect(await rowCounts()).toEqual({ ...before, comments: before.comments + 3, quotes: before.quotes + 3 });
    const rows = await db.reader.comment.findMany({
      where: { article: { slug: ferrySlug } },
      select: { id: true, number: true, parentId: true, path: true, body: true },
      orderBy: { number: 'asc' },
    });
    expect(rows.slice(0, 8)).toEqual(kept);
    // The new comments hang under, and quote, the rows that were already there.
    const id = (number: number) => rows[number - 1]!.id;
    expect(rows.slice(8).map((r) => r.parentId)).toEqual([id(7), id(9), id(8)]);
    const quotes = await db.reader.quote.findMany({
      where: { commentId: { in: rows.slice(8).map((r) => r.id) } },
      orderBy: { comment: { number: 'asc' } },
    });
    expect(quotes.map((q) => q.quotedCommentId)).toEqual([id(7), id(2), id(8)]);
    expect((await db.reader.article.findUniqueOrThrow({ where: { slug: ferrySlug } })).lastCommentNumber).toBe(11);
  });

  it('writes nothing when the load fails part-way (one transaction)', async () => {
    const before = await rowCounts();
    // A quote of a comment that is not in the thread fails on insert, after the article and
    // several comments were written inside the transaction.
    const broken = generatedThread('half-written', { topLevel: 10, fanout: [2] });
    broken.comments[20]!.quotes.push({ quotedNumber: 999, text: 'x', start: 0, end: 1, bodyStart: null, bodyEnd: null });
    await expect(loadThread(db, broken)).rejects.toThrow();
    expect(await rowCounts()).toEqual(before);
    expect(await db.reader.article.findUnique({ where: { slug: 'half-written' } })).toBeNull();
  });

  it('refuses a file whose comments are not the ones already imported under those numbers', async () => {
    // Comment 35 was posted through the API after the import; a longer export's own 35 differs.
    await postComment(db, { handle: 'api-poster', name: 'API Poster', role: 'MODERATOR' }, defaultWriteLimits, {
      articleId: (await db.reader.article.findUniqueOrThrow({ where: { slug: demoSlug } })).id,
      body: 'Posted through the API.',
    });
    const longer = `${readDemo()}\n\n  35. Latecomer says:\n\n    A comment the export gained later.\n`;
    const before = await rowCounts();
    await expect(loadThread(db, parseTextThread(longer))).rejects.toThrow(/comment 35 in the file is not comment 35/);
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses a file whose article slug belongs to another article', async () => {
    const other = readDemo().replace(/^[^\n]*/, 'Why the Alder Hollow library started lending bike tools');
    expect(parseTextThread(other).article.slug).toBe(demoSlug);
    const before = await rowCounts();
    await expect(loadThread(db, parseTextThread(other))).rejects.toThrow(/belongs to another article already/);
    expect(await rowCounts()).toEqual(before);
  });
});

describe('the demo thread', () => {
  it('is a full thread: 30+ comments, @-replies, quotes, mentions, 4+ levels deep', () => {
    expect(demo.comments.length).toBeGreaterThanOrEqual(30);
    expect(demo.article.tags.length).toBeGreaterThanOrEqual(3);
    expect(demo.article.author.bio).toBeTruthy();
    expect(demo.comments.filter((c) => c.body.startsWith('@')).length).toBeGreaterThanOrEqual(10);
    expect(demo.comments.filter((c) => c.quotes.length > 0).length).toBeGreaterThanOrEqual(8);
    expect(demo.comments.some((c) => c.mentions.length > 0)).toBe(true);
    expect(Math.max(...demo.comments.map((c) => depthOf(c.number)))).toBeGreaterThanOrEqual(4);
    expect(comment(demo, 7).unresolvedMentions).toEqual(['Gerald']);
    expect(comment(demo, 13).quotes.map((q) => q.quotedNumber)).toEqual([3, 10]);
  });
});
