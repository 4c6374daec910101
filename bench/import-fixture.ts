/**
 * A generated WordPress export for the import benchmark: `comments` comments over `articles`
 * posts, nested (half the comments reply to an earlier one of their post, mostly a recent one)
 * and quoting (a fifth of the replies paste a sentence of their parent in a <blockquote>), by a
 * pool of people, half with an email. Deterministic for its arguments, streamed to disk, and
 * kept: a second run reuses the file. The same generator yields the rows for the floors.
 */
import { createWriteStream, existsSync, renameSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GeneratedComment {
  id: number;
  parentId: number;
  author: number;
  date: Date;
  /** The comment's text as stored (paragraphs), and the pasted quote of its parent, if any. */
  text: string;
  quote: string | null;
  status: '1' | '0' | 'spam';
}

export interface GeneratedPost {
  id: number;
  slug: string;
  title: string;
  date: Date;
  comments: GeneratedComment[];
}

const words =
  'graft scion rootstock orchard blossom frost pruning ladder harvest cider press bark cambium bud union tape wax spring autumn winter ridge slope pollen bee hive row mulch compost canker blight label tag wheelbarrow spade shears twine stake netting thrush blackbird dew'.split(
    ' ',
  );

/** A small seeded generator (mulberry32): the same file for the same arguments. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(next: () => number, count: number): string {
  const picked = Array.from({ length: count }, () => words[Math.floor(next() * words.length)]!);
  const text = picked.join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

export const authorsFor = (comments: number) => Math.max(50, Math.round(comments / 50));

/** The posts, one at a time, each with its comments. */
export function* generatePosts(commentCount: number, articleCount: number): Generator<GeneratedPost> {
  const next = random(commentCount * 31 + articleCount);
  const people = authorsFor(commentCount);
  let id = 0;
  const start = Date.UTC(2015, 0, 1);
  for (let post = 0; post < articleCount; post++) {
    const count = Math.floor(commentCount / articleCount) + (post < commentCount % articleCount ? 1 : 0);
    const date = new Date(start + post * 3_600_000);
    const comments: GeneratedComment[] = [];
    for (let n = 0; n < count; n++) {
      id++;
      const replying = comments.length > 0 && next() < 0.5;
      // Mostly one of the last few comments, as conversations go.
      const parent = replying ? comments[Math.max(0, comments.length - 1 - Math.floor(next() * Math.min(8, comments.length)))]! : null;
      const own = `${sentence(next, 10 + Math.floor(next() * 20))} ${sentence(next, 8 + Math.floor(next() * 12))}\n\n${sentence(next, 6 + Math.floor(next() * 14))}`;
      const quote = parent && next() < 0.2 ? parent.text.split('\n\n')[0]!.split('. ')[0]! : null;
      const roll = next();
      comments.push({
        id,
        parentId: parent?.id ?? 0,
        author: Math.floor(next() * people),
        date: new Date(date.getTime() + (n + 1) * 60_000),
        text: own,
        quote,
        status: roll < 0.01 ? 'spam' : roll < 0.03 ? '0' : '1',
      });
    }
    yield { id: post + 1, slug: `generated-post-${post + 1}`, title: `Generated post ${post + 1}`, date, comments };
  }
}

const wpDate = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ');
const escapeHtml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** The person behind an author number: half have an email. */
export const personOf = (author: number) => ({
  name: `Reader ${author}`,
  email: author % 2 === 0 ? `reader${author}@mail.example` : '',
});

/** Writes (or finds) the WXR file for these arguments; returns its path. */
export async function wxrFixture(commentCount: number, articleCount: number, folder = join(tmpdir(), 'threadline-bench')): Promise<string> {
  const path = join(folder, `import-${commentCount}-${articleCount}.wxr`);
  if (existsSync(path)) return path;
  await mkdir(folder, { recursive: true });
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
\t<title>Generated</title>
\t<link>https://generated.example</link>
\t<wp:wxr_version>1.2</wp:wxr_version>
\t<wp:base_site_url>https://generated.example</wp:base_site_url>
\t<wp:base_blog_url>https://generated.example</wp:base_blog_url>
\t<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[editor]]></wp:author_login><wp:author_email><![CDATA[editor@generated.example]]></wp:author_email><wp:author_display_name><![CDATA[The Editor]]></wp:author_display_name></wp:author>
`);
  for (const post of generatePosts(commentCount, articleCount)) {
    let item = `\t<item>
\t\t<title>${post.title}</title>
\t\t<link>https://generated.example/${post.slug}/</link>
\t\t<dc:creator><![CDATA[editor]]></dc:creator>
\t\t<content:encoded><![CDATA[<p>The body of ${post.title}.</p>]]></content:encoded>
\t\t<wp:post_id>${post.id}</wp:post_id>
\t\t<wp:post_date_gmt><![CDATA[${wpDate(post.date)}]]></wp:post_date_gmt>
\t\t<wp:post_name><![CDATA[${post.slug}]]></wp:post_name>
\t\t<wp:status><![CDATA[publish]]></wp:status>
\t\t<wp:post_type><![CDATA[post]]></wp:post_type>
\t\t<category domain="post_tag" nicename="generated"><![CDATA[Generated]]></category>
`;
    for (const comment of post.comments) {
      const person = personOf(comment.author);
      const content = comment.quote
        ? `<blockquote>${escapeHtml(comment.quote)}</blockquote>\n${escapeHtml(comment.text)}`
        : escapeHtml(comment.text);
      item += `\t\t<wp:comment>
\t\t\t<wp:comment_id>${comment.id}</wp:comment_id>
\t\t\t<wp:comment_author><![CDATA[${person.name}]]></wp:comment_author>
\t\t\t<wp:comment_author_email><![CDATA[${person.email}]]></wp:comment_author_email>
\t\t\t<wp:comment_date_gmt><![CDATA[${wpDate(comment.date)}]]></wp:comment_date_gmt>
\t\t\t<wp:comment_content><![CDATA[${content}]]></wp:comment_content>
\t\t\t<wp:comment_approved><![CDATA[${comment.status}]]></wp:comment_approved>
\t\t\t<wp:comment_type><![CDATA[comment]]></wp:comment_type>
\t\t\t<wp:comment_parent>${comment.parentId}</wp:comment_parent>
\t\t</wp:comment>
`;
    }
    await write(`${item}\t</item>\n`);
  }
  await write('</channel>\n</rss>\n');
  out.end();
  await once(out, 'finish');
  renameSync(partial, path);
  return path;
}
