/**
 * Where a reader's selection lies in a comment's plain-text body, in the UTF-16 offsets
 * `QuoteInput` takes. The page shows the body rendered (paragraphs, links, quotes of other
 * comments), so the selected text is found in the body again: whitespace may differ (a
 * paragraph break reads as a newline or nothing), nothing else may. When the words occur more
 * than once, the reader's occurrence is the one preceded by as many occurrences in the
 * rendered text as in the body.
 */

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A pattern for `text` in which whitespace counts for nothing: any run of it, or none, may
 * stand between two characters (the rendered text runs paragraphs together, a selection's text
 * may not).
 */
function pattern(text: string): RegExp {
  return new RegExp([...text.replace(/\s+/gu, '')].map(escapeRegExp).join('\\s*'), 'gu');
}

function occurrences(re: RegExp, text: string): { start: number; end: number }[] {
  const found: { start: number; end: number }[] = [];
  re.lastIndex = 0;
  for (let match = re.exec(text); match; match = re.exec(text)) {
    if (match[0] === '') {
      re.lastIndex++;
      continue;
    }
    found.push({ start: match.index, end: match.index + match[0].length });
  }
  return found;
}

/**
 * The span of `body` that the reader selected: `selected` is the selection's text, `before`
 * the rendered text of the comment up to where the selection starts. Null when the selection
 * is not the comment's own words (only whitespace, or text of a quote the body does not repeat).
 */
export function quoteSpan(body: string, selected: string, before: string): { start: number; end: number } | null {
  if (selected.trim() === '') return null;
  const re = pattern(selected);
  const inBody = occurrences(re, body);
  if (inBody.length === 0) return null;
  const earlier = occurrences(re, before).length;
  return inBody[Math.min(earlier, inBody.length - 1)] ?? null;
}
