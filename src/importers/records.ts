/** Plain records an importer produces from a foreign export; `load.ts` writes them. */

export interface AuthorRecord {
  /** The author's key in the source (for the text format, the slug of the name): the import identity is `<source>:<handle>`. */
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

export interface CommentRecord {
  number: number;
  author: AuthorRecord;
  body: string;
  parentNumber: number | null;
  /** Handles (keys in the source) of mentioned authors, in body order, without repeats. */
  mentions: string[];
  /** `@words` that named nobody in the thread; kept as plain text. */
  unresolvedMentions: string[];
  quotes: QuoteRecord[];
  createdAt: Date | null;
}

export interface ThreadRecord {
  /** The kind of export the thread came from (`text`): it namespaces the authors' identities. */
  source: string;
  article: {
    slug: string;
    title: string;
    body: string;
    publishedAt: Date | null;
    author: AuthorRecord;
    tags: { slug: string; name: string }[];
  };
  comments: CommentRecord[];
}

/** A problem with the input file, with the 1-based line it was found on when there is one. */
export class ImportFormatError extends Error {
  override name = 'ImportFormatError';
  constructor(
    message: string,
    readonly line: number | null = null,
  ) {
    super(line == null ? message : `line ${line}: ${message}`);
  }
}

/** A URL- and handle-safe form of a name: "Tomás Reyes" → "tomas-reyes". */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['’‘`]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
