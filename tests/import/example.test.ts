// The example thread of the workspace, a real export that lives beside the project in
// ../shared/seed and whose text may not be copied into it: does the importer read that file
// faithfully? Everything else is specified on the project's own fixtures. These tests run
// when the file is there and are skipped when it is not, except under CI=true, where a missing
// example fails the run. Nothing textual is written here: names, passages and the slug are
// read from the file at run time; only numbers are the test's own.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadThread } from '../../src/importers/load.js';
import { slugify, type ThreadRecord } from '../../src/importers/records.js';
import { parseTextThread } from '../../src/importers/text.js';
import { db, rowCounts, storedComments } from '../helpers.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const examplePath = resolve(projectRoot, '../shared/seed/000_a475c58050193623.txt');
const present = existsSync(examplePath);

describe.runIf(!present && process.env.CI === 'true')('the example thread, under CI=true', () => {
  it('is in ../shared/seed', () => {
    expect.fail(
      `The example thread is missing from ../shared/seed (looked for ${examplePath}). Under CI=true its fidelity tests must run: ` +
        'check out the workspace with its shared folder beside the project.',
    );
  });
});

/** The file as written, read without the importer: the lines under each `N. Name says:` header. */
function writtenComments(source: string) {
  const comments: { number: number; name: string; lines: string[] }[] = [];
  for (const line of source.split('\n')) {
    const header = /^ {2}(\d+)\. (.+) says:$/.exec(line);
    if (header) comments.push({ number: Number(header[1]), name: header[2]!, lines: [] });
    else comments.at(-1)?.lines.push(line);
  }
  return comments.map(({ number, name, lines }) => ({
    number,
    name,
    body: lines
      .map((line) => line.replace(/^ {4}/, '').trimEnd())
      .join('\n')
      .trim()
      .replace(/\n{2,}/g, '\n\n'),
  }));
}

/** The project's text files, relative to its root, leaving out what git ignores (packages, generated code, databases). */
function projectTextFiles(): string[] {
  const ignoredFolders = readFileSync(join(projectRoot, '.gitignore'), 'utf8')
    .split('\n')
    .filter((line) => line.endsWith('/'))
    .map((line) => line.slice(0, -1));
  const skipped = new Set(['.git', ...ignoredFolders]);
  const text = /^(\.(ts|mjs|js|json|md|txt|graphql|prisma|sql|sh|ya?ml|toml))?$/;
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(projectRoot, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (skipped.has(path)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && text.test(extname(entry.name)) && entry.name !== 'package-lock.json') files.push(path);
    }
  };
  walk('');
  return files;
}

/** Which comment each reply answers: every comment of the file that is not listed is top-level. */
const parents: Record<number, number> = {
  5: 1,
  6: 1,
  9: 1,
  10: 8,
  12: 11,
  14: 11,
  16: 2,
  17: 11,
  19: 18,
  20: 18,
  21: 19,
  22: 21,
  23: 21,
  26: 20,
};
/** Every quote the file holds, as positions: in the quoted comment's body and in the quoting one's. */
const quotes: Record<number, { quotedNumber: number; start: number; end: number; bodyStart: number; bodyEnd: number }[]> = {
  6: [
    { quotedNumber: 1, start: 1118, end: 1185, bodyStart: 0, bodyEnd: 67 },
    { quotedNumber: 4, start: 330, end: 468, bodyStart: 153, bodyEnd: 291 },
  ],
  12: [{ quotedNumber: 11, start: 0, end: 104, bodyStart: 10, bodyEnd: 114 }],
  16: [{ quotedNumber: 2, start: 64, end: 215, bodyStart: 6, bodyEnd: 157 }],
  19: [{ quotedNumber: 18, start: 170, end: 200, bodyStart: 20, bodyEnd: 50 }],
  23: [{ quotedNumber: 21, start: 47, end: 133, bodyStart: 20, bodyEnd: 108 }],
  26: [{ quotedNumber: 20, start: 521, end: 611, bodyStart: 0, bodyEnd: 90 }],
};

describe.skipIf(!present)('the example thread in ../shared/seed', () => {
  let source: string;
  let lines: string[];
  let example: ThreadRecord;
  let written: ReturnType<typeof writtenComments>;
  const comment = (number: number) => {
    const found = example.comments.find((c) => c.number === number);
    if (!found) throw new Error(`no comment ${number}`);
    return found;
  };
  const bodyOf = (number: number) => comment(number).body;
  const nameOf = (number: number) => written[number - 1]!.name;

  beforeAll(() => {
    source = readFileSync(examplePath, 'utf8');
    lines = source.split('\n');
    example = parseTextThread(source);
    written = writtenComments(source);
  });

  describe('parsing', () => {
    it('reads the article, its tags and its author as the file has them', () => {
      const title = lines[0]!.trim();
      expect(example.article.title).toBe(title);
      // The slug drops the apostrophe rather than splitting a word at it: one part per word.
      expect(example.article.slug).toBe(slugify(title));
      expect(example.article.slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(example.article.slug.split('-')).toHaveLength(title.split(/\s+/).length);

      const filed = lines.findIndex((line) => line.startsWith('FILED UNDER:'));
      const tagNames = lines[filed]!.slice('FILED UNDER:'.length)
        .split(',')
        .map((name) => name.trim());
      expect(tagNames).toHaveLength(6);
      expect(example.article.tags).toEqual(tagNames.map((name) => ({ slug: slugify(name), name })));

      const authorName = lines[filed + 1]!.trim();
      expect(lines[filed + 2]!.trim()).toBe(`About ${authorName}`);
      expect(example.article.author).toEqual({ handle: slugify(authorName), name: authorName, bio: lines[filed + 3]!.trim() });

      const paragraphs = lines.slice(1, filed).filter((line) => line.trim() !== '');
      expect(paragraphs.length).toBeGreaterThan(10);
      expect(example.article.body).toBe(paragraphs.map((line) => line.trim()).join('\n\n'));
    });

    it('reads 26 numbered comments with their authors and paragraphs, word for word', () => {
      expect(example.comments.map((c) => c.number)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
      expect(written.map((c) => c.number)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
      for (const c of example.comments) {
        expect(c.author).toEqual({ handle: slugify(nameOf(c.number)), name: nameOf(c.number), bio: null });
        expect(c.body).toBe(written[c.number - 1]!.body);
      }
      // One commenter wrote 7, 14, 18, 21 and 24: one author, not five.
      expect(new Set([7, 14, 18, 21, 24].map((n) => comment(n).author.handle)).size).toBe(1);
      expect(bodyOf(3).split('\n')).toHaveLength(1);
      expect(bodyOf(2).split('\n\n')).toHaveLength(3);
      // 14 opens with its @Name: on a line of its own, above the rest of the paragraph.
      expect(
        bodyOf(14)
          .split('\n\n')
          .map((p) => p.split('\n').length),
      ).toEqual([2, 1]);
    });

    it('links a leading @Name: to that person’s latest earlier comment and keeps further names as mentions', () => {
      expect(Object.fromEntries(example.comments.filter((c) => c.parentNumber != null).map((c) => [c.number, c.parentNumber]))).toEqual(
        parents,
      );
      const leading = example.comments.filter((c) => /^@[^:\n]+:/.test(c.body));
      expect(leading.map((c) => c.number)).toEqual([5, 9, 10, 12, 14, 16, 17, 19, 20, 21, 22, 23]);
      for (const c of leading) {
        const name = /^@([^:\n]+):/.exec(c.body)![1]!;
        const parent = comment(c.parentNumber!);
        expect(parent.author.name.toLowerCase()).toBe(name.toLowerCase());
        // The latest earlier comment of that name: none of theirs between it and the reply.
        const between = example.comments.filter((o) => o.number > parent.number && o.number < c.number);
        expect(between.filter((o) => o.author.handle === parent.author.handle)).toEqual([]);
      }
      expect(comment(5).mentions).toEqual([comment(4).author.handle]);
      expect(comment(21).mentions).toEqual([comment(20).author.handle]);
      expect(example.comments.filter((c) => c.mentions.length > 0).map((c) => c.number)).toEqual([5, 21]);
      expect(comment(24).parentNumber).toBeNull();
    });

    it('leaves @names that match no commenter as plain text, reported as unresolved', () => {
      expect(comment(14)).toMatchObject({ parentNumber: 11, mentions: [] });
      const [unresolved] = comment(14).unresolvedMentions;
      expect(comment(14).unresolvedMentions).toHaveLength(1);
      expect(bodyOf(14)).toContain(`@${unresolved}`);
      expect(written.map((c) => c.name.toLowerCase())).not.toContain(unresolved!.toLowerCase());
      expect(example.comments.filter((c) => c.unresolvedMentions.length > 0).map((c) => c.number)).toEqual([14]);
      // 19 has an @ right after a letter: no mention at all.
      expect(bodyOf(19)).toMatch(/\p{L}@/u);
      expect(comment(19)).toMatchObject({ mentions: [], unresolvedMentions: [] });
    });

    it('finds quotes as exact spans of the earlier comment', () => {
      expect(
        Object.fromEntries(
          example.comments.filter((c) => c.quotes.length > 0).map((c) => [c.number, c.quotes.map(({ text: _, ...at }) => at)]),
        ),
      ).toEqual(quotes);
      for (const c of example.comments) {
        for (const quote of c.quotes) {
          expect(bodyOf(quote.quotedNumber).slice(quote.start, quote.end)).toBe(quote.text);
          if (c.number !== 23) expect(bodyOf(c.number).slice(quote.bodyStart!, quote.bodyEnd!)).toBe(quote.text);
        }
      }
      // 23 wrapped its paste in typographic quote marks, which stay in its body around the span.
      const [q23] = comment(23).quotes;
      expect(bodyOf(23).slice(q23!.bodyStart!, q23!.bodyEnd!)).toBe(`“${q23!.text}”`);
    });

    it('takes a quote after a leading @Name: as both the reply and the quote (16 → 2)', () => {
      expect(comment(16).body.startsWith('@')).toBe(true);
      expect(comment(16).parentNumber).toBe(2);
      expect(comment(16).quotes.map((q) => q.quotedNumber)).toEqual([2]);
      // The quote is 2's whole second paragraph.
      expect(comment(16).quotes[0]!.text).toBe(bodyOf(2).split('\n\n')[1]);
    });

    it('makes a comment with no @Name: that quotes others a reply to the first comment it quotes', () => {
      expect(comment(6).body.startsWith('@')).toBe(false);
      expect(comment(6).quotes.map((q) => q.quotedNumber)).toEqual([1, 4]);
      expect(comment(6).parentNumber).toBe(1);
      expect(comment(26).body.startsWith('@')).toBe(false);
      expect(comment(26)).toMatchObject({ parentNumber: 20 });
      expect(comment(26).quotes.map((q) => q.quotedNumber)).toEqual([20]);
    });

    it('links nothing for text quoted from outside the thread', () => {
      for (const number of [13, 20, 25]) expect(comment(number).quotes).toEqual([]);
      expect(comment(13).parentNumber).toBeNull();
      expect(example.comments.reduce((sum, c) => sum + c.quotes.length, 0)).toBe(7);
    });

    it('nests three levels deep (18 → 19 → 21 → 22)', () => {
      expect([19, 21, 22].map((n) => comment(n).parentNumber)).toEqual([18, 19, 21]);
    });
  });

  describe('loading into the database', () => {
    let summary: Awaited<ReturnType<typeof loadThread>>;
    beforeAll(async () => {
      summary = await loadThread(db, example);
    });

    it('imports every comment, reply, quote and mention, and reports the unresolved @name', () => {
      expect(summary).toEqual({
        articleSlug: example.article.slug,
        articleCreated: true,
        comments: 26,
        commentsCreated: 26,
        repliesLinked: 14,
        quotesLinked: 7,
        mentionsLinked: 2,
        unresolvedMentions: comment(14).unresolvedMentions,
      });
    });

    it('stores replies, depth, quotes with their spans, and mentions', async () => {
      const article = await db.reader.article.findUniqueOrThrow({ where: { slug: example.article.slug }, include: { tags: true } });
      expect(article.tags).toHaveLength(6);
      expect(article.lastCommentNumber).toBe(26);
      const rows = await storedComments(article.id);
      expect(rows).toHaveLength(26);
      const byNumber = new Map(rows.map((row) => [row.number, row]));
      expect(Object.fromEntries(rows.filter((row) => row.parent).map((row) => [row.number, row.parent!.number]))).toEqual(parents);
      expect(byNumber.get(5)!.mentions.map((m) => m.author.name)).toEqual([nameOf(4)]);
      expect(byNumber.get(22)!.depth).toBe(3);
      expect(byNumber.get(22)!.path).toBe('00000018/00000019/00000021/00000022/');
      for (const row of rows) {
        expect(row.body).toBe(bodyOf(row.number));
        expect(row.quotes.map((q) => q.quotedComment.number)).toEqual((quotes[row.number] ?? []).map((q) => q.quotedNumber));
        for (const quote of row.quotes) expect(quote.quotedComment.body.slice(quote.start, quote.end)).toBe(quote.text);
      }
    });

    it('changes nothing when the same file is imported again', async () => {
      const before = await rowCounts();
      const ids = await db.reader.comment.findMany({
        select: { id: true, number: true, parentId: true, path: true },
        orderBy: { id: 'asc' },
      });
      expect(await loadThread(db, parseTextThread(source))).toMatchObject({ articleCreated: false, comments: 26, commentsCreated: 0 });
      expect(await rowCounts()).toEqual(before);
      expect(
        await db.reader.comment.findMany({ select: { id: true, number: true, parentId: true, path: true }, orderBy: { id: 'asc' } }),
      ).toEqual(ids);
    });
  });

  it('is read from ../shared, and the project holds none of its text', () => {
    expect(relative(projectRoot, examplePath)).toMatch(/^\.\.\/shared\/seed\//);

    const names = [...new Set([example.article.author.name, ...written.map((c) => c.name)])];
    const titleWords = example.article.title.split(/\s+/);
    const words = [
      ...names,
      ...names.map(slugify),
      ...example.article.tags.flatMap((tag) => [tag.name, tag.slug]),
      ...comment(14).unresolvedMentions,
      // Words with an @ inside, like 19's.
      ...(source.match(/[\p{L}\p{N}]+@[\p{L}\p{N}]+/gu) ?? []),
      example.article.slug,
      // Any three words of the title in a row.
      ...titleWords.slice(2).map((_, i) => titleWords.slice(i, i + 3).join(' ')),
    ];
    const sentences = [example.article.title, ...source.split(/(?<=[.?!:])\s+|\n+/).map((s) => s.trim())].filter(
      (s) => s.split(/\s+/).length >= 6,
    );
    expect(sentences.length).toBeGreaterThan(50);
    const asWord = (word: string) =>
      new RegExp(`(?<![\\p{L}\\p{N}])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'iu');
    const patterns = words.map((word) => ({ word, pattern: asWord(word) }));

    const files = projectTextFiles();
    expect(files).toEqual(
      expect.arrayContaining(['README.md', join('prisma', 'demo-thread.txt'), join('tests', 'fixtures', 'ferry-thread.txt')]),
    );

    const found: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(projectRoot, file), 'utf8');
      for (const { word, pattern } of patterns) if (pattern.test(text)) found.push(`${file}: "${word}"`);
      for (const sentence of sentences) if (text.includes(sentence)) found.push(`${file}: "${sentence.slice(0, 60)}…"`);
    }
    expect(found).toEqual([]);
  });
});
