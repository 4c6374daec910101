import { describe, expect, it } from 'vitest';
import { renderBodyHtml } from '../../src/domain/render.js';
import { expectInertHtml } from '../helpers.js';

describe('renderBodyHtml', () => {
  it('turns paragraphs, line breaks and links into HTML', () => {
    expect(renderBodyHtml('First line\nsecond line\n\nSee https://example.org/a?b=1&c=2 now.')).toBe(
      '<p>First line<br />\nsecond line</p>' +
        '<p>See <a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">https://example.org/a?b=1&amp;c=2</a> now.</p>',
    );
  });

  it('renders a pasted quote as a blockquote linking to its source', () => {
    const body = 'Earlier you said:\n\n“wheels are round”\n\nQuite.';
    const start = body.indexOf('“');
    expect(renderBodyHtml(body, [{ bodyStart: start, bodyEnd: start + '“wheels are round”'.length, quotedNumber: 7 }])).toBe(
      '<p>Earlier you said:</p>' +
        '<blockquote class="quote" cite="#comment-7"><p>“wheels are round”</p>' +
        '<footer><a class="quote-source" href="#comment-7">#7</a></footer></blockquote>' +
        '<p>Quite.</p>',
    );
  });

  it('puts quotes the body does not hold above it, with their links', () => {
    expect(renderBodyHtml('I agree.', [{ bodyStart: null, bodyEnd: null, quotedNumber: 3, text: 'Wheels are round.' }])).toBe(
      '<blockquote class="quote quote-snapshot" cite="#comment-3"><p>Wheels are round.</p>' +
        '<footer><a class="quote-source" href="#comment-3">#3</a></footer></blockquote><p>I agree.</p>',
    );
    expect(renderBodyHtml('I agree.', [{ bodyStart: null, bodyEnd: null, quotedNumber: 3, text: '' }])).toBe('<p>I agree.</p>');
  });

  it('ignores quote positions outside the body', () => {
    expect(renderBodyHtml('short', [{ bodyStart: 2, bodyEnd: 99, quotedNumber: 1 }])).toBe('<p>short</p>');
  });

  const payloads = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<svg onload=alert(1)>',
    '<a href="javascript:alert(1)">click</a>',
    'javascript:alert(1)',
    '<iframe src="https://evil.example"></iframe>',
    '"><script>alert(1)</script>',
    "'';!--\"<XSS>=&{()}",
    '<body onload=alert(1)>',
    '<div style="background:url(javascript:alert(1))">',
    'http://example.org/"onmouseover="alert(1)',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  ];
  it('has a checker that catches what it should', () => {
    expect(() => expectInertHtml('<p><img src=x></p>')).toThrow();
    expect(() => expectInertHtml('<a href="javascript:alert(1)">x</a>')).toThrow();
    expect(() => expectInertHtml('<p onclick="x()">x</p>')).toThrow();
    expectInertHtml('<p>&lt;img src=x onerror=alert(1)&gt;</p>');
  });

  it.each(payloads)('never lets raw HTML through: %s', (payload) => {
    expectInertHtml(renderBodyHtml(payload));
    expectInertHtml(renderBodyHtml(payload, [{ bodyStart: 0, bodyEnd: Math.min(5, payload.length), quotedNumber: 1 }]));
  });
});
