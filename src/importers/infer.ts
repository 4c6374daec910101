/**
 * What an export does not say but its text shows, the same for every format: which earlier
 * comment a pasted passage quotes (the exact span), which commenters an `@Name` mentions, and
 * where a reply goes when its parent was left out or never existed. See "How import works" in
 * the README.
 */
import { maxThreadDepth } from '../domain/limits.js';
import type { AuthorRecord, CommentRecord, CommentStatus, QuoteRecord, ThreadReport } from './records.js';

/** A pasted passage shorter than this many words is not taken for a quote. */
export const minQuoteWords = 4;
const quoteMarks = '"“”„‘’\'«»';

/** A span of a body, as UTF-16 offsets. */
export interface Passage {
  start: number;
  end: number;
}

export interface EarlierComment {
  number: number;
  body: string;
}

export const isWordChar = (char: string | undefined) => char !== undefined && /[\p{L}\p{N}_]/u.test(char);

/** Strips whitespace and the quote marks a quoter adds around a pasted passage. */
function unwrapQuote(text: string, offset: number): { text: string; start: number } {
  let start = 0;
  let end = text.length;
  while (start < end && (/\s/.test(text[start]!) || quoteMarks.includes(text[start]!))) start++;
  while (end > start && (/\s/.test(text[end - 1]!) || quoteMarks.includes(text[end - 1]!))) end--;
  return { text: text.slice(start, end), start: offset + start };
}

/** The comment a passage was taken from: the replied-to comment if it holds it, else the earliest that does. */
function sourceOf(
  text: string,
  parentNumber: number | null,
  earlier: readonly EarlierComment[],
  byNumber: ReadonlyMap<number, EarlierComment>,
): EarlierComment | undefined {
  const parent = parentNumber == null ? undefined : byNumber.get(parentNumber);
  if (parent?.body.includes(text)) return parent;
  return earlier.find((candidate) => candidate.body.includes(text));
}

function quoteOf(
  body: string,
  passage: Passage,
  parentNumber: number | null,
  earlier: readonly EarlierComment[],
  byNumber: ReadonlyMap<number, EarlierComment>,
): QuoteRecord | null {
  const pasted = body.slice(passage.start, passage.end);
  const trimmedStart = passage.start + (pasted.length - pasted.trimStart().length);
  const trimmedEnd = passage.start + pasted.trimEnd().length;
  // The passage as written first: a quote mark may belong to the source's own text.
  const candidates = [
    { text: body.slice(trimmedStart, trimmedEnd), start: trimmedStart },
    unwrapQuote(body.slice(trimmedStart, trimmedEnd), trimmedStart),
  ];
  for (const candidate of candidates) {
    if (candidate.text.split(/\s+/).filter(Boolean).length < minQuoteWords) continue;
    const source = sourceOf(candidate.text, parentNumber, earlier, byNumber);
    if (!source) continue;
    const start = source.body.indexOf(candidate.text);
    return {
      quotedNumber: source.number,
      text: candidate.text,
      start,
      end: start + candidate.text.length,
      bodyStart: trimmedStart,
      bodyEnd: trimmedEnd,
    };
  }
  return null;
}

/**
 * The quotes among a body's pasted passages: each passage found word for word in an earlier
 * comment of the thread (the replied-to one first) is a quote of that span. A passage of
 * several paragraphs that is not found whole is tried paragraph by paragraph.
 */
export function findQuotes(
  body: string,
  passages: readonly Passage[],
  parentNumber: number | null,
  earlier: readonly EarlierComment[],
  byNumber: ReadonlyMap<number, EarlierComment> = new Map(earlier.map((c) => [c.number, c])),
): QuoteRecord[] {
  const quotes: QuoteRecord[] = [];
  for (const passage of passages) {
    if (passage.start >= passage.end) continue;
    const whole = quoteOf(body, passage, parentNumber, earlier, byNumber);
    if (whole) {
      quotes.push(whole);
      continue;
    }
    const text = body.slice(passage.start, passage.end);
    if (!text.includes('\n\n')) continue;
    let offset = passage.start;
    for (const paragraph of text.split('\n\n')) {
      const quote = quoteOf(body, { start: offset, end: offset + paragraph.length }, parentNumber, earlier, byNumber);
      if (quote) quotes.push(quote);
      offset += paragraph.length + 2;
    }
  }
  return quotes;
}

/**
 * The thread's commenters by name, for `@Name` in bodies: the longest name that matches wins
 * (`@Ines Varga` is not `@Ines`), case aside, and only at a word's end.
 */
export class CommenterNames {
  private readonly names: string[] = [];
  private readonly known = new Set<string>();

  add(name: string): void {
    const key = name.toLowerCase();
    if (key === '' || this.known.has(key)) return;
    this.known.add(key);
    // Longest first: inserted before the first shorter name.
    const at = this.names.findIndex((name) => name.length < key.length);
    this.names.splice(at < 0 ? this.names.length : at, 0, key);
  }

  /** The lowercased name written at `position` of `text`, if any. */
  at(text: string, position: number): string | undefined {
    for (const name of this.names) {
      const candidate = text.slice(position, position + name.length);
      if (candidate.toLowerCase() === name && !isWordChar(text[position + name.length])) return name;
    }
    return undefined;
  }

  /**
   * The names `@`-mentioned in a body (lowercased, in order) and the `@words` that named nobody;
   * `skip` holds positions of `@`s already taken (the text format's leading `@Name:` replies).
   */
  mentionsIn(body: string, skip: ReadonlySet<number> = new Set()): { names: string[]; unresolved: string[] } {
    const names: string[] = [];
    const unresolved: string[] = [];
    for (let position = body.indexOf('@'); position >= 0; position = body.indexOf('@', position + 1)) {
      if (skip.has(position) || isWordChar(body[position - 1])) continue;
      const name = this.at(body, position + 1);
      if (name) {
        names.push(name);
        continue;
      }
      const word = body
        .slice(position + 1)
        .match(/^[\p{L}\p{N}_][\p{L}\p{N}_.'’-]*/u)?.[0]
        ?.replace(/[.'’-]+$/, '');
      if (word) unresolved.push(word);
    }
    return { names, unresolved: [...new Set(unresolved)] };
  }
}

/** A comment as a structured export (WordPress, Disqus) gives it, before the thread is put together. */
export interface SourceComment {
  sourceKey: string;
  /** The source's id of the comment this one replies to. */
  parentKey: string | null;
  author: AuthorRecord;
  body: string;
  /** Spans of `body` that were marked as quoted (an HTML `<blockquote>`). */
  passages: Passage[];
  createdAt: Date | null;
  status: CommentStatus;
}

const byPostingOrder = (a: SourceComment, b: SourceComment) => {
  const at = a.createdAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const bt = b.createdAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (at !== bt) return at < bt ? -1 : 1;
  // Ids of one source grow with time: a numeric id breaks a tie of dates.
  const an = Number(a.sourceKey);
  const bn = Number(b.sourceKey);
  if (Number.isFinite(an) && Number.isFinite(bn) && an !== bn) return an - bn;
  return 0;
};

/**
 * Puts a structured export's comments together as a thread: numbered in posting order; a reply
 * whose parent was left out (`leftOut`: its source key → that comment's own parent key) goes to
 * its nearest kept ancestor, one whose parent is nowhere in the file becomes top-level, and one
 * nested deeper than threads go here is attached at the deepest level, each counted in
 * `report`; then mentions and quotes are inferred from the text.
 */
export function assembleThread(
  comments: readonly SourceComment[],
  leftOut: ReadonlyMap<string, string | null>,
  report: ThreadReport,
): CommentRecord[] {
  const ordered = [...comments].sort(byPostingOrder);
  const numberOf = new Map<string, number>();
  for (const [index, comment] of ordered.entries()) {
    if (numberOf.has(comment.sourceKey)) {
      report.warnings.push(`comment ${comment.sourceKey} appears twice in its thread; the second was left out`);
      continue;
    }
    numberOf.set(comment.sourceKey, index + 1);
  }
  const kept = ordered.filter((comment, index) => numberOf.get(comment.sourceKey) === index + 1);
  // Renumber without the gaps duplicates left.
  for (const [index, comment] of kept.entries()) numberOf.set(comment.sourceKey, index + 1);

  const parentOf = new Map<number, number | null>();
  for (const comment of kept) {
    const number = numberOf.get(comment.sourceKey)!;
    let key = comment.parentKey;
    let orphan = false;
    const seen = new Set<string>();
    while (key != null && !numberOf.has(key) && !seen.has(key)) {
      seen.add(key);
      if (!leftOut.has(key)) {
        report.unresolvedParents++;
        report.warnings.push(`comment ${comment.sourceKey} replies to ${key}, which is not in the file: it was made a top-level comment`);
        key = null;
        break;
      }
      orphan = true;
      key = leftOut.get(key) ?? null;
    }
    if (key != null && !numberOf.has(key)) key = null;
    if (orphan) report.orphans++;
    const parent = key == null ? null : numberOf.get(key)!;
    parentOf.set(number, parent === number ? null : parent);
  }

  // Depths, breaking any cycle of replies (a corrupt export) at the comment that closes it.
  const depth = new Map<number, number>();
  const depthOf = (start: number): number => {
    const chain: number[] = [];
    const onChain = new Set<number>();
    let current: number | null = start;
    while (current != null && !depth.has(current)) {
      if (onChain.has(current)) {
        report.warnings.push(`comments ${chain.join(', ')} reply to each other in a circle: comment ${current} was made top-level`);
        parentOf.set(current, null);
        depth.set(current, 0);
        break;
      }
      onChain.add(current);
      chain.push(current);
      current = parentOf.get(current) ?? null;
    }
    for (let index = chain.length - 1; index >= 0; index--) {
      const number = chain[index]!;
      if (depth.has(number)) continue;
      let parent = parentOf.get(number) ?? null;
      if (parent != null && depth.get(parent)! >= maxThreadDepth) {
        while (parent != null && depth.get(parent)! >= maxThreadDepth) parent = parentOf.get(parent) ?? null;
        parentOf.set(number, parent);
        report.flattened++;
      }
      depth.set(number, parent == null ? 0 : depth.get(parent)! + 1);
    }
    return depth.get(start)!;
  };
  for (const number of parentOf.keys()) depthOf(number);

  const names = new CommenterNames();
  const handleByName = new Map<string, string>();
  const earlier: EarlierComment[] = [];
  const byNumber = new Map<number, EarlierComment>();
  return kept.map((comment) => {
    const number = numberOf.get(comment.sourceKey)!;
    const parentNumber = parentOf.get(number) ?? null;
    const mentioned = names.mentionsIn(comment.body);
    const mentions = [...new Set(mentioned.names.map((name) => handleByName.get(name)!))].filter(
      (handle) => handle !== comment.author.handle,
    );
    const quotes = findQuotes(comment.body, comment.passages, parentNumber, earlier, byNumber);
    const entry = { number, body: comment.body };
    earlier.push(entry);
    byNumber.set(number, entry);
    names.add(comment.author.name);
    if (!handleByName.has(comment.author.name.toLowerCase())) handleByName.set(comment.author.name.toLowerCase(), comment.author.handle);
    return {
      number,
      sourceKey: comment.sourceKey,
      author: comment.author,
      body: comment.body,
      parentNumber,
      status: comment.status,
      mentions,
      unresolvedMentions: mentioned.unresolved,
      quotes,
      createdAt: comment.createdAt,
    };
  });
}
