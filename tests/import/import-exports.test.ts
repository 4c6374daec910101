// The WordPress and Disqus importers, on the project's own original exports in
// tests/fixtures/exports/ (every behaviour of each format), on both databases. The real exports
// of ../shared/fixtures have their own file (shared-exports.test.ts).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDisqus } from '../../src/importers/disqus.js';
import { htmlToText } from '../../src/importers/html.js';
import { openExport } from '../../src/importers/input.js';
import { importExport } from '../../src/importers/load.js';
import { ImportFormatError, type ParsedExport } from '../../src/importers/records.js';
import { parseWxr } from '../../src/importers/wxr.js';
import { db, rowCounts, storedComments } from '../helpers.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/exports/${name}`, import.meta.url)), 'utf8');
const orchard = fixture('orchard.wxr');
const lighthouse = fixture('lighthouse.disqus.xml');

/** The text in small pieces, as a stream delivers it: records, CDATA and characters split across chunks. */
async function* pieces(text: string, size = 37): AsyncGenerator<string> {
  for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
}

async function collect(parsed: ParsedExport) {
  const threads = [];
  for await (const thread of parsed.threads) threads.push(thread);
  return threads;
}

const articleBySource = (sourceKey: string) =>
  db.reader.article.findUniqueOrThrow({ where: { sourceKey }, include: { tags: true, author: true } });

describe('HTML bodies', () => {
  it('keeps paragraphs and line breaks, links as their URL, and reduces the rest to text', () => {
    expect(
      htmlToText(
        '<p>One <a href="https://a.example/x">link</a>, <b>bold</b> &amp; <script>evil()</script>done</p><p>Two<br>lines</p>',
        'spaces',
      ).text,
    ).toBe('One link (https://a.example/x), bold & done\n\nTwo\nlines');
    expect(
      htmlToText('First line\nsecond line\n\nA paragraph with <a href="https://b.example">https://b.example</a>', 'paragraphs').text,
    ).toBe('First line\nsecond line\n\nA paragraph with https://b.example');
    expect(htmlToText('<img src="x.png" alt="A hedge"> <a href="javascript:alert(1)">click</a>', 'spaces').text).toBe('A hedge click');
  });

  it('says where each blockquote is in the text', () => {
    const { text, quotes } = htmlToText('<blockquote><p>Quoted one.</p><p>Quoted two.</p></blockquote><p>Mine.</p>', 'spaces');
    expect(text).toBe('Quoted one.\n\nQuoted two.\n\nMine.');
    expect(quotes.map((q) => text.slice(q.start, q.end))).toEqual(['Quoted one.\n\nQuoted two.']);
  });
});

describe('reading files', () => {
  const file = (name: string, bytes: Buffer) => {
    const path = join(mkdtempSync(join(tmpdir(), 'threadline-input-')), name);
    writeFileSync(path, bytes);
    return path;
  };

  it('reads the encoding the XML declaration names, and gzip by its first bytes', async () => {
    const latin = orchard.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace('Odile Brandt]]', 'Odile Brändt]]');
    const input = await openExport(file('latin.xml.gz', gzipSync(Buffer.from(latin, 'latin1'))));
    expect(input).toMatchObject({ detected: 'wxr', gzipped: true, encoding: 'iso-8859-1' });
    const [post] = await collect(parseWxr(input.chunks));
    expect(post!.comments[0]!.author.name).toBe('Odile Brändt');
  });

  it('fails on bytes that are not valid UTF-8, naming where, instead of importing replacement characters', async () => {
    const bytes = Buffer.from(orchard, 'utf8');
    const broken = Buffer.concat([bytes.subarray(0, 3000), Buffer.from([0xc3, 0x28]), bytes.subarray(3000)]);
    const input = await openExport(file('broken.xml', broken));
    const line = bytes.subarray(0, 3000).toString('utf8').split('\n').length;
    await expect(collect(parseWxr(input.chunks))).rejects.toThrow(
      new RegExp(`^line ${line}: the file is not valid UTF-8: byte 0xc3 at offset 3000 starts no character`),
    );
  });

  it('tells the formats apart by their content', async () => {
    expect((await openExport(file('a', Buffer.from(orchard)))).detected).toBe('wxr');
    expect((await openExport(file('b', Buffer.from(lighthouse)))).detected).toBe('disqus');
    expect((await openExport(file('c', Buffer.from('{"format":"threadline"}')))).detected).toBe('json');
    expect((await openExport(file('d', Buffer.from('A title\n\nBody')))).detected).toBe('text');
    expect((await openExport(file('e', Buffer.from('<feed xmlns="http://www.w3.org/2005/Atom"/>')))).detected).toBeNull();
  });
});

describe('WordPress (WXR)', () => {
  it('reads posts with comments as threads: slug, tags, dates, statuses, replies, quotes and mentions', async () => {
    const parsed = parseWxr(pieces(orchard));
    const threads = await collect(parsed);
    expect(threads.map((t) => [t.article.slug, t.article.draft])).toEqual([
      ['whip-and-tongue', false],
      ['notes-on-a-frost-pocket', true],
    ]);
    const [post] = threads;
    expect(post!.article).toMatchObject({
      sourceKey: 'wxr:orchard.example:41',
      title: 'Whip-and-tongue grafts for beginners',
      body: 'Cut the scion at a long slant.\n\nMatch the cambium on one side at least.',
      publishedAt: new Date('2024-03-02T09:00:00Z'),
      tags: [
        { slug: 'grafting', name: 'Grafting' },
        { slug: 'apples', name: 'Apples' },
      ],
    });
    expect(post!.article.author.name).toBe('Hedda Lindqvist');
    const bySource = new Map(post!.comments.map((c) => [c.sourceKey, c]));
    expect(post!.comments.map((c) => [c.number, c.sourceKey, c.status])).toEqual([
      [1, '101', 'published'],
      [2, '102', 'published'],
      [3, '104', 'published'],
      [4, '107', 'pending'],
      [5, '108', 'published'],
      [6, '110', 'published'],
    ]);
    expect(bySource.get('101')!.body).toBe(
      'I wrapped mine with grafting tape and waxed the tip of the scion.\n\nThe buds broke three weeks later, which surprised me.\nSee the tape I used (https://orchard.example/tape).',
    );
    expect(bySource.get('101')!.createdAt).toEqual(new Date('2024-03-02T11:00:00Z'));
    // A reply; its blockquote is a typed quote of the exact span; @Name is a mention.
    const reply = bySource.get('102')!;
    expect(reply.parentNumber).toBe(1);
    expect(reply.quotes).toEqual([
      {
        quotedNumber: 1,
        text: 'I wrapped mine with grafting tape and waxed the tip of the scion.',
        start: 0,
        end: 65,
        bodyStart: 0,
        bodyEnd: 65,
      },
    ]);
    expect(reply.mentions).toEqual([bySource.get('101')!.author.handle]);
    expect(reply.body).toContain('Mine always does & I give up.');
    // `]]>` split across two CDATA sections is one text.
    expect(bySource.get('107')!.body).toBe('Waiting for approval: is a bark graft easier than this? The code ends in ]]> here.');
    // A reply to left-out spam goes to the spam's own parent (here: top level); one to a comment not in the file too.
    expect(bySource.get('104')!.parentNumber).toBeNull();
    expect(bySource.get('108')!.parentNumber).toBeNull();
    expect(post!.report).toMatchObject({ orphans: 1, unresolvedParents: 1 });
    expect(parsed.report).toMatchObject({ pingbacks: 2, spamLeftOut: 2 });
  });

  it('keeps one identity per person: by email (any case), else by name, and nameless visitors apart', async () => {
    const [post, draft] = await collect(parseWxr(pieces(orchard)));
    const handle = (key: string) => post!.comments.find((c) => c.sourceKey === key)!.author.handle;
    expect(handle('101')).toMatch(/^e-[0-9a-f]{24}$/);
    expect(draft!.comments[0]!.author.handle).toBe(handle('101'));
    expect(handle('102')).toBe(handle('104'));
    expect(handle('108')).not.toBe(handle('110'));
    expect(post!.comments.find((c) => c.sourceKey === '108')!.author.name).toBe('Anonymous');
    expect(JSON.stringify([post, draft])).not.toContain('@mail.example');
  });

  it('keeps spam and trash hidden with --include-spam, and then replies stay under their parent', async () => {
    const [post] = await collect(parseWxr(pieces(orchard), { includeSpam: true }));
    const bySource = new Map(post!.comments.map((c) => [c.sourceKey, c]));
    expect(bySource.get('103')!.status).toBe('spam');
    expect(bySource.get('109')!.status).toBe('spam');
    expect(bySource.get('104')!.parentNumber).toBe(bySource.get('103')!.number);
  });

  it('reads WXR 1.0 and 1.1 namespaces with http', async () => {
    for (const version of ['1.0', '1.1']) {
      const older = orchard.replace('xmlns:wp="https://wordpress.org/export/1.2/"', `xmlns:wp="http://wordpress.org/export/${version}/"`);
      const threads = await collect(parseWxr(pieces(older)));
      expect(threads.map((t) => t.comments.length)).toEqual([6, 1]);
    }
  });

  it.each([
    [
      'an unclosed element',
      (text: string) =>
        text.replace(
          '</wp:comment_parent>\n\t\t</wp:comment>\n\t\t<wp:comment>\n\t\t\t<wp:comment_id>103',
          '\n\t\t</wp:comment>\n\t\t<wp:comment>\n\t\t\t<wp:comment_id>103',
        ),
      /line \d+, column \d+: the file is not well-formed XML/,
    ],
    [
      'an unquoted attribute',
      (text: string) => text.replace('domain="post_tag" nicename="apples"', 'domain=post_tag nicename="apples"'),
      /line 35, column \d+: the file is not well-formed XML/,
    ],
    [
      'a bad date',
      (text: string) => text.replace('2024-03-02 11:00:00', '2024-13-45 99:00:00'),
      /line \d+: "2024-13-45 99:00:00" is not a date/,
    ],
    [
      'another kind of RSS',
      (text: string) => text.replace('<rss version="2.0"', '<feed version="2.0"').replace('</rss>', '</feed>'),
      /a WordPress export starts with <rss>/,
    ],
  ])('fails on %s with its place, and writes nothing', async (_name, breakIt, message) => {
    const before = await rowCounts();
    const error = await importExport(db, parseWxr(pieces(breakIt(orchard)))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportFormatError);
    expect((error as Error).message).toMatch(message);
    expect(await rowCounts()).toEqual(before);
  });

  it('fails on a malformed end of the file after whole threads were read, and writes nothing of them', async () => {
    const before = await rowCounts();
    const cut = orchard.replace('</channel>\n</rss>', '</channel>\n</rss');
    await expect(importExport(db, parseWxr(pieces(cut)))).rejects.toThrow(/not well-formed XML/);
    expect(await rowCounts()).toEqual(before);
  });

  describe('loading', () => {
    it('writes articles, drafts, tags, statuses and links; a second run changes nothing; a newer export adds only what is new', async () => {
      const site = orchard.replaceAll('orchard.example', 'orchard-load.example').replace('whip-and-tongue]]', 'whip-and-tongue-load]]');
      const summary = await importExport(db, parseWxr(pieces(site)));
      expect(summary).toMatchObject({
        articles: { inFile: 2, created: 2, existing: 0, drafts: 1 },
        comments: { inFile: 7, created: 7, existing: 0, byStatus: { published: 6, pending: 1, spam: 0, deleted: 0 } },
        pingbacks: 2,
        spamLeftOut: 2,
        orphans: 1,
        unresolvedParents: 1,
        quotesLinked: 1,
        mentionsLinked: 1,
      });
      const article = await articleBySource('wxr:orchard-load.example:41');
      expect(article).toMatchObject({
        slug: 'whip-and-tongue-load',
        publishedAt: new Date('2024-03-02T09:00:00Z'),
        commentCount: 6,
        lastCommentNumber: 6,
      });
      expect(article.author.handle).toMatch(/^import:wxr:e-/);
      expect(article.tags.map((t) => t.slug).sort()).toEqual(['apples', 'grafting']);
      expect((await articleBySource('wxr:orchard-load.example:42')).publishedAt).toBeNull();
      const rows = await storedComments(article.id);
      const byKey = new Map(rows.map((r) => [r.sourceKey, r]));
      expect(byKey.get('102')!.parent!.sourceKey).toBe('101');
      expect(byKey.get('102')!.depth).toBe(1);
      expect(byKey.get('102')!.quotes.map((q) => [q.quotedComment.sourceKey, q.text])).toEqual([
        ['101', 'I wrapped mine with grafting tape and waxed the tip of the scion.'],
      ]);
      expect(byKey.get('101')!.replyCount).toBe(1);
      expect(byKey.get('107')!.hiddenAt).not.toBeNull();
      expect(rows.every((r) => r.imported)).toBe(true);
      const events = await db.reader.commentEvent.findMany({ where: { articleId: article.id }, orderBy: { seq: 'asc' } });
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);

      const before = await rowCounts();
      const again = await importExport(db, parseWxr(pieces(site)));
      expect(again).toMatchObject({
        articles: { created: 0, existing: 2 },
        comments: { created: 0, existing: 7 },
        authors: { created: 0 },
      });
      expect(await rowCounts()).toEqual(before);

      const newer = site.replace(
        '\t</item>\n\n\t<item>\n\t\t<title>Notes on a frost pocket',
        `\t\t<wp:comment>
			<wp:comment_id>111</wp:comment_id>
			<wp:comment_author><![CDATA[Odile Brandt]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[odile@mail.example]]></wp:comment_author_email>
			<wp:comment_date_gmt><![CDATA[2024-05-01 10:00:00]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[No, the wax held all winter.]]></wp:comment_content>
			<wp:comment_approved><![CDATA[1]]></wp:comment_approved>
			<wp:comment_parent>102</wp:comment_parent>
		</wp:comment>
	</item>

	<item>
		<title>Notes on a frost pocket`,
      );
      const added = await importExport(db, parseWxr(pieces(newer)));
      expect(added).toMatchObject({ comments: { created: 1, existing: 7 }, authors: { created: 0 } });
      const latest = await db.reader.comment.findFirstOrThrow({
        where: { articleId: article.id, sourceKey: '111' },
        include: { parent: true },
      });
      expect(latest).toMatchObject({ number: 7, depth: 2, path: '00000001/00000002/00000007/' });
      expect(latest.parent!.sourceKey).toBe('102');
    });

    it('gives an article whose slug another article holds the next free slug, and says so', async () => {
      const first = orchard.replaceAll('orchard.example', 'orchard-one.example').replace('whip-and-tongue]]', 'shared-slug]]');
      const second = orchard.replaceAll('orchard.example', 'orchard-two.example').replace('whip-and-tongue]]', 'shared-slug]]');
      await importExport(db, parseWxr(pieces(first)));
      const summary = await importExport(db, parseWxr(pieces(second)));
      expect(summary.warnings).toContain(
        'shared-slug-2: the slug "shared-slug" is taken by another article: "Whip-and-tongue grafts for beginners" was given "shared-slug-2"',
      );
      expect((await articleBySource('wxr:orchard-two.example:41')).slug).toBe('shared-slug-2');
    });

    it('writes nothing on a dry run, and reports what an import would do', async () => {
      const site = orchard.replaceAll('orchard.example', 'orchard-dry.example').replace('whip-and-tongue]]', 'whip-and-tongue-dry]]');
      const before = await rowCounts();
      const summary = await importExport(db, parseWxr(pieces(site)), { dryRun: true });
      expect(summary).toMatchObject({
        dryRun: true,
        articles: { created: 2 },
        comments: { created: 7 },
        authors: { inFile: 6 },
        quotesLinked: 1,
      });
      expect(await rowCounts()).toEqual(before);
    });
  });
});

describe('Disqus', () => {
  it('maps threads by link (http and https, www and a trailing slash aside), keeps deleted posts as tombstones, and reports the rest', async () => {
    const parsed = parseDisqus(pieces(lighthouse));
    const threads = await collect(parsed);
    expect(threads.map((t) => [t.article.sourceKey, t.article.slug, t.comments.length])).toEqual([
      ['disqus:lighthouse.example/posts/fog-signals.html', 'fog-signals', 4],
      ['disqus:lighthouse.example/posts/lens-cleaning', 'lens-cleaning', 2],
    ]);
    const [fog, lens] = threads;
    expect(fog!.comments.map((c) => [c.number, c.sourceKey, c.status, c.parentNumber])).toEqual([
      [1, '7001', 'published', null],
      [2, '7002', 'deleted', 1],
      [3, '7003', 'published', 2],
      [4, '7004', 'published', null],
    ]);
    expect(fog!.comments[0]!.body).toBe(
      'The diaphone at our station could be heard eleven miles out on a still night.\n\nIt shook the windows.',
    );
    expect(fog!.comments[3]!.quotes).toMatchObject([{ quotedNumber: 1, start: 0, bodyStart: 0 }]);
    expect(fog!.comments[3]!.mentions).toEqual([fog!.comments[0]!.author.handle]);
    expect(fog!.report.warnings).toEqual([
      'Disqus threads 500, 501 are one page (http://lighthouse.example/posts/fog-signals.html): imported as one article',
    ]);
    // A reply to spam (left out) and a reply to a post not in the file both become top-level.
    expect(lens!.comments.map((c) => [c.sourceKey, c.parentNumber])).toEqual([
      ['7006', null],
      ['7007', null],
    ]);
    expect(lens!.report).toMatchObject({ orphans: 1, unresolvedParents: 1 });
    expect(parsed.report.spamLeftOut).toBe(1);
    expect(parsed.report.warnings).toContain('1 post name a thread that is not in the file: left out');
  });

  it('keeps anonymous guests apart: by email and name together, else one per post', async () => {
    const [fog, lens] = await collect(parseDisqus(pieces(lighthouse)));
    const sam = fog!.comments[2]!.author;
    const samira = fog!.comments[3]!.author;
    expect(sam.handle).not.toBe(samira.handle);
    expect(lens!.comments[0]!.author.handle).not.toBe(lens!.comments[1]!.author.handle);
    expect(lens!.comments.map((c) => c.author.name)).toEqual(['Guest', 'Guest']);
    expect(fog!.comments[0]!.author.handle).toBe(fog!.comments[1]!.author.handle);
  });

  it('loads tombstones with their replies in place, once', async () => {
    const site = lighthouse.replaceAll('lighthouse.example', 'lighthouse-load.example').replaceAll('fog-signals', 'fog-signals-load');
    const summary = await importExport(db, parseDisqus(pieces(site)));
    expect(summary).toMatchObject({
      articles: { created: 2 },
      comments: { created: 6, byStatus: { deleted: 1 } },
      authors: { created: 6 },
    });
    const fog = await articleBySource('disqus:lighthouse-load.example/posts/fog-signals-load.html');
    const rows = await storedComments(fog.id);
    expect(rows.map((r) => [r.number, r.deletedAt != null, r.parent?.number ?? null])).toEqual([
      [1, false, null],
      [2, true, 1],
      [3, false, 2],
      [4, false, null],
    ]);
    const before = await rowCounts();
    expect(await importExport(db, parseDisqus(pieces(site)))).toMatchObject({ comments: { created: 0, existing: 6 } });
    expect(await rowCounts()).toEqual(before);
  });

  it('fails on a file that is not well-formed, with its line and column, and writes nothing', async () => {
    const before = await rowCounts();
    const broken = lighthouse.replace('<post dsq:id="7006">', '<post dsq:id=7006>');
    await expect(importExport(db, parseDisqus(pieces(broken)))).rejects.toThrow(/^line 97, column \d+: the file is not well-formed XML/);
    expect(await rowCounts()).toEqual(before);
  });
});
