// Real WordPress and Disqus exports kept in the workspace's ../shared/fixtures (see its
// SOURCES.md), never copied into the project: these tests read them from there, run when the
// folder is there and are skipped when it is not, except under CI=true, where a missing folder
// fails. Assertions are about structure (counts, links, depths), so no text of theirs is here.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDisqus } from '../../src/importers/disqus.js';
import { openExport } from '../../src/importers/input.js';
import { importExport } from '../../src/importers/load.js';
import type { ParsedExport, ThreadRecord } from '../../src/importers/records.js';
import { parseWxr } from '../../src/importers/wxr.js';
import { db, rowCounts } from '../helpers.js';

const fixtures = resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/fixtures');
const present = existsSync(resolve(fixtures, 'SOURCES.md'));
const path = (name: string) => resolve(fixtures, name);

describe.runIf(!present && process.env.CI === 'true')('the real exports, under CI=true', () => {
  it('are in ../shared/fixtures', () => {
    expect.fail(
      `The real exports are missing from ${fixtures}. Under CI=true their import tests must run: check out the workspace with its shared folder beside the project.`,
    );
  });
});

async function threadsOf(parsed: ParsedExport): Promise<ThreadRecord[]> {
  const threads: ThreadRecord[] = [];
  for await (const thread of parsed.threads) threads.push(thread);
  return threads;
}

const depthsOf = (thread: ThreadRecord) => {
  const parent = new Map(thread.comments.map((c) => [c.number, c.parentNumber]));
  const depth = (n: number): number => (parent.get(n) == null ? 0 : depth(parent.get(n)!) + 1);
  return thread.comments.map((c) => depth(c.number));
};

describe.skipIf(!present)('the real exports in ../shared/fixtures', () => {
  describe('the WordPress theme unit test data (WXR 1.2)', () => {
    const parse = async () => {
      const input = await openExport(path('wptt-themeunittestdata.wordpress.xml'));
      expect(input.detected).toBe('wxr');
      const parsed = parseWxr(input.chunks);
      return { parsed, threads: await threadsOf(parsed) };
    };

    it('reads its 33 comments: 29 comments (3 pending) and 4 pingbacks and trackbacks left out', async () => {
      const { parsed, threads } = await parse();
      const comments = threads.flatMap((t) => t.comments);
      expect(comments.length + parsed.report.pingbacks).toBe(33);
      expect(parsed.report.pingbacks).toBe(4);
      expect(comments.filter((c) => c.status === 'pending')).toHaveLength(3);
      expect(comments.filter((c) => c.parentNumber != null)).toHaveLength(10);
      expect(threads.every((t) => t.report.orphans === 0 && t.report.unresolvedParents === 0)).toBe(true);
    });

    it('keeps the reply chain ten levels deep, in posting order', async () => {
      const { threads } = await parse();
      const deepest = threads.reduce((a, b) => (Math.max(...depthsOf(a)) >= Math.max(...depthsOf(b)) ? a : b));
      const depths = depthsOf(deepest);
      expect(Math.max(...depths)).toBe(9);
      const chain = deepest.comments.filter(
        (_, i) => depths[i]! > 0 || deepest.comments.some((c) => c.parentNumber === deepest.comments[i]!.number),
      );
      expect(chain).toHaveLength(10);
      for (const comment of chain) if (comment.parentNumber != null) expect(comment.parentNumber).toBeLessThan(comment.number);
    });

    it('imports the password-protected post as a draft, and other posts as published with their dates', async () => {
      const { threads } = await parse();
      const drafts = threads.filter((t) => t.article.draft);
      expect(drafts).toHaveLength(1);
      expect(drafts[0]!.report.warnings.join('\n')).toContain('password-protected');
      for (const thread of threads.filter((t) => !t.article.draft)) expect(thread.article.publishedAt).toBeInstanceOf(Date);
      // Bodies are text: no markup survives (tags written as entities, to be shown, stay as text).
      for (const comment of threads.flatMap((t) => t.comments))
        expect(comment.body).not.toMatch(/<\/?(strong|em|a|p|ul|ol|li|h[1-6]|table|img)[\s>]/i);
    });

    it('loads once: a second import changes nothing', async () => {
      const load = async () => importExport(db, parseWxr((await openExport(path('wptt-themeunittestdata.wordpress.xml'))).chunks));
      const first = await load();
      expect(first.comments).toMatchObject({ inFile: 29 });
      const before = await rowCounts();
      const second = await load();
      expect(second.comments).toMatchObject({ inFile: 29, created: 0, existing: 29 });
      expect(await rowCounts()).toEqual(before);
    });
  });

  it("reads Isso's WordPress sample: 8 comments, 3 of them replies", async () => {
    const input = await openExport(path('isso-wordpress.xml'));
    expect(input.detected).toBe('wxr');
    const comments = (await threadsOf(parseWxr(input.chunks))).flatMap((t) => t.comments);
    expect(comments).toHaveLength(8);
    expect(comments.filter((c) => c.parentNumber != null)).toHaveLength(3);
  });

  it("reads Isso's Disqus sample: the deleted post stays as a tombstone, the post without a thread is reported", async () => {
    const input = await openExport(path('isso-disqus.xml'));
    expect(input.detected).toBe('disqus');
    const parsed = parseDisqus(input.chunks);
    const threads = await threadsOf(parsed);
    const comments = threads.flatMap((t) => t.comments);
    expect(comments).toHaveLength(5);
    expect(comments.filter((c) => c.status === 'deleted')).toHaveLength(1);
    expect(comments.filter((c) => c.parentNumber != null)).toHaveLength(2);
    expect(parsed.report.warnings).toContain('1 post name a thread that is not in the file: left out');
    const summary = await importExport(db, { threads, report: parsed.report });
    expect(summary.comments.byStatus.deleted).toBe(1);
  });

  it("refuses Remark42's malformed Disqus file with the line and column, and writes nothing", async () => {
    const input = await openExport(path('remark42-disqus.xml'));
    expect(input.detected).toBe('disqus');
    const before = await rowCounts();
    await expect(importExport(db, parseDisqus(input.chunks))).rejects.toThrow(/^line 1, column \d+: the file is not well-formed XML/);
    expect(await rowCounts()).toEqual(before);
  });
});
