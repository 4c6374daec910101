// Pre-moderation rules (issue 14, item 3), on their own: banned terms that no pattern can make
// slow, links, and an author's first comments.
import { describe, expect, it } from 'vitest';
import {
  type BannedTerm,
  countLinks,
  findBannedTerm,
  globMatches,
  judge,
  type ModerationRules,
  normalizeForRules,
  unacceptableTerm,
} from '../../src/domain/moderation-rules.js';

const none: ModerationRules = { holdFirstComments: 0, maxLinks: null, bannedTerms: [] };
const term = (pattern: string, action: BannedTerm['action'] = 'HOLD'): BannedTerm => ({ pattern, action });

describe('banned terms', () => {
  it('match whole words, case-insensitively and Unicode-normalised, through invisible characters', () => {
    const terms = [term('spam')];
    expect(findBannedTerm('Buy SPAM now', terms)).toEqual(terms[0]);
    expect(findBannedTerm('Buy ＳＰＡＭ now', terms)).toEqual(terms[0]); // fullwidth letters, NFKC
    expect(findBannedTerm('Buy sp\u200bam now', terms)).toEqual(terms[0]); // a zero-width space inside
    expect(findBannedTerm('Buy s\u00adpam now', terms)).toEqual(terms[0]); // a soft hyphen inside
    expect(findBannedTerm('Spamalot is a musical', terms)).toBeNull(); // not a whole word
  });

  it('take * for any run of letters and digits within a word, and several words in a row', () => {
    expect(findBannedTerm('cheap pills here', [term('pill*')])).not.toBeNull();
    expect(findBannedTerm('cheap pill here', [term('pill*')])).not.toBeNull();
    expect(findBannedTerm('a spillway', [term('pill*')])).toBeNull();
    expect(findBannedTerm('Click   HERE\nnow', [term('click here')])).not.toBeNull();
    expect(findBannedTerm('click, then go here', [term('click here')])).toBeNull();
  });

  it('cannot be made slow: a pathological pattern against a long word finishes', () => {
    // A backtracking regular expression of this shape (/a.*a.*…c/) would not finish within the
    // test's timeout on these words; the glob matcher backtracks to its last * only.
    const word = `${'a'.repeat(10_000)}b`;
    expect(globMatches('a*a*a*a*a*a*a*a*c', word)).toBe(false);
    expect(findBannedTerm(`${word} `.repeat(5), [term('*a*a*a*a*a*a*a*a*c')])).toBeNull();
    expect(globMatches('a*a*a*b', word)).toBe(true);
  });

  it('refuse patterns that are too long, too many words, empty, or a bare *', () => {
    expect(unacceptableTerm('x'.repeat(65))).toMatch(/limit is 64/);
    expect(unacceptableTerm('a b c d e f g h i')).toMatch(/limit is 8/);
    expect(unacceptableTerm('!!!')).toMatch(/no letters or digits/);
    expect(unacceptableTerm('buy *')).toMatch(/only "\*"/);
    expect(unacceptableTerm('buy pill*')).toBeNull();
  });

  it('normalise text as they match it', () => {
    expect(normalizeForRules('Ｆｕｌｌ\u200bwidth ÉCOLE')).toBe('fullwidth école');
  });
});

describe('judge', () => {
  it('publishes what no rule catches', () => {
    expect(judge('A fine comment.', none, { authorPublished: 0 })).toEqual({ action: 'PUBLISH' });
  });

  it('rejects on a rejecting term before anything holds', () => {
    const rules: ModerationRules = { holdFirstComments: 5, maxLinks: 0, bannedTerms: [term('scam', 'REJECT'), term('cheap')] };
    expect(judge('cheap scam at https://x.example', rules, { authorPublished: 0 })).toEqual({
      action: 'REJECT',
      rule: 'BANNED_TERM',
      detail: 'contains "scam"',
    });
  });

  it('holds on a holding term, then on too many links, then an author’s first comments, naming the rule', () => {
    const rules: ModerationRules = { holdFirstComments: 2, maxLinks: 1, bannedTerms: [term('cheap')] };
    expect(judge('cheap', rules, { authorPublished: 9 })).toMatchObject({ action: 'HOLD', rule: 'BANNED_TERM' });
    expect(judge('see https://a.example and www.b.example', rules, { authorPublished: 9 })).toMatchObject({
      action: 'HOLD',
      rule: 'LINKS',
      detail: '2 links; more than 1 are held',
    });
    expect(judge('see https://a.example', rules, { authorPublished: 1 })).toMatchObject({ action: 'HOLD', rule: 'FIRST_COMMENTS' });
    expect(judge('see https://a.example', rules, { authorPublished: 2 })).toEqual({ action: 'PUBLISH' });
  });

  it('counts links written with a scheme or starting with www.', () => {
    expect(countLinks('https://a.example, http://b.example/x and www.c.example but not example.org')).toBe(3);
  });
});
