// Where a reader's selection lies in a comment's body, found from the rendered text.
import { describe, expect, it } from 'vitest';
import { quoteSpan } from '../../src/widget/quote.js';

const body = 'The ferry leaves at nine.\n\nIf the ferry leaves at nine, we miss it.\nSee https://example.org/ferry';

describe('quoteSpan', () => {
  it('finds words selected within a paragraph at their offsets in the body', () => {
    const span = quoteSpan(body, 'leaves at nine', 'The ferry ');
    expect(span).toEqual({ start: 10, end: 24 });
    expect(body.slice(span!.start, span!.end)).toBe('leaves at nine');
  });

  it('takes the occurrence the reader selected when the words occur twice', () => {
    // The rendered text runs paragraphs together: nothing stands for the blank line.
    const span = quoteSpan(body, 'ferry leaves at nine', 'The ferry leaves at nine.If the ');
    expect(body.slice(span!.start, span!.end)).toBe('ferry leaves at nine');
    expect(span!.start).toBe(body.lastIndexOf('ferry leaves at nine'));
  });

  it('spans a paragraph break however the browser wrote it', () => {
    for (const selected of ['nine.\n\nIf the', 'nine.\nIf the', 'nine.If the']) {
      const span = quoteSpan(body, selected, 'The ferry leaves at ');
      expect(body.slice(span!.start, span!.end)).toBe('nine.\n\nIf the');
    }
  });

  it('treats characters that mean something in patterns as text, and counts UTF-16 units', () => {
    const text = 'Costs (roughly) $5.00? Yes 😀 really.';
    const span = quoteSpan(text, '$5.00? Yes 😀 really', 'Costs (roughly) ');
    expect(span).toEqual({ start: text.indexOf('$'), end: text.indexOf('really') + 'really'.length });
  });

  it('refuses a selection of whitespace or of words the body does not hold', () => {
    expect(quoteSpan(body, '  \n ', '')).toBeNull();
    expect(quoteSpan(body, 'quoted from another comment', '')).toBeNull();
  });
});
