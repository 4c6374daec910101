/**
 * Pre-moderation rules (issue 14, item 3): what happens to a new comment before anyone sees
 * it. A comment is published, held for review, or rejected, and a held or rejected comment
 * names the rule that decided.
 *
 * Banned terms are not regular expressions: an administrator's pattern must never be able to
 * make a write slow (catastrophic backtracking). A term is one or more words; in a word, `*`
 * stands for any run of letters and digits. Terms are matched word by word against the
 * comment's words, each word matched by a glob matcher whose cost is bounded by the lengths of
 * the two words. Text and terms are compared Unicode-normalised (NFKC), case-folded, without
 * the invisible characters that would split a word for the eye and not for the matcher.
 */

export type RuleAction = 'HOLD' | 'REJECT';

export interface BannedTerm {
  pattern: string;
  action: RuleAction;
}

export interface ModerationRules {
  /** Hold the first this-many comments of an author (0: none). */
  holdFirstComments: number;
  /** Hold a comment with more links than this (null: no limit). */
  maxLinks: number | null;
  bannedTerms: readonly BannedTerm[];
}

export type Verdict = { action: 'PUBLISH' } | { action: RuleAction; rule: 'FIRST_COMMENTS' | 'LINKS' | 'BANNED_TERM'; detail: string };

/** What a comment brings to the rules besides its body. */
export interface Circumstances {
  /** The author's comments published before this one. */
  authorPublished: number;
}

export const maxBannedTerms = 500;
export const maxTermLength = 64;
export const maxWordsPerTerm = 8;

// Zero-width and other format characters that render as nothing (soft hyphen, ZWSP, ZWJ, BOM, …).
const invisible = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u206a-\u206f\ufeff]/gu;
const wordPattern = /[\p{L}\p{M}\p{N}*]+/gu;
const linkPattern = /\b(?:https?:\/\/|www\.)\S/giu;

/** Text as the rules compare it. */
export function normalizeForRules(text: string): string {
  return text.normalize('NFKC').replace(invisible, '').toLowerCase().normalize('NFKC');
}

const wordsOf = (text: string) => text.match(wordPattern) ?? [];

/** Why a banned-term pattern is not acceptable, or null. */
export function unacceptableTerm(pattern: string): string | null {
  if (pattern.length > maxTermLength) return `is ${pattern.length} characters long; the limit is ${maxTermLength}.`;
  const words = wordsOf(normalizeForRules(pattern));
  if (words.length === 0) return 'has no letters or digits.';
  if (words.length > maxWordsPerTerm) return `has ${words.length} words; the limit is ${maxWordsPerTerm}.`;
  if (words.some((word) => /^\*+$/.test(word))) return 'has a word that is only "*", which would match every word.';
  return null;
}

/**
 * Whether `word` matches `glob`, where `*` in the glob matches any run (possibly empty). The
 * classic two-pointer matcher: it backtracks only to the last `*`, so its cost is at most the
 * product of the two lengths, and close to their sum in practice.
 */
export function globMatches(glob: string, word: string): boolean {
  let g = 0;
  let w = 0;
  let star = -1;
  let resume = 0;
  while (w < word.length) {
    if (g < glob.length && glob[g] !== '*' && glob[g] === word[w]) {
      g++;
      w++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      resume = w;
    } else if (star >= 0) {
      g = star + 1;
      w = ++resume;
    } else return false;
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

/** The first banned term the text holds, as whole words in a row; null when none. */
export function findBannedTerm(text: string, terms: readonly BannedTerm[]): BannedTerm | null {
  const words = wordsOf(normalizeForRules(text));
  for (const term of terms) {
    const globs = wordsOf(normalizeForRules(term.pattern));
    if (globs.length === 0) continue;
    for (let start = 0; start + globs.length <= words.length; start++) {
      if (globs.every((glob, offset) => globMatches(glob, words[start + offset]!))) return term;
    }
  }
  return null;
}

export const countLinks = (text: string) => text.match(linkPattern)?.length ?? 0;

/**
 * What the rules decide for a new comment. A rejecting term outweighs everything; then the
 * first rule that holds it, in the order: banned terms, links, the author's first comments.
 */
export function judge(body: string, rules: ModerationRules, circumstances: Circumstances): Verdict {
  const rejecting = findBannedTerm(
    body,
    rules.bannedTerms.filter((term) => term.action === 'REJECT'),
  );
  if (rejecting) return { action: 'REJECT', rule: 'BANNED_TERM', detail: `contains "${rejecting.pattern}"` };
  const holding = findBannedTerm(
    body,
    rules.bannedTerms.filter((term) => term.action === 'HOLD'),
  );
  if (holding) return { action: 'HOLD', rule: 'BANNED_TERM', detail: `contains "${holding.pattern}"` };
  if (rules.maxLinks !== null) {
    const links = countLinks(body);
    if (links > rules.maxLinks) return { action: 'HOLD', rule: 'LINKS', detail: `${links} links; more than ${rules.maxLinks} are held` };
  }
  if (circumstances.authorPublished < rules.holdFirstComments) {
    return { action: 'HOLD', rule: 'FIRST_COMMENTS', detail: `the author's first ${rules.holdFirstComments} comments are held` };
  }
  return { action: 'PUBLISH' };
}
