/**
 * A WordPress export (WXR 1.2) of the threads, for a site moving to WordPress, or to anything
 * that reads WXR: WordPress's importer and our own (src/importers/wxr.ts) read it back.
 *
 * What WXR can hold is kept: articles as posts (drafts as drafts), tags, comments with their
 * authors' names, dates, reply links and statuses (hidden ones as pending, deleted ones as
 * trash), and quotes whose words are in the quoting comment's body, as `<blockquote>`s around
 * those words, which our importer turns back into the same quotes. Comment text is escaped,
 * so `<` in a comment stays text. What WXR cannot hold is left out: revisions, mentions as links,
 * quotes of words the body does not repeat, roles and import identities; the JSON export keeps
 * all of it.
 */
import type { Database } from '../db.js';
import type { Sink } from './json.js';

const page = 1000;

/** Text inside CDATA: `]]>` cannot appear in one section, so it is split across two. */
const cdata = (text: string) => `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
const escapeHtml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const escapeXml = (text: string) => escapeHtml(text).replaceAll('"', '&quot;');
/** WordPress's date form, in UTC. */
const wpDate = (date: Date | null) => (date === null ? '0000-00-00 00:00:00' : date.toISOString().slice(0, 19).replace('T', ' '));
const login = (handle: string) => handle.replace(/[^a-z0-9_.-]+/gi, '-');

/** A comment's body as WordPress stores comment text, with quoted passages as blockquotes. */
function commentHtml(body: string, quotes: readonly { bodyStart: number | null; bodyEnd: number | null }[]): string {
  const spans = quotes
    .filter((q): q is { bodyStart: number; bodyEnd: number } => q.bodyStart != null && q.bodyEnd != null && q.bodyEnd > q.bodyStart)
    .sort((a, b) => a.bodyStart - b.bodyStart);
  let html = '';
  let at = 0;
  for (const span of spans) {
    if (span.bodyStart < at) continue;
    html += escapeHtml(body.slice(at, span.bodyStart));
    html += `<blockquote>${escapeHtml(body.slice(span.bodyStart, span.bodyEnd))}</blockquote>`;
    at = span.bodyEnd;
  }
  return html + escapeHtml(body.slice(at));
}

export async function exportWxr(
  db: Database,
  sink: Sink,
  {
    articleSlug,
    siteUrl = 'https://threadline.invalid',
    onProgress = () => {},
  }: { articleSlug?: string; siteUrl?: string; onProgress?: (p: { articles: number; comments: number }) => void } = {},
) {
  const site = siteUrl.replace(/\/+$/, '');
  const articles = await db.reader.article.findMany({
    where: articleSlug === undefined ? {} : { slug: articleSlug },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  if (articleSlug !== undefined && articles.length === 0) throw new Error(`no article has the slug "${articleSlug}"`);
  const ids = articles.map((a) => a.id);
  const authors = await db.reader.author.findMany({
    where: { articles: { some: { id: { in: ids } } } },
    select: { id: true, handle: true, name: true },
    orderBy: { id: 'asc' },
  });
  await sink(`<?xml version="1.0" encoding="UTF-8" ?>
<!-- Exported by Threadline: a WordPress eXtended RSS file, for WordPress's importer. -->
<rss version="2.0"
\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
\t<title>Threadline export</title>
\t<link>${escapeXml(site)}</link>
\t<description></description>
\t<language>en</language>
\t<wp:wxr_version>1.2</wp:wxr_version>
\t<wp:base_site_url>${escapeXml(site)}</wp:base_site_url>
\t<wp:base_blog_url>${escapeXml(site)}</wp:base_blog_url>
`);
  for (const author of authors) {
    await sink(
      `\t<wp:author><wp:author_id>${author.id}</wp:author_id><wp:author_login>${cdata(login(author.handle))}</wp:author_login><wp:author_email></wp:author_email><wp:author_display_name>${cdata(author.name)}</wp:author_display_name></wp:author>\n`,
    );
  }

  let comments = 0;
  for (const [index, id] of ids.entries()) {
    const article = await db.reader.article.findUniqueOrThrow({
      where: { id },
      include: { author: { select: { handle: true } }, tags: { select: { slug: true, name: true }, orderBy: { id: 'asc' } } },
    });
    const published = article.publishedAt !== null;
    await sink(`
\t<item>
\t\t<title>${cdata(article.title)}</title>
\t\t<link>${escapeXml(`${site}/${article.slug}/`)}</link>
\t\t<dc:creator>${cdata(login(article.author.handle))}</dc:creator>
\t\t<guid isPermaLink="false">${escapeXml(`${site}/?p=${article.id}`)}</guid>
\t\t<content:encoded>${cdata(escapeHtml(article.body))}</content:encoded>
\t\t<excerpt:encoded><![CDATA[]]></excerpt:encoded>
\t\t<wp:post_id>${article.id}</wp:post_id>
\t\t<wp:post_date>${cdata(wpDate(article.publishedAt ?? article.createdAt))}</wp:post_date>
\t\t<wp:post_date_gmt>${cdata(published ? wpDate(article.publishedAt) : '0000-00-00 00:00:00')}</wp:post_date_gmt>
\t\t<wp:comment_status>${cdata(article.commentsLocked ? 'closed' : 'open')}</wp:comment_status>
\t\t<wp:ping_status><![CDATA[closed]]></wp:ping_status>
\t\t<wp:post_name>${cdata(article.slug)}</wp:post_name>
\t\t<wp:status>${cdata(published ? 'publish' : 'draft')}</wp:status>
\t\t<wp:post_parent>0</wp:post_parent>
\t\t<wp:menu_order>0</wp:menu_order>
\t\t<wp:post_type><![CDATA[post]]></wp:post_type>
\t\t<wp:post_password><![CDATA[]]></wp:post_password>
\t\t<wp:is_sticky>0</wp:is_sticky>
${article.tags.map((tag) => `\t\t<category domain="post_tag" nicename="${escapeXml(tag.slug)}">${cdata(tag.name)}</category>\n`).join('')}`);
    for (let after = 0; ; ) {
      const rows = await db.reader.comment.findMany({
        where: { articleId: id, number: { gt: after } },
        orderBy: { number: 'asc' },
        take: page,
        select: {
          id: true,
          number: true,
          parentId: true,
          body: true,
          createdAt: true,
          deletedAt: true,
          hiddenAt: true,
          author: { select: { name: true } },
          quotes: { select: { bodyStart: true, bodyEnd: true }, orderBy: { ordinal: 'asc' } },
        },
      });
      for (const row of rows) {
        const approved = row.deletedAt ? 'trash' : row.hiddenAt ? '0' : '1';
        await sink(`\t\t<wp:comment>
\t\t\t<wp:comment_id>${row.id}</wp:comment_id>
\t\t\t<wp:comment_author>${cdata(row.author.name)}</wp:comment_author>
\t\t\t<wp:comment_author_email></wp:comment_author_email>
\t\t\t<wp:comment_author_url></wp:comment_author_url>
\t\t\t<wp:comment_author_IP></wp:comment_author_IP>
\t\t\t<wp:comment_date>${cdata(wpDate(row.createdAt))}</wp:comment_date>
\t\t\t<wp:comment_date_gmt>${cdata(wpDate(row.createdAt))}</wp:comment_date_gmt>
\t\t\t<wp:comment_content>${cdata(commentHtml(row.body, row.quotes))}</wp:comment_content>
\t\t\t<wp:comment_approved>${cdata(approved)}</wp:comment_approved>
\t\t\t<wp:comment_type><![CDATA[comment]]></wp:comment_type>
\t\t\t<wp:comment_parent>${row.parentId ?? 0}</wp:comment_parent>
\t\t\t<wp:comment_user_id>0</wp:comment_user_id>
\t\t</wp:comment>
`);
        comments++;
      }
      if (rows.length < page) break;
      after = rows[rows.length - 1]!.number;
      onProgress({ articles: index, comments });
    }
    await sink('\t</item>\n');
    onProgress({ articles: index + 1, comments });
  }
  await sink('</channel>\n</rss>\n');
  return { articles: ids.length, comments };
}
