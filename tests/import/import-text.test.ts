import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultWriteLimits } from '../../src/config.js';
import { prisma } from '../../src/db.js';
import { postComment } from '../../src/domain/comments.js';
import { loadThread } from '../../src/importers/load.js';
import { ImportFormatError, type ThreadRecord } from '../../src/importers/records.js';
import { parseTextThread } from '../../src/importers/text.js';
import { demoThreadPath } from '../../src/seed.js';
import { examplePath, importExample, readExample, rowCounts } from '../helpers.js';

const example = parseTextThread(readExample());
const comment = (thread: ThreadRecord, number: number) => {
  const found = thread.comments.find((c) => c.number === number);
  if (!found) throw new Error(`no comment ${number}`);
  return found;
};
const bodyOf = (number: number) => comment(example, number).body;

describe('parsing the example thread', () => {
  it('reads the article, its tags and its author', () => {
    expect(example.article.title).toBe('Trump Told Russians He Didn’t Care If They Interfered In 2016 Election');
    expect(example.article.tags.map((t) => t.name)).toEqual([
      'Donald Trump',
      'National Security',
      'Politicians',
      'Russia',
      'Russia Investigation',
      'US Politics',
    ]);
    expect(example.article.author).toMatchObject({ handle: 'doug-mataconis', name: 'Doug Mataconis' });
    expect(example.article.author.bio).toMatch(/^Doug holds a B\.A\. in Political Science/);
    expect(example.article.body.startsWith('Not surprisingly, President Trump told Russian officials')).toBe(true);
    expect(example.article.body.endsWith('is a feature, not a bug.')).toBe(true);
  });

  it('reads 26 numbered comments with their authors and paragraphs', () => {
    expect(example.comments.map((c) => c.number)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
    expect(comment(example, 4).author.name).toBe('Jay L Gischer');
    expect(comment(example, 21).author.handle).toBe('michael-reynolds');
    expect(bodyOf(3)).toBe('Trump expressed the Platonic ideal of whataboutism.');
    expect(bodyOf(2).split('\n\n')).toHaveLength(3);
    expect(bodyOf(14)).toBe('@Kari Q:\nGee, it’s almost like Putin has something to hide.\n\nRight @Guarneri?');
  });

  it('links a leading @Name: to that person’s latest earlier comment and keeps further names as mentions', () => {
    expect(comment(example, 5)).toMatchObject({ parentNumber: 1, mentions: ['jay-l-gischer'] });
    expect(comment(example, 21)).toMatchObject({ parentNumber: 19, mentions: ['mikey'] });
    expect(comment(example, 10).parentNumber).toBe(8);
    expect(comment(example, 12).parentNumber).toBe(11);
    expect(comment(example, 20).parentNumber).toBe(18);
    expect(comment(example, 22).parentNumber).toBe(21);
    expect(comment(example, 24).parentNumber).toBeNull();
  });

  it('leaves @names that match no commenter as plain text, reported as unresolved', () => {
    expect(comment(example, 14)).toMatchObject({ parentNumber: 11, mentions: [], unresolvedMentions: ['Guarneri'] });
    // "F@ck" in comment 19 is no mention at all.
    expect(comment(example, 19).unresolvedMentions).toEqual([]);
  });

  it('finds quotes as exact spans of the earlier comment', () => {
    const [q12] = comment(example, 12).quotes;
    expect(q12).toMatchObject({ quotedNumber: 11, start: 0 });
    expect(q12!.text).toBe('I took it as a warning to Trump that he would personally pay a price if Trump/Putin calls were published');
    expect(bodyOf(11).slice(q12!.start, q12!.end)).toBe(q12!.text);
    expect(bodyOf(12).slice(q12!.bodyStart!, q12!.bodyEnd!)).toBe(q12!.text);

    const [q23] = comment(example, 23).quotes;
    expect(q23).toMatchObject({ quotedNumber: 21 });
    expect(q23!.text).toBe('If this motherfker resigns while I’m overseas. . . Nixon pulled this on me, not again.');
    expect(bodyOf(21).slice(q23!.start, q23!.end)).toBe(q23!.text);
    // The typographic quote marks Moosebreath added stay in 23's body, around the pasted span.
    expect(bodyOf(23).slice(q23!.bodyStart!, q23!.bodyEnd!)).toBe(`“${q23!.text}”`);
  });

  it('takes a quote after a leading @Name: as both the reply and the quote (16 → 2)', () => {
    const c16 = comment(example, 16);
    expect(c16.parentNumber).toBe(2);
    expect(c16.quotes).toHaveLength(1);
    expect(c16.quotes[0]).toMatchObject({ quotedNumber: 2 });
    expect(bodyOf(2).slice(c16.quotes[0]!.start, c16.quotes[0]!.end)).toBe(
      'Trump campaign officials kept meeting with all these Russians. Even in the absence of hard evidence of collusion, what else were we* supposed to think?',
    );
  });

  it('makes a comment with no @Name: that quotes others a reply to the first comment it quotes', () => {
    const c6 = comment(example, 6);
    expect(c6.quotes.map((q) => q.quotedNumber)).toEqual([1, 4]);
    expect(c6.parentNumber).toBe(1);
    expect(comment(example, 26)).toMatchObject({ parentNumber: 20 });
    expect(comment(example, 26).quotes.map((q) => q.quotedNumber)).toEqual([20]);
  });

  it('links nothing for text quoted from outside the thread', () => {
    for (const number of [13, 20, 25]) expect(comment(example, number).quotes).toEqual([]);
    expect(comment(example, 13).parentNumber).toBeNull();
    expect(example.comments.reduce((sum, c) => sum + c.quotes.length, 0)).toBe(7);
  });

  it('nests three levels deep (18 → 19 → 21 → 22)', () => {
    expect([19, 21, 22].map((n) => comment(example, n).parentNumber)).toEqual([18, 19, 21]);
  });
});

describe('files that are not in the format', () => {
  const lines = readExample().split('\n');
  const headerLine = lines.findIndex((line) => line.startsWith('  19. DrDaveT says:'));
  const cases: [string, string, RegExp][] = [
    ['an empty file', '', /the file is empty/],
    ['a blank file', '\n  \n\n', /the file is empty/],
    ['a file cut in the article body', lines.slice(0, 12).join('\n'), /^line 12: expected a line "FILED UNDER/],
    [
      'a file cut after a comment header',
      lines.slice(0, headerLine + 1).join('\n'),
      new RegExp(`^line ${headerLine + 1}: comment 19 has no text`),
    ],
    [
      'a file cut inside a comment header',
      `${lines.slice(0, headerLine).join('\n')}\n  19. DrDav`,
      new RegExp(`^line ${headerLine + 1}: expected an indented line of comment 18`),
    ],
    ['a comment out of order', readExample().replace('  3. CSK says:', '  4. CSK says:'), /expected comment 3 here, found comment 4/],
    ['a missing About line', readExample().replace('About Doug Mataconis', 'Doug Mataconis again'), /expected "About Doug Mataconis"/],
  ];
  it.each(cases)('%s fails with a message naming the line', (_name, text, message) => {
    expect(() => parseTextThread(text)).toThrow(ImportFormatError);
    expect(() => parseTextThread(text)).toThrow(message);
  });
});

describe('loading into the database', () => {
  beforeAll(async () => {
    await importExample();
  });

  it('stores replies, depth, quotes with their spans, and mentions', async () => {
    const article = await prisma.article.findUniqueOrThrow({ where: { slug: example.article.slug }, include: { tags: true } });
    expect(article.tags).toHaveLength(6);
    expect(article.lastCommentNumber).toBe(26);
    const rows = await prisma.comment.findMany({
      where: { articleId: article.id },
      include: { parent: true, quotes: { include: { quotedComment: true } }, mentions: { include: { author: true } } },
      orderBy: { number: 'asc' },
    });
    expect(rows).toHaveLength(26);
    const byNumber = new Map(rows.map((row) => [row.number, row]));
    expect(byNumber.get(5)!.parent!.number).toBe(1);
    expect(byNumber.get(5)!.mentions.map((m) => m.author.name)).toEqual(['Jay L Gischer']);
    expect(byNumber.get(22)!.depth).toBe(3);
    expect(byNumber.get(22)!.path).toBe('00000018/00000019/00000021/00000022/');
    const quote = byNumber.get(12)!.quotes[0]!;
    expect(quote.quotedComment.number).toBe(11);
    expect(quote.quotedComment.body.slice(quote.start, quote.end)).toBe(quote.text);
  });

  it('changes nothing when the same file is imported again', async () => {
    const before = await rowCounts();
    const ids = await prisma.comment.findMany({ select: { id: true, number: true, parentId: true, path: true }, orderBy: { id: 'asc' } });
    const summary = await importExample();
    expect(summary).toMatchObject({ articleCreated: false, comments: 26, commentsCreated: 0 });
    expect(await rowCounts()).toEqual(before);
    expect(
      await prisma.comment.findMany({ select: { id: true, number: true, parentId: true, path: true }, orderBy: { id: 'asc' } }),
    ).toEqual(ids);
  });

  it('writes nothing when the load fails part-way (one transaction)', async () => {
    const before = await rowCounts();
    const thread = parseTextThread(readFileSync(demoThreadPath, 'utf8'));
    // A quote of a comment that is not in the thread fails on insert, after the article and
    // several comments were written inside the transaction.
    const broken: ThreadRecord = structuredClone(thread);
    broken.comments[20]!.quotes.push({ quotedNumber: 999, text: 'x', start: 0, end: 1, bodyStart: null, bodyEnd: null });
    await expect(loadThread(broken)).rejects.toThrow();
    expect(await rowCounts()).toEqual(before);
    expect(await prisma.article.findUnique({ where: { slug: thread.article.slug } })).toBeNull();
  });

  it('refuses a file whose comments are not the ones already imported under those numbers', async () => {
    // Comment 27 was posted through the API after the import; a longer export's own 27 differs.
    await postComment({ handle: 'api-poster', name: 'API Poster', role: 'MODERATOR' }, defaultWriteLimits, {
      articleId: (await prisma.article.findUniqueOrThrow({ where: { slug: example.article.slug } })).id,
      body: 'Posted through the API.',
    });
    const longer = `${readExample()}\n\n  27. Latecomer says:\n\n    A comment the export gained later.\n`;
    const before = await rowCounts();
    await expect(loadThread(parseTextThread(longer))).rejects.toThrow(/comment 27 in the file is not comment 27/);
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses a file whose article slug belongs to another article', async () => {
    const other = readExample().replace(/^[^\n]*/, 'Trump told Russians he didnt care if they interfered in 2016 election');
    const before = await rowCounts();
    await expect(loadThread(parseTextThread(other))).rejects.toThrow(/belongs to another article already/);
    expect(await rowCounts()).toEqual(before);
  });

  it('reads the example from ../shared, not from a copy in the project', () => {
    expect(examplePath).toMatch(/shared\/seed\/000_a475c58050193623\.txt$/);
  });
});

describe('the demo thread', () => {
  const demo = parseTextThread(readFileSync(demoThreadPath, 'utf8'));
  const depthOf = (number: number): number => {
    const parent = comment(demo, number).parentNumber;
    return parent == null ? 0 : depthOf(parent) + 1;
  };

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

  it('shares no text with the example thread', () => {
    const demoText = readFileSync(demoThreadPath, 'utf8');
    const sentences = readExample()
      .split(/(?<=[.?!])\s+|\n+/)
      .map((s) => s.trim())
      .filter((s) => s.split(/\s+/).length >= 6);
    expect(sentences.length).toBeGreaterThan(50);
    expect(sentences.filter((s) => demoText.includes(s))).toEqual([]);
  });
});
