/**
 * Plain records an importer produces from a foreign export; `load.ts` writes them. Nothing here
 * knows a format: each parser (text.ts, wxr.ts, disqus.ts, json.ts) fills these.
 */

export interface AuthorRecord {
  /**
   * The author's key in the source: the import identity is `<source>:<handle>`. The text format
   * uses the slug of the name; WordPress and Disqus a hash of the email when there is one.
   */
  handle: string;
  name: string;
  bio: string | null;
}

export interface QuoteRecord {
  /** Number of the quoted comment in the same thread. */
  quotedNumber: number;
  text: string;
  /** UTF-16 offsets of `text` in the quoted comment's body. */
  start: number;
  end: number;
  /** UTF-16 offsets of the pasted quote in the quoting comment's body. */
  bodyStart: number | null;
  bodyEnd: number | null;
}

/**
 * What a comment is in its source, and so what readers see of it here: `pending` (awaiting
 * approval) and `spam` (kept only when asked) are hidden, readable by moderators; `deleted` is a
 * tombstone that keeps its replies in place.
 */
export type CommentStatus = 'published' | 'pending' | 'spam' | 'deleted';

export interface CommentRecord {
  /** Position in the file's thread, in posting order, from 1: replies and quotes refer to it. */
  number: number;
  /** The comment's id in its source; unique in its thread. */
  sourceKey: string;
  author: AuthorRecord;
  body: string;
  parentNumber: number | null;
  status: CommentStatus;
  /** Handles (keys in the source) of mentioned authors, in body order, without repeats. */
  mentions: string[];
  /** `@words` that named nobody in the thread; kept as plain text. */
  unresolvedMentions: string[];
  quotes: QuoteRecord[];
  createdAt: Date | null;
}

/** What a parser read but did not make into a comment, per thread, for the import's report. */
export interface ThreadReport {
  pingbacks: number;
  /** Spam and trash that were left out (`--include-spam` keeps them, hidden). */
  spamLeftOut: number;
  /** Replies whose parent was left out (spam, trash, a pingback): attached to its nearest kept ancestor. */
  orphans: number;
  /** Replies whose parent is not in the file at all: made top-level comments. */
  unresolvedParents: number;
  /** Replies deeper than threads nest here: attached to their ancestor at the deepest level. */
  flattened: number;
  warnings: string[];
}

export const emptyReport = (): ThreadReport => ({
  pingbacks: 0,
  spamLeftOut: 0,
  orphans: 0,
  unresolvedParents: 0,
  flattened: 0,
  warnings: [],
});

export interface ThreadRecord {
  /** The kind of export the thread came from (`text`, `wxr`, `disqus`): it namespaces the authors' identities. */
  source: string;
  /**
   * `file`: the comments' numbers are the thread's own (the text format numbers them), and a
   * comment already stored under a number must be the file's. `append`: numbers are handed out
   * after the article's last one, and comments already imported are found by their source key.
   */
  numbering: 'file' | 'append';
  article: {
    /** Where the article came from in its source, site included; null finds it by slug. */
    sourceKey: string | null;
    slug: string;
    title: string;
    body: string;
    publishedAt: Date | null;
    /** Not published in its source (a draft, a private or password-protected post): only moderators see it. */
    draft: boolean;
    author: AuthorRecord;
    tags: { slug: string; name: string }[];
  };
  comments: CommentRecord[];
  report: ThreadReport;
}

/** A parsed export: its threads, read as they are iterated, and what the file held that became no comment. */
export interface ParsedExport {
  threads: AsyncIterable<ThreadRecord> | Iterable<ThreadRecord>;
  /** Pingbacks, spam, posts without threads…: filled as `threads` is read. */
  report: ThreadReport;
}

/** A problem with the input file, with the 1-based line (and column) it was found at when there is one. */
export class ImportFormatError extends Error {
  override name = 'ImportFormatError';
  constructor(
    message: string,
    readonly line: number | null = null,
    readonly column: number | null = null,
  ) {
    super(line == null ? message : column == null ? `line ${line}: ${message}` : `line ${line}, column ${column}: ${message}`);
  }
}

export { slugify } from '../domain/slugs.js';

/**
 * A string of its own, for text kept longer than the chunk of the file it was read from: V8 may
 * hold a substring as a view of its source, and one kept view keeps the whole chunk alive.
 */
export const ownString = (text: string): string => (text.length === 0 ? '' : Buffer.from(text, 'utf8').toString('utf8'));
