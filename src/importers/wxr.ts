/**
 * WordPress's export (WXR 1.0 to 1.2, its namespace spelt with `http` or `https`): every post or
 * page with comments becomes an article, read one `<item>` at a time.
 *
 * - Articles: title, `wp:post_name` as the slug, the body as text, `post_date_gmt`, the creator,
 *   `post_tag` categories as tags. A post that is not published (draft, pending, private,
 *   password-protected) becomes a draft.
 * - Comments: `comment_parent` is the reply link; approved comments are shown, pending (`0`) ones
 *   kept hidden for moderators; `spam` and `trash` are left out unless `includeSpam` (then
 *   hidden); pingbacks and trackbacks are left out and counted; dates from `comment_date_gmt`.
 * - Authors: one identity per person of the source, by email when there is one (hashed: emails
 *   never reach the database), else by name within the site.
 */
import { createHash } from 'node:crypto';
import { slugify } from '../domain/slugs.js';
import { htmlToText } from './html.js';
import { assembleThread, type SourceComment } from './infer.js';
import {
  type AuthorRecord,
  type CommentStatus,
  emptyReport,
  ImportFormatError,
  ownString,
  type ParsedExport,
  type ThreadRecord,
} from './records.js';
import { child, childRaw, childrenNamed, childText, type XmlElement, xmlRecords } from './xml.js';

export interface ParseOptions {
  /** Keep spam and trashed comments, hidden, instead of leaving them out. */
  includeSpam?: boolean;
}

const wpNamespace = /^https?:\/\/wordpress\.org\/export\/1\.[0-2]\/?$/;
const maxNameLength = 200;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** `2014-01-14 17:31:03` as UTC; null for WordPress's empty date `0000-00-00 00:00:00` or none. */
export function parseWordPressDate(text: string, element: XmlElement | undefined): Date | null {
  if (text === '' || text.startsWith('0000-00-00')) return null;
  const match = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)$/.exec(text);
  const date = match
    ? new Date(Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!))
    : new Date(Number.NaN);
  // Date.UTC rolls a 13th month or a 99th hour over; a real date reads back the same.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== text.replace(' ', 'T')) {
    throw new ImportFormatError(`"${text}" is not a date as WordPress writes them (YYYY-MM-DD hh:mm:ss)`, element?.line ?? null);
  }
  return date;
}

/** A site as a key: `https://www.Example.com/blog/` → `example.com/blog`. */
export function siteKey(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/^www\./, '')
    .replace(/[?#].*$/, '')
    .replace(/\/+$/, '');
}

/**
 * An identity key for a person of the source: by email (hashed), else by name within the site.
 * `emailKeys` memoises the hashes of one file's emails, whose people come back comment after
 * comment.
 */
export function personKey(site: string, email: string, name: string, apart: string, emailKeys?: Map<string, string>): string {
  const mail = email.trim().toLowerCase();
  if (mail.includes('@')) {
    let key = emailKeys?.get(mail);
    if (key === undefined) {
      key = `e-${sha(mail).slice(0, 24)}`;
      // A copy, not `mail` itself: V8 may keep a substring as a view of the text it was cut
      // from, and a memo of views would keep every chunk of the file it saw alive.
      if (emailKeys && emailKeys.size < 1_000_000) emailKeys.set(ownString(mail), key);
    }
    return key;
  }
  const siteHash = sha(site).slice(0, 8);
  const slug = slugify(name);
  if (name.trim() === '' || slug === '') return `a-${siteHash}-${sha(apart).slice(0, 16)}`;
  return `n-${siteHash}-${slug.length > 60 ? `${slug.slice(0, 48)}-${sha(name).slice(0, 10)}` : slug}`;
}

const displayName = (name: string) => {
  const clean = name.replace(/\s+/g, ' ').trim();
  return clean === '' ? 'Anonymous' : [...clean].slice(0, maxNameLength).join('');
};

interface WordPressAuthor {
  name: string;
  email: string;
}

type CommentKind = 'comment' | 'pingback' | 'other';

const kindOf = (type: string): CommentKind =>
  type === '' || type === 'comment' ? 'comment' : type === 'pingback' || type === 'trackback' ? 'pingback' : 'other';

/** WordPress's `comment_approved`: 1, 0, spam, trash, post-trashed. */
function statusOf(approved: string): CommentStatus | 'trash' {
  if (approved === '1' || approved === 'approve') return 'published';
  if (approved === 'spam') return 'spam';
  if (approved === 'trash' || approved === 'post-trashed') return 'trash';
  return 'pending';
}

function decodeSlug(slug: string): string {
  try {
    return decodeURIComponent(slug);
  } catch {
    return slug;
  }
}

/** Reads a WXR file's text, one thread per post or page that has comments. */
export function parseWxr(chunks: AsyncIterable<string>, { includeSpam = false }: ParseOptions = {}): ParsedExport {
  const report = emptyReport();
  const otherTypes = new Map<string, number>();
  const emailKeys = new Map<string, string>();

  async function* threads(): AsyncGenerator<ThreadRecord> {
    const authors = new Map<string, WordPressAuthor>();
    let site = '';
    let checked = false;
    for await (const { root, element } of xmlRecords(chunks, 2)) {
      if (!checked) {
        if (root.name !== 'rss') {
          throw new ImportFormatError(`a WordPress export starts with <rss>; this file starts with <${root.name}>`, root.line);
        }
        checked = true;
      }
      const wordpress = wpNamespace.test(element.uri);
      if (wordpress && element.name === 'author') {
        const login = childText(element, 'author_login');
        authors.set(ownString(login), {
          name: ownString(childText(element, 'author_display_name') || login),
          email: ownString(childText(element, 'author_email')),
        });
      } else if ((wordpress && element.name === 'base_blog_url') || (element.name === 'link' && element.uri === '' && site === '')) {
        site = ownString(siteKey(element.text));
      } else if (element.name === 'item' && element.uri === '') {
        const thread = itemThread(element, site, authors);
        if (thread) yield thread;
      }
    }
    if (!checked) throw new ImportFormatError('the file holds no <channel> with items: it is not a WordPress export', 1);
    for (const [type, count] of otherTypes) {
      report.warnings.push(`${count} comment${count === 1 ? '' : 's'} of type "${type}" left out (not reader comments)`);
    }
  }

  function itemThread(item: XmlElement, site: string, authors: ReadonlyMap<string, WordPressAuthor>): ThreadRecord | null {
    const postType = childText(item, 'post_type') || 'post';
    const postId = childText(item, 'post_id');
    const comments: SourceComment[] = [];
    const leftOut = new Map<string, string | null>();
    const threadReport = emptyReport();
    for (const element of childrenNamed(item, 'comment').filter((c) => wpNamespace.test(c.uri))) {
      const id = childText(element, 'comment_id');
      if (id === '') throw new ImportFormatError('a <wp:comment> has no <wp:comment_id>', element.line);
      const parent = childText(element, 'comment_parent');
      const parentKey = parent === '' || parent === '0' ? null : parent;
      const type = childText(element, 'comment_type');
      const kind = kindOf(type);
      const status = statusOf(childText(element, 'comment_approved'));
      if (kind !== 'comment') {
        if (kind === 'pingback') report.pingbacks++;
        else otherTypes.set(ownString(type), (otherTypes.get(type) ?? 0) + 1);
        leftOut.set(id, parentKey);
        continue;
      }
      if ((status === 'spam' || status === 'trash') && !includeSpam) {
        report.spamLeftOut++;
        leftOut.set(id, parentKey);
        continue;
      }
      const name = childText(element, 'comment_author');
      const author: AuthorRecord = {
        handle: personKey(site, childText(element, 'comment_author_email'), name, `${postId}:${id}`, emailKeys),
        name: displayName(name),
        bio: null,
      };
      const { text, quotes } = htmlToText(childRaw(element, 'comment_content'), 'paragraphs');
      const dateElement = child(element, 'comment_date_gmt');
      const createdAt =
        parseWordPressDate(childText(element, 'comment_date_gmt'), dateElement) ??
        parseWordPressDate(childText(element, 'comment_date'), child(element, 'comment_date'));
      comments.push({
        sourceKey: id,
        parentKey,
        author,
        body: text,
        passages: quotes,
        createdAt,
        status: status === 'trash' ? 'spam' : status,
      });
    }
    if (comments.length === 0) return null;
    if (postType !== 'post' && postType !== 'page') {
      report.warnings.push(`the ${postType} ${postId} has comments; only posts and pages become articles, so they were left out`);
      return null;
    }

    const title = childText(item, 'title') || `Post ${postId}`;
    const slug = slugify(decodeSlug(childText(item, 'post_name'))) || slugify(title) || `post-${postId}`;
    const status = childText(item, 'status');
    const password = childText(item, 'post_password');
    if (password !== '') threadReport.warnings.push('the post is password-protected in WordPress: it was imported as a draft');
    const login = childText(item, 'creator');
    const creator = authors.get(login);
    const creatorName = creator?.name || login || 'Unknown author';
    const body = [...item.children].find((c) => c.name === 'encoded' && c.uri.includes('/content/'))?.text ?? '';
    const publishedAt =
      parseWordPressDate(childText(item, 'post_date_gmt'), child(item, 'post_date_gmt')) ??
      parseWordPressDate(childText(item, 'post_date'), child(item, 'post_date'));
    const tags = new Map<string, { slug: string; name: string }>();
    for (const category of childrenNamed(item, 'category')) {
      const domain = category.attributes.get('domain');
      if (domain !== 'post_tag' && domain !== 'tag') continue;
      const name = category.text.trim();
      const tagSlug = slugify(decodeSlug(category.attributes.get('nicename') ?? '')) || slugify(name);
      if (tagSlug !== '' && name !== '') tags.set(tagSlug, { slug: tagSlug, name });
    }

    return {
      source: 'wxr',
      numbering: 'append',
      article: {
        sourceKey: `wxr:${site}:${postId}`,
        slug,
        title: displayTitle(title),
        body: htmlToText(body, 'paragraphs').text || title,
        publishedAt,
        draft: (status !== 'publish' && status !== 'future') || password !== '',
        author: {
          handle: personKey(site, creator?.email ?? '', creatorName, `user:${login}`),
          name: displayName(creatorName),
          bio: null,
        },
        tags: [...tags.values()],
      },
      comments: assembleThread(comments, leftOut, threadReport),
      report: threadReport,
    };
  }

  return { threads: threads(), report };
}

const displayTitle = (title: string) => htmlToText(title, 'spaces').text.replace(/\s+/g, ' ') || title;
