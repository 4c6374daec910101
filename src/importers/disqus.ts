/**
 * Disqus's export (`<disqus>` in the `http://disqus.com` namespace, ids in
 * `http://disqus.com/disqus-internals`): `<thread>`s, then `<post>`s that name their thread and
 * parent by `dsq:id`.
 *
 * - Articles: a thread's page is its `<link>`, which is what two exports of one site share. Threads
 *   are found by their link (scheme, `www.` and a trailing slash aside, so Disqus's duplicates of
 *   one page under http and https become one article); a thread without a link by its `<id>`,
 *   and one without either (Disqus writes `<id/>` for many) by its `dsq:id`. The slug is the
 *   link's last path segment, else the title's.
 * - Comments: `isSpam` posts are left out unless `includeSpam` (then hidden); `isDeleted` ones kept
 *   as tombstones so their replies stay in place; posts whose thread is not in the file are left
 *   out and reported; a post whose parent is not in the file becomes top-level, with a warning.
 * - Authors: a registered author by their Disqus username, else by email; an anonymous (guest)
 *   author by email and name together, else by the post: guests are never merged into one
 *   "Anonymous", nor two guests who typed the same email under different names.
 *
 * Posts may come in any order, so a thread is complete only at the end of the file: posts are
 * held (as text and ids) until then.
 */
import { createHash } from 'node:crypto';
import { slugify } from '../domain/slugs.js';
import { htmlToText } from './html.js';
import { assembleThread, type SourceComment } from './infer.js';
import { type AuthorRecord, emptyReport, ImportFormatError, ownString, type ParsedExport, type ThreadRecord } from './records.js';
import { personKey, siteKey } from './wxr.js';
import { child, childRaw, childText, type XmlElement, xmlRecords } from './xml.js';

export interface ParseOptions {
  includeSpam?: boolean;
}

const disqusNamespace = 'http://disqus.com';
const maxNameLength = 200;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const dsqId = (element: XmlElement | undefined) => element?.attributes.get('id')?.trim() ?? '';
const isTrue = (text: string) => text.toLowerCase() === 'true';

function parseIsoDate(text: string, element: XmlElement | undefined): Date | null {
  if (text === '') return null;
  const date = new Date(text);
  if (!/^\d{4}-\d\d-\d\d/.test(text) || Number.isNaN(date.getTime())) {
    throw new ImportFormatError(`"${text}" is not an ISO 8601 date`, element?.line ?? null);
  }
  return date;
}

const displayName = (name: string) => {
  const clean = name.replace(/\s+/g, ' ').trim();
  return clean === '' ? 'Anonymous' : [...clean].slice(0, maxNameLength).join('');
};

function authorOf(element: XmlElement | undefined, forum: string, apart: string): AuthorRecord {
  const name = element ? childText(element, 'name') : '';
  const email = element ? childText(element, 'email') : '';
  const username = element ? childText(element, 'username') : '';
  const anonymous = !element || isTrue(childText(element, 'isAnonymous')) || username === '';
  let handle: string;
  if (!anonymous && slugify(username) !== '') handle = `u-${sha(forum).slice(0, 8)}-${slugify(username).slice(0, 60)}`;
  else if (anonymous && email.includes('@')) handle = `g-${sha(`${email.trim().toLowerCase()}\n${name.trim()}`).slice(0, 24)}`;
  else if (anonymous) handle = personKey(forum, '', '', apart);
  else handle = personKey(forum, email, name, apart);
  return { handle, name: displayName(name || username), bio: null };
}

interface Thread {
  key: string;
  dsqIds: string[];
  slug: string;
  title: string;
  link: string;
  publishedAt: Date | null;
  deleted: boolean;
  author: AuthorRecord;
  posts: SourceComment[];
  /** Spam left out of the thread: its id → its parent's. */
  leftOut: Map<string, string | null>;
}

function slugOfLink(link: string): string {
  try {
    const path = new URL(link).pathname.replace(/\/+$/, '');
    const last = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)).replace(/\.(html?|php|aspx?)$/i, '');
    return slugify(last);
  } catch {
    return '';
  }
}

export function parseDisqus(chunks: AsyncIterable<string>, { includeSpam = false }: ParseOptions = {}): ParsedExport {
  const report = emptyReport();

  async function* threads(): AsyncGenerator<ThreadRecord> {
    const byKey = new Map<string, Thread>();
    const byDsqId = new Map<string, Thread>();
    let forum = '';
    let checked = false;
    let postsWithoutThread = 0;
    let deletedThreads = 0;

    for await (const { root, element } of xmlRecords(chunks, 1)) {
      if (!checked) {
        if (root.name !== 'disqus' || root.uri !== disqusNamespace) {
          throw new ImportFormatError(
            `a Disqus export starts with <disqus xmlns="${disqusNamespace}">; this file starts with <${root.name}>`,
            root.line,
          );
        }
        checked = true;
      }
      if (element.uri !== disqusNamespace) continue;
      if (element.name === 'thread') {
        const id = dsqId(element);
        if (id === '') throw new ImportFormatError('a <thread> has no dsq:id', element.line);
        forum ||= ownString(childText(element, 'forum'));
        const link = childText(element, 'link');
        const ident = childText(element, 'id');
        const title = htmlToText(childText(element, 'title'), 'spaces').text.replace(/\s+/g, ' ');
        const key = link !== '' ? `disqus:${siteKey(link)}` : ident !== '' ? `disqus:id:${ident}` : `disqus:thread:${id}`;
        let thread = byKey.get(key);
        if (!thread) {
          thread = {
            key: ownString(key),
            dsqIds: [],
            slug: ownString(slugOfLink(link) || slugify(ident) || slugify(title) || `thread-${id}`),
            title: ownString(title || link || `Thread ${id}`),
            link: ownString(link),
            publishedAt: parseIsoDate(childText(element, 'createdAt'), child(element, 'createdAt')),
            deleted: isTrue(childText(element, 'isDeleted')),
            author: authorOf(child(element, 'author'), forum, `thread:${id}`),
            posts: [],
            leftOut: new Map(),
          };
          byKey.set(key, thread);
        }
        thread.dsqIds.push(ownString(id));
        byDsqId.set(ownString(id), thread);
      } else if (element.name === 'post') {
        const id = dsqId(element);
        if (id === '') throw new ImportFormatError('a <post> has no dsq:id', element.line);
        const thread = byDsqId.get(dsqId(child(element, 'thread')));
        if (!thread) {
          postsWithoutThread++;
          continue;
        }
        const parent = dsqId(child(element, 'parent'));
        const parentKey = parent === '' ? null : parent;
        if (isTrue(childText(element, 'isSpam')) && !includeSpam) {
          report.spamLeftOut++;
          thread.leftOut.set(ownString(id), parentKey === null ? null : ownString(parentKey));
          continue;
        }
        // Posts wait for the end of the file: each keeps strings of its own, not views of the file.
        const { text, quotes } = htmlToText(childRaw(element, 'message'), 'spaces');
        const author = authorOf(child(element, 'author'), forum, `post:${id}`);
        thread.posts.push({
          sourceKey: ownString(id),
          parentKey: parentKey === null ? null : ownString(parentKey),
          author: { handle: ownString(author.handle), name: ownString(author.name), bio: null },
          body: ownString(text),
          passages: quotes,
          createdAt: parseIsoDate(childText(element, 'createdAt'), child(element, 'createdAt')),
          status: isTrue(childText(element, 'isDeleted')) ? 'deleted' : isTrue(childText(element, 'isSpam')) ? 'spam' : 'published',
        });
      }
    }
    if (!checked) throw new ImportFormatError('the file holds no threads or posts: it is not a Disqus export', 1);
    if (postsWithoutThread > 0) {
      report.warnings.push(
        `${postsWithoutThread} post${postsWithoutThread === 1 ? '' : 's'} name a thread that is not in the file: left out`,
      );
    }

    for (const thread of byKey.values()) {
      if (thread.posts.length === 0) continue;
      const threadReport = emptyReport();
      if (thread.deleted) {
        deletedThreads++;
        threadReport.warnings.push('the thread is deleted in Disqus: it was imported as a draft');
      }
      if (thread.dsqIds.length > 1) {
        threadReport.warnings.push(`Disqus threads ${thread.dsqIds.join(', ')} are one page (${thread.link}): imported as one article`);
      }
      // Disqus ids are unique across the forum: a parent in another thread of the same page is found too.
      yield {
        source: 'disqus',
        numbering: 'append',
        article: {
          sourceKey: thread.key,
          slug: thread.slug,
          title: thread.title,
          body: thread.link || thread.title,
          publishedAt: thread.publishedAt,
          draft: thread.deleted,
          author: thread.author,
          tags: [],
        },
        comments: assembleThread(thread.posts, thread.leftOut, threadReport),
        report: threadReport,
      };
      thread.posts = [];
    }
    if (deletedThreads > 0) report.warnings.push(`${deletedThreads} deleted thread(s) with posts were imported as drafts`);
  }

  return { threads: threads(), report };
}
