/**
 * The plain-text thread format: a title line; the article body up to `FILED UNDER: a, b`;
 * the author's name, `About <name>` and a bio; then comments, each `N. <Name> says:` followed
 * by indented paragraphs. Replies, mentions and quotes are recovered from the text (see README).
 */
import { createHash } from 'node:crypto';
import { slugify } from '../domain/slugs.js';
import { CommenterNames, type EarlierComment, findQuotes } from './infer.js';
import { type AuthorRecord, type CommentRecord, emptyReport, ImportFormatError, type ThreadRecord } from './records.js';

const headerPattern = /^([ \t]*)(\d+)\.[ \t]+(.+?)[ \t]+says:[ \t]*$/;
const filedUnderPattern = /^FILED UNDER:(.*)$/;
/** Comment headers are indented less than this; their paragraphs more. */
const bodyIndent = 4;

interface RawComment {
  number: number;
  name: string;
  line: number;
  body: string;
  /** Offsets in `body` where each paragraph starts and ends. */
  paragraphs: { start: number; end: number }[];
}

const indentOf = (line: string) => (line.match(/^[ \t]*/)?.[0] ?? '').replace(/\t/g, '    ').length;
const isBlank = (line: string) => line.trim() === '';

function joinParagraphs(lines: string[]): { text: string; paragraphs: { start: number; end: number }[] } {
  const blocks: string[][] = [[]];
  for (const line of lines) {
    if (isBlank(line)) blocks.push([]);
    else blocks[blocks.length - 1]!.push(line.trimEnd());
  }
  let text = '';
  const paragraphs: { start: number; end: number }[] = [];
  for (const block of blocks.filter((b) => b.length > 0)) {
    if (text !== '') text += '\n\n';
    const start = text.length;
    text += block.join('\n');
    paragraphs.push({ start, end: text.length });
  }
  return { text, paragraphs };
}

function dedent(lines: string[]): string[] {
  const indents = lines.filter((line) => !isBlank(line)).map(indentOf);
  const common = indents.length ? Math.min(...indents) : 0;
  return lines.map((line) => line.replace(/\t/g, '    ').slice(common));
}

function authorFor(name: string, bio: string | null = null): AuthorRecord {
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  const slug = slugify(name);
  // An identity's key is at most 100 characters; a longer name keeps its start and a hash of the whole.
  const handle = slug === '' ? `author-${hash}` : slug.length > 80 ? `${slug.slice(0, 69).replace(/-+$/, '')}-${hash}` : slug;
  return { handle, name, bio };
}

/** Parses the text format; throws ImportFormatError naming the offending line. */
export function parseTextThread(source: string): ThreadRecord {
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  const lineNo = (index: number) => index + 1;
  const i = lines.findIndex((line) => !isBlank(line));
  if (i < 0) throw new ImportFormatError('the file is empty');

  const title = lines[i]!.trim();
  if (filedUnderPattern.test(title) || headerPattern.test(lines[i]!)) {
    throw new ImportFormatError('expected the article title on the first line', lineNo(i));
  }
  const filed = lines.findIndex((line, index) => index > i && filedUnderPattern.test(line.trim()));
  if (filed < 0) {
    throw new ImportFormatError(`expected a line "FILED UNDER: tag, tag" after the article body; the file ended first`, lines.length);
  }
  const articleBody = joinParagraphs(lines.slice(i + 1, filed).map((line) => line.trim())).text;
  if (articleBody === '') throw new ImportFormatError('the article has no body before "FILED UNDER:"', lineNo(filed));
  const tagNames = (lines[filed]!.trim().match(filedUnderPattern)?.[1] ?? '')
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
  const tags = [...new Map(tagNames.map((name) => [slugify(name), { slug: slugify(name), name }])).values()].filter(
    (tag) => tag.slug !== '',
  );

  const next = (from: number) => {
    let index = from;
    while (index < lines.length && isBlank(lines[index]!)) index++;
    return index;
  };
  const isHeader = (line: string) => headerPattern.test(line) && indentOf(line) < bodyIndent;

  const nameLine = next(filed + 1);
  if (nameLine >= lines.length || isHeader(lines[nameLine]!)) {
    throw new ImportFormatError(`expected the article author's name after "FILED UNDER:"`, lineNo(Math.min(nameLine, lines.length - 1)));
  }
  const authorName = lines[nameLine]!.trim();
  const aboutLine = next(nameLine + 1);
  if (aboutLine >= lines.length || lines[aboutLine]!.trim() !== `About ${authorName}`) {
    throw new ImportFormatError(`expected "About ${authorName}" after the author's name`, lineNo(Math.min(aboutLine, lines.length - 1)));
  }
  let cursor = aboutLine + 1;
  const bioLines: string[] = [];
  while (cursor < lines.length && !isHeader(lines[cursor]!)) bioLines.push(lines[cursor++]!.trim());
  const bio = joinParagraphs(bioLines).text || null;

  const raw: RawComment[] = [];
  while (cursor < lines.length) {
    const headerLine = cursor;
    const match = lines[cursor]!.match(headerPattern)!;
    const number = Number(match[2]);
    const expected = raw.length + 1;
    if (number !== expected) {
      throw new ImportFormatError(`expected comment ${expected} here, found comment ${number}`, lineNo(headerLine));
    }
    cursor++;
    const bodyLines: string[] = [];
    while (cursor < lines.length && !isHeader(lines[cursor]!)) {
      const line = lines[cursor]!;
      if (!isBlank(line) && indentOf(line) < bodyIndent) {
        throw new ImportFormatError(
          `expected an indented line of comment ${number} or a header "${number + 1}. Name says:"; found "${line.trim().slice(0, 40)}"`,
          lineNo(cursor),
        );
      }
      bodyLines.push(line);
      cursor++;
    }
    const { text, paragraphs } = joinParagraphs(dedent(bodyLines));
    if (text === '') {
      throw new ImportFormatError(`comment ${number} has no text (is the file cut short?)`, lineNo(headerLine));
    }
    raw.push({ number, name: match[3]!.trim(), line: lineNo(headerLine), body: text, paragraphs });
  }

  return {
    source: 'text',
    numbering: 'file',
    article: {
      sourceKey: null,
      slug: slugify(title) || 'article',
      title,
      body: articleBody,
      publishedAt: null,
      draft: false,
      author: authorFor(authorName, bio),
      tags,
    },
    comments: linkComments(raw),
    report: emptyReport(),
  };
}

/** Recovers replies, mentions and quotes from the comments' text; see "How import works" in the README. */
function linkComments(raw: RawComment[]): CommentRecord[] {
  const latestByName = new Map<string, number>();
  const authorsByName = new Map<string, AuthorRecord>();
  const names = new CommenterNames();
  const earlier: EarlierComment[] = [];

  const records: CommentRecord[] = [];
  for (const comment of raw) {
    const { body } = comment;
    let parentNumber: number | null = null;
    let prefixEnd = 0;
    const mentioned: string[] = [];
    const leading = new Set<number>();

    // Leading "@Name:" tokens: the first one is the reply, any others are mentions.
    for (let position = 0; body[position] === '@'; ) {
      const name = names.at(body, position + 1);
      if (!name || body[position + 1 + name.length] !== ':') break;
      if (position === 0) parentNumber = latestByName.get(name)!;
      else mentioned.push(name);
      leading.add(position);
      position += name.length + 2;
      while (position < body.length && /\s/.test(body[position]!)) position++;
      prefixEnd = position;
    }
    const inBody = names.mentionsIn(body, leading);
    mentioned.push(...inBody.names);

    // Every paragraph after the leading names may be a pasted passage.
    const passages = comment.paragraphs.map((p) => ({ start: Math.max(p.start, prefixEnd), end: p.end }));
    const quotes = findQuotes(body, passages, parentNumber, earlier);
    if (parentNumber == null && quotes.length > 0) parentNumber = quotes[0]!.quotedNumber;

    const name = comment.name.toLowerCase();
    const author = authorsByName.get(name) ?? authorFor(comment.name);
    authorsByName.set(name, author);
    const ownHandle = author.handle;
    const mentions = [...new Set(mentioned.map((n) => authorsByName.get(n)!.handle))].filter((h) => h !== ownHandle);

    records.push({
      number: comment.number,
      sourceKey: String(comment.number),
      author,
      body,
      parentNumber,
      status: 'published',
      mentions,
      unresolvedMentions: inBody.unresolved,
      quotes,
      createdAt: null,
    });
    earlier.push({ number: comment.number, body });
    latestByName.set(name, comment.number);
    names.add(comment.name);
  }
  return records;
}
