/**
 * The built-in spam checker (issue 14, item 6): signals that need no outside service, read from
 * the author's own recent comments. Banned words and a plain link limit are the rules' business
 * (src/domain/moderation-rules.ts), which an administrator sets; these are the patterns of
 * spam runs that no single comment shows:
 *
 * - link-stuffing: a comment that is mostly links;
 * - the same text posted on several articles within a day;
 * - posting on many articles in a few minutes.
 *
 * It reads at most `recentLimit` of the author's comments through the (authorId, createdAt)
 * index, outside any transaction, and never fails a post: an error is UNKNOWN, which holds.
 */
import type { Database } from '../db.js';
import { countLinks, normalizeForRules } from '../domain/moderation-rules.js';
import type { SpamChecker, SpamVerdict } from './akismet.js';
import type { CommentCheckInput } from './check.js';

export interface BuiltinOptions {
  /** This many links or more, with fewer than `wordsPerLink` words around each, is link-stuffing. */
  stuffedLinks: number;
  wordsPerLink: number;
  /** The same text on this many other articles within `repeatHours` is a spam run. */
  repeatArticles: number;
  repeatHours: number;
  /** This many comments on at least `burstArticles` articles within `burstMinutes` is a run too. */
  burstComments: number;
  burstArticles: number;
  burstMinutes: number;
  /** The author's recent comments read at most. */
  recentLimit: number;
}

export const defaultBuiltinOptions: BuiltinOptions = {
  stuffedLinks: 3,
  wordsPerLink: 8,
  repeatArticles: 2,
  repeatHours: 24,
  burstComments: 6,
  burstArticles: 4,
  burstMinutes: 10,
  recentLimit: 200,
};

/** Text as repeats compare it: normalised as the rules do, runs of space collapsed. */
const sameText = (text: string) => normalizeForRules(text).replace(/\s+/gu, ' ').trim();

const words = (text: string) => text.split(/\s+/u).filter((word) => word !== '').length;

export function builtinChecker(
  db: Database,
  options: Partial<BuiltinOptions> = {},
): SpamChecker & {
  check(input: CommentCheckInput): Promise<SpamVerdict>;
} {
  const o = { ...defaultBuiltinOptions, ...options };
  return {
    name: 'builtin',
    async check(input: CommentCheckInput): Promise<SpamVerdict> {
      const links = countLinks(input.body);
      if (links >= o.stuffedLinks && words(input.body) < links * o.wordsPerLink) {
        return { verdict: 'SPAM', discard: false, detail: `${links} links and little else` };
      }
      if (input.authorId === null) return { verdict: 'HAM' };
      const now = Date.now();
      const since = new Date(now - Math.max(o.repeatHours * 3_600_000, o.burstMinutes * 60_000));
      const recent = await db.reader.comment.findMany({
        where: { authorId: input.authorId, createdAt: { gt: since }, imported: false },
        orderBy: { createdAt: 'desc' },
        take: o.recentLimit,
        select: { articleId: true, body: true, createdAt: true },
      });
      const text = sameText(input.body);
      const repeatSince = now - o.repeatHours * 3_600_000;
      const repeatedOn = new Set(
        recent
          .filter((row) => row.articleId !== input.articleId && row.createdAt.getTime() > repeatSince && sameText(row.body) === text)
          .map((row) => row.articleId),
      );
      if (repeatedOn.size >= o.repeatArticles) {
        return { verdict: 'SPAM', discard: false, detail: `the same text on ${repeatedOn.size + 1} articles within ${o.repeatHours} h` };
      }
      const burstSince = now - o.burstMinutes * 60_000;
      const burst = recent.filter((row) => row.createdAt.getTime() > burstSince);
      const burstArticles = new Set([input.articleId, ...burst.map((row) => row.articleId)]);
      if (burst.length + 1 >= o.burstComments && burstArticles.size >= o.burstArticles) {
        return {
          verdict: 'SPAM',
          discard: false,
          detail: `${burst.length + 1} comments on ${burstArticles.size} articles within ${o.burstMinutes} minutes`,
        };
      }
      return { verdict: 'HAM' };
    },
  };
}
