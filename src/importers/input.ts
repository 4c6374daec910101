/**
 * An export file as text, read as a stream: gzip is recognised by its first bytes and undone
 * on the fly, the encoding is the one the file declares (a byte-order mark, or an XML
 * declaration's `encoding`), and bytes that are not valid in it fail the import, named by their
 * place, instead of turning into replacement characters. Nothing holds the whole file.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import { ImportFormatError } from './records.js';

export type ExportFormat = 'text' | 'wxr' | 'disqus' | 'json';

export interface ExportInput {
  /** The file's text, chunk by chunk; iterate it once. */
  chunks: AsyncIterable<string>;
  /** The file's size on disk, and how much of it has been read (compressed bytes for a .gz). */
  size: number;
  bytesRead(): number;
  /** What the first kilobytes look like, when it is recognisable. */
  detected: ExportFormat | null;
  encoding: string;
  gzipped: boolean;
}

const sniffBytes = 64 * 1024;

/** Which export a file's start looks like: WordPress's WXR, a Disqus export, our JSON, or our text format. */
export function detectFormat(start: string): ExportFormat | null {
  const head = start.replace(/^\uFEFF/, '').trimStart();
  // An XML export is recognised by its root even after stray bytes (which then fail the parse, with their place).
  const xml = head.slice(0, 4096);
  if (/<disqus[\s>]/.test(xml)) return 'disqus';
  if (/<rss[\s>]/.test(xml) && /wordpress\.org\/export\//.test(head)) return 'wxr';
  if (head.startsWith('{')) return 'json';
  if (head.startsWith('<')) return null;
  return head === '' ? null : 'text';
}

/** The encoding a file's first bytes declare; UTF-8 when they declare none. */
function declaredEncoding(first: Buffer): string {
  if (first[0] === 0xff && first[1] === 0xfe) return 'utf-16le';
  if (first[0] === 0xfe && first[1] === 0xff) return 'utf-16be';
  const declaration = first
    .subarray(0, 200)
    .toString('latin1')
    .match(/^(?:\uFEFF|ï»¿)?\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/);
  return declaration ? declaration[1]!.toLowerCase() : 'utf-8';
}

async function readStart(path: string, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The decompressed start of a gzip file's first bytes (a cut stream is fine here). */
function gunzipStart(head: Buffer): Buffer {
  try {
    return gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    throw new ImportFormatError('the file starts like gzip but does not decompress', 1);
  }
}

/**
 * Where a chunk stops being UTF-8: the index of the first byte that begins no valid character,
 * or -1 (a character cut at the chunk's end is not an error here: the next chunk completes it).
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const byte = bytes[i]!;
    const length =
      byte < 0x80 ? 1 : byte >= 0xc2 && byte < 0xe0 ? 2 : byte >= 0xe0 && byte < 0xf0 ? 3 : byte >= 0xf0 && byte < 0xf5 ? 4 : 0;
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      if (i + k >= bytes.length) return -1;
      if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    }
    i += length;
  }
  return -1;
}

/** Opens an export for reading; throws ImportFormatError for an encoding this runtime cannot decode. */
export async function openExport(path: string): Promise<ExportInput> {
  const { size } = await stat(path);
  const magic = await readStart(path, 2);
  const gzipped = magic[0] === 0x1f && magic[1] === 0x8b;

  let read = 0;
  const bytes = (): NodeJS.ReadableStream => {
    const file = createReadStream(path, { highWaterMark: 256 * 1024 });
    file.on('data', (chunk: Buffer | string) => {
      read += chunk.length;
    });
    return gzipped ? file.pipe(createGunzip()) : file;
  };

  // The start, decompressed, says the encoding and the format.
  const head = await readStart(path, sniffBytes);
  const start = gzipped ? gunzipStart(head) : head;
  const encoding = declaredEncoding(start);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    throw new ImportFormatError(`the file declares the encoding "${encoding}", which this importer cannot read`, 1);
  }
  const detected = detectFormat(new TextDecoder(encoding).decode(start.subarray(0, sniffBytes)));

  async function* chunks(): AsyncGenerator<string> {
    let offset = 0;
    let line = 1;
    for await (const chunk of bytes()) {
      const buffer = chunk as Buffer;
      let text: string;
      try {
        text = decoder.decode(buffer, { stream: true });
      } catch {
        const bad = encoding === 'utf-8' ? firstInvalidUtf8(buffer) : -1;
        if (bad >= 0) {
          const at = line + buffer.subarray(0, bad).filter((byte) => byte === 0x0a).length;
          throw new ImportFormatError(
            `the file is not valid UTF-8: byte 0x${buffer[bad]!.toString(16).padStart(2, '0')} at offset ${offset + bad} starts no character; save the file as UTF-8, or declare its real encoding in the XML declaration`,
            at,
          );
        }
        throw new ImportFormatError(
          `the file is not valid ${encoding.toUpperCase()} (between bytes ${offset} and ${offset + buffer.length}, from line ${line} on); save it as ${encoding.toUpperCase()}, or declare its real encoding in the XML declaration`,
          line,
        );
      }
      offset += buffer.length;
      for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) line++;
      yield text;
    }
    const rest = (() => {
      try {
        return decoder.decode();
      } catch {
        throw new ImportFormatError(`the file ends in the middle of a ${encoding.toUpperCase()} character`, line);
      }
    })();
    if (rest) yield rest;
  }

  return { chunks: chunks(), size, bytesRead: () => read, detected, encoding, gzipped };
}
