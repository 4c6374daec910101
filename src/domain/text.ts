/**
 * What text Threadline stores, for every string a client sends: valid Unicode (no lone UTF-16
 * surrogate, which SQLite would store as invalid UTF-8 and PostgreSQL's driver as U+FFFD), no
 * NUL (PostgreSQL's text cannot hold it), and, where a person will read it, something visible.
 */

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** C0 controls but tab and newline, DEL, and C1 controls. */
const controlCharacter = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

/**
 * Characters that show nothing on their own: white space, controls, format characters (zero
 * width space, bidi controls, BOM), default-ignorables (Hangul fillers, variation selectors),
 * lone combining marks, and the blank Braille pattern.
 */
const visibleCharacter = /[^\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Mn}\p{Me}\u2800]/u;

/** Embeddings, overrides and isolates: they reorder the text around them when it is shown. */
const bidiControl = /[\u202A-\u202E\u2066-\u2069]/;

const codePointName = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

export const hasVisibleCharacter = (text: string): boolean => visibleCharacter.test(text);

/** Why a string cannot be stored at all, or null: for every string input, whatever it is. */
export function unstorableText(text: string): string | null {
  const surrogate = loneSurrogate.exec(text);
  if (surrogate) {
    return `contains an unpaired UTF-16 surrogate (${codePointName(surrogate[0])}) at position ${surrogate.index}: send valid Unicode.`;
  }
  if (text.includes('\u0000')) return 'contains the NUL character (U+0000).';
  return null;
}

/** Why a piece of prose (a comment, a title) is not acceptable, or null. Line breaks and tabs are fine. */
export function unacceptableProse(text: string): string | null {
  const unstorable = unstorableText(text);
  if (unstorable) return unstorable;
  const control = controlCharacter.exec(text);
  if (control) return `contains the control character ${codePointName(control[0])}; only line breaks and tabs are allowed.`;
  if (!hasVisibleCharacter(text)) return 'has no visible character.';
  return null;
}

/**
 * Why a person's display name is not acceptable, or null: prose on one line, without
 * characters that reorder the text shown around it, and without markup brackets.
 */
export function unacceptableName(name: string, maxLength: number): string | null {
  const problem = unacceptableProse(name);
  if (problem) return problem;
  if (/[\n\t]/.test(name)) return 'must be one line, without tabs.';
  const bidi = bidiControl.exec(name);
  if (bidi) return `contains the bidirectional control ${codePointName(bidi[0])}.`;
  if (/[<>]/.test(name)) return 'may not contain "<" or ">".';
  const length = [...name].length;
  if (length > maxLength) return `is ${length} characters long; the limit is ${maxLength}.`;
  return null;
}
