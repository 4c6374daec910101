/**
 * XML exports read as a stream of records: the elements at a chosen depth (WordPress's
 * `<item>`s, Disqus's `<thread>`s and `<post>`s) come out one at a time as small trees, so
 * memory holds one record, not the file. The parser is strict (saxes): a file that is not
 * well-formed fails with the line and column where it stops being XML, before anything is
 * written.
 */
import { SaxesParser } from 'saxes';
import { ImportFormatError } from './records.js';

export interface XmlElement {
  /** The local name (`comment` for `<wp:comment>`). */
  name: string;
  /** The namespace URI, '' for none. */
  uri: string;
  /** Attributes by local name. */
  attributes: ReadonlyMap<string, string>;
  children: XmlElement[];
  /** The element's own text and CDATA, in order (not its children's). */
  text: string;
  line: number;
  column: number;
}

/** The first child named `name`. */
export const child = (element: XmlElement, name: string): XmlElement | undefined => element.children.find((c) => c.name === name);

/** The text of the first child named `name`, trimmed; '' when there is none. */
export const childText = (element: XmlElement, name: string): string => child(element, name)?.text.trim() ?? '';

/** The text of the first child named `name`, untrimmed (bodies); '' when there is none. */
export const childRaw = (element: XmlElement, name: string): string => child(element, name)?.text ?? '';

export const childrenNamed = (element: XmlElement, name: string): XmlElement[] => element.children.filter((c) => c.name === name);

const noAttributes: ReadonlyMap<string, string> = new Map();

function attributesOf(attributes: Record<string, string | { local: string; value: string }>): ReadonlyMap<string, string> {
  const list = Object.values(attributes);
  if (list.length === 0) return noAttributes;
  return new Map(list.map((a) => (typeof a === 'string' ? [a, a] : [a.local, a.value])));
}

export interface XmlRecord {
  /** The root element (without children) the record belongs to. */
  root: XmlElement;
  element: XmlElement;
}

/**
 * The elements `depth` levels below the root (1: the root's children), each whole, in
 * document order. Throws ImportFormatError at the first place the text is not well-formed XML.
 */
export async function* xmlRecords(chunks: AsyncIterable<string>, depth: number): AsyncGenerator<XmlRecord> {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const ready: XmlRecord[] = [];
  const open: XmlElement[] = [];
  let root: XmlElement | null = null;
  let failure: ImportFormatError | null = null;

  parser.on('error', (error) => {
    failure ??= new ImportFormatError(
      `the file is not well-formed XML: ${error.message.replace(/^\d+:\d+: /, '')}`,
      parser.line,
      parser.column,
    );
  });
  parser.on('opentag', (tag) => {
    const element: XmlElement = {
      name: tag.local ?? tag.name,
      uri: tag.uri ?? '',
      attributes: attributesOf(tag.attributes),
      children: [],
      text: '',
      line: parser.line,
      column: parser.column,
    };
    // Only a record and what is inside it keep their children.
    if (open.length > depth) open[open.length - 1]!.children.push(element);
    if (open.length === 0) root = element;
    open.push(element);
  });
  const addText = (text: string) => {
    if (open.length > depth) open[open.length - 1]!.text += text;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => {
    const element = open.pop()!;
    if (open.length === depth && root) ready.push({ root, element });
  });

  const write = (text: string | null) => {
    try {
      if (text === null) parser.close();
      else parser.write(text);
    } catch (error) {
      failure ??= new ImportFormatError(`the file is not well-formed XML: ${(error as Error).message}`, parser.line, parser.column);
    }
    if (failure) throw failure;
  };

  for await (const text of chunks) {
    write(text);
    while (ready.length > 0) yield ready.shift()!;
  }
  write(null);
  while (ready.length > 0) yield ready.shift()!;
  if (!root) throw new ImportFormatError('the file holds no XML element', 1);
}
