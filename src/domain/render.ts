import linkifyStr from 'linkify-string';
import sanitizeHtml from 'sanitize-html';

/**
 * A quote of a comment: where it was pasted into the body (imported threads), or else its
 * snapshot `text` (quotes posted through the API, which the body does not repeat).
 */
export interface QuoteMark {
  bodyStart: number | null;
  bodyEnd: number | null;
  quotedNumber: number;
  /** The quoted text to show when it is not in the body; empty when the reader may not see it. */
  text?: string;
}

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

function paragraphs(text: string): string {
  return text
    .split(/\n[ \t]*\n+/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '')
    .map((paragraph) => {
      const html = linkifyStr(paragraph, {
        nl2br: true,
        defaultProtocol: 'https',
        rel: 'nofollow ugc noopener',
        validate: { url: (value) => /^(https?:\/\/|www\.)/i.test(value) },
      });
      return `<p>${html}</p>`;
    })
    .join('');
}

/** Ranges of the body that hold pasted quotes, in order, dropping any that are out of range or overlap. */
function quoteRanges(body: string, quotes: readonly QuoteMark[]) {
  const ranges = quotes
    .filter(
      (q): q is QuoteMark & { bodyStart: number; bodyEnd: number } =>
        q.bodyStart != null && q.bodyEnd != null && q.bodyStart >= 0 && q.bodyStart < q.bodyEnd && q.bodyEnd <= body.length,
    )
    .sort((a, b) => a.bodyStart - b.bodyStart);
  const kept: typeof ranges = [];
  for (const range of ranges) {
    const previous = kept[kept.length - 1];
    if (!previous || range.bodyStart >= previous.bodyEnd) kept.push(range);
  }
  return kept;
}

/**
 * Renders a plain-text comment body as safe HTML: paragraphs, line breaks and links, with
 * pasted quotes as blockquotes that link to the quoted comment (`#comment-<number>`).
 */
function blockquote(text: string, quotedNumber: number, inBody: boolean): string {
  const anchor = escapeAttribute(`#comment-${quotedNumber}`);
  // `quote-snapshot`: the words are the source's, not the body's (a widget counting offsets in the body skips them).
  return (
    `<blockquote class="${inBody ? 'quote' : 'quote quote-snapshot'}" cite="${anchor}">${paragraphs(text)}` +
    `<footer><a class="quote-source" href="${anchor}">#${quotedNumber}</a></footer></blockquote>`
  );
}

export function renderBodyHtml(body: string, quotes: readonly QuoteMark[] = []): string {
  // Quotes the body does not hold come first, as a reply's quotes usually stand above it.
  let html = quotes
    .filter((quote) => quote.bodyStart == null && quote.text)
    .map((quote) => blockquote(quote.text!, quote.quotedNumber, false))
    .join('');
  let position = 0;
  for (const quote of quoteRanges(body, quotes)) {
    html += paragraphs(body.slice(position, quote.bodyStart));
    html += blockquote(body.slice(quote.bodyStart, quote.bodyEnd), quote.quotedNumber, true);
    position = quote.bodyEnd;
  }
  html += paragraphs(body.slice(position));
  return sanitize(html);
}

function sanitize(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: ['p', 'br', 'a', 'blockquote', 'footer'],
    allowedAttributes: { a: ['href', 'rel', 'class'], blockquote: ['class', 'cite'] },
    allowedSchemes: ['http', 'https'],
    allowedSchemesAppliedToAttributes: ['href', 'cite'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'escape',
  });
}
