/**
 * A comment's `path` lists the numbers of its ancestors and its own, each zero-padded to a
 * fixed width and followed by "/": the descendants of X are the comments whose path starts
 * with X's, and ordering by path lists a thread depth-first.
 */
const pathDigits = 8;

const pathSegment = (number: number) => `${String(number).padStart(pathDigits, '0')}/`;

export const childPath = (parentPath: string | null | undefined, number: number) => (parentPath ?? '') + pathSegment(number);

export const pathNumbers = (path: string) => path.split('/').filter(Boolean).map(Number);
