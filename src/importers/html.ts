/**
 * Comment HTML as Threadline's text: paragraphs and line breaks kept, a link kept as its URL
 * (after its words when they differ), images as their alt text, scripts and styles dropped,
 * everything else reduced to its text. `<blockquote>`s are remembered as passages, so the
 * thread can tell which earlier comment they quote.
 *
 * `newlines: 'paragraphs'` reads raw newlines as WordPress shows them (a blank line is a
 * paragraph, a newline a line break: comment text is stored unformatted and formatted on
 * display); `'spaces'` reads them as HTML does (Disqus stores formatted HTML).
 */
import { Parser } from 'htmlparser2';
import type { Passage } from './infer.js';

export interface HtmlText {
  text: string;
  /** Where each outermost `<blockquote>`'s text is in `text`. */
  quotes: Passage[];
}

const blocks = new Set([
  'p',
  'div',
  'blockquote',
  'ul',
  'ol',
  'li',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'pre',
  'table',
  'tr',
  'section',
  'article',
  'header',
  'footer',
  'figure',
  'figcaption',
  'hr',
  'dl',
  'dt',
  'dd',
  'address',
  'aside',
  'details',
  'summary',
]);
const dropped = new Set(['script', 'style', 'template', 'noscript', 'iframe', 'object', 'svg', 'head', 'title']);

const sameUrl = (words: string, href: string) => {
  const plain = (url: string) =>
    url
      .trim()
      .replace(/^https?:\/\//i, '')
      .replace(/^www\./i, '')
      .replace(/\/+$/, '')
      .toLowerCase();
  return plain(words) === plain(href);
};

export function htmlToText(html: string, newlines: 'paragraphs' | 'spaces'): HtmlText {
  let out = '';
  /** Newlines owed before the next words: 1 a line break, 2 a paragraph. */
  let owed = 0;
  let skipping = 0;
  let pre = 0;
  let quoteDepth = 0;
  let quoteStart: number | null = null;
  const quotes: Passage[] = [];
  const links: { href: string; start: number }[] = [];

  const owe = (count: number) => {
    owed = Math.min(2, Math.max(owed, count));
  };
  const emit = (raw: string) => {
    const breaking = out !== '' && owed > 0;
    const words = breaking || out === '' || /\s$/.test(out) ? raw.replace(/^[ \t]+/, '') : raw;
    if (words === '') return;
    if (breaking) out = out.replace(/[ \t]+$/, '') + '\n'.repeat(owed);
    owed = 0;
    if (quoteDepth > 0 && quoteStart === null) quoteStart = out.length;
    out += words;
  };
  const emitText = (raw: string) => {
    if (pre > 0) {
      const lines = raw.split('\n');
      lines.forEach((line, index) => {
        if (index > 0) owe(owed + 1);
        emit(line);
      });
      return;
    }
    if (newlines === 'spaces') {
      const words = raw.replace(/\s+/g, ' ');
      if (words.trim() !== '' || (out !== '' && !/\s$/.test(out))) emit(words === ' ' && owed > 0 ? '' : words);
      return;
    }
    // WordPress: runs of newlines are breaks, a blank line a paragraph.
    const parts = raw.split(/(\r?\n(?:[ \t]*\r?\n)*)/);
    parts.forEach((part, index) => {
      if (index % 2 === 1) {
        owe((part.match(/\n/g) ?? []).length >= 2 ? 2 : 1);
        return;
      }
      const words = part.replace(/[ \t\f\v\u00a0]+/g, (m) => (m.includes('\u00a0') ? m.replace(/[ \t\f\v]+/g, ' ') : ' '));
      if (words.trim() !== '') emit(words);
      else if (words !== '' && out !== '' && owed === 0 && !/\s$/.test(out)) emit(' ');
    });
  };

  // Most comments are plain text: no markup and no entities to decode, so no parser either.
  if (!/[<&]/.test(html)) {
    emitText(html);
    const text = out.trimEnd();
    return { text, quotes: [] };
  }

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (skipping > 0 || dropped.has(name)) {
          skipping++;
          return;
        }
        if (name === 'br') owe(owed + 1);
        else if (blocks.has(name)) owe(2);
        if (name === 'pre') pre++;
        if (name === 'blockquote' && quoteDepth++ === 0) quoteStart = null;
        if (name === 'a') links.push({ href: attributes.href?.trim() ?? '', start: out.length });
        if (name === 'img' && attributes.alt?.trim()) emit(attributes.alt.trim());
      },
      ontext(text) {
        if (skipping === 0) emitText(text);
      },
      onclosetag(name) {
        if (skipping > 0) {
          skipping--;
          return;
        }
        if (name === 'a') {
          const link = links.pop();
          if (link && /^(https?|mailto|ftp):/i.test(link.href)) {
            const words = out.slice(link.start);
            if (words.trim() === '') emit(link.href);
            else if (!sameUrl(words, link.href)) emit(` (${link.href})`);
          }
        }
        if (name === 'pre') pre--;
        if (name === 'blockquote' && --quoteDepth === 0) {
          if (quoteStart !== null) quotes.push({ start: quoteStart, end: out.replace(/\s+$/, '').length });
          quoteStart = null;
        }
        if (blocks.has(name)) owe(2);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();

  const text = out.trimEnd();
  return { text, quotes: quotes.map((q) => ({ start: q.start, end: Math.min(q.end, text.length) })).filter((q) => q.end > q.start) };
}
