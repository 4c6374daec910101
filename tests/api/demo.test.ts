// The demo page (GET /demo/<slug>) and its "sign in as" picker, which exists only when asked
// for: a token anyone can mint must never be minted in production.
import { beforeAll, describe, expect, it } from 'vitest';
import { viewerFromAuthorization } from '../../src/auth.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { db, demoSlug, testApp, testSecret } from '../helpers.js';

beforeAll(() => seedDemoIfEmpty(db));

const signIn = (app: ReturnType<typeof testApp>, body: string, method = 'POST') =>
  app.yoga.fetch('http://localhost/demo/sign-in', {
    method,
    headers: { 'content-type': 'application/json' },
    body: method === 'GET' ? undefined : body,
  });

describe('the demo page', () => {
  it('shows the article with the widget around the server-rendered thread, under a CSP that allows only its own scripts', async () => {
    const response = await testApp().yoga.fetch(`http://localhost/demo/${demoSlug}?page-size=3`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<script type="module" src="/widget.js"></script>');
    expect(html).toMatch(new RegExp(`<threadline-comments article="${demoSlug}" page-size="3"><section class="threadline-thread"`));
    expect(html).toContain('id="comment-1"');
    const csp = response.headers.get('content-security-policy')!;
    const scripts = csp.split(';').find((directive) => directive.trim().startsWith('script-src'))!;
    expect(scripts.trim()).toMatch(/^script-src 'self' 'nonce-[A-Za-z0-9+/=]+'$/);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('passes on only a page size from 1 to 100', async () => {
    for (const size of ['0', '101', '3.5', '"><script>', '']) {
      const html = await (await testApp().yoga.fetch(`http://localhost/demo/${demoSlug}?page-size=${encodeURIComponent(size)}`)).text();
      expect(html).toContain(`<threadline-comments article="${demoSlug}"><section`);
    }
  });

  it('answers 404 for an article nobody may read, and 405 to other methods', async () => {
    const app = testApp();
    const missing = await app.yoga.fetch('http://localhost/demo/no-such-article');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('There is no published article with this address.');
    const posted = await app.yoga.fetch(`http://localhost/demo/${demoSlug}`, { method: 'POST' });
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('the sign-in picker', () => {
  it('is absent unless asked for (production never asks): no picker, and 404 for its endpoint', async () => {
    const app = testApp();
    const html = await (await app.yoga.fetch(`http://localhost/demo/${demoSlug}`)).text();
    expect(html).not.toContain('id="sign-in"');
    expect(html).not.toContain('<script type="module" nonce=');
    const response = await signIn(app, JSON.stringify({ handle: 'mallory', name: 'Mallory' }));
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('token');
  });

  it('signs an author’s token (never more than an author) for a handle and name', async () => {
    const app = testApp({ demoSignIn: true });
    const html = await (await app.yoga.fetch(`http://localhost/demo/${demoSlug}`)).text();
    expect(html).toContain('id="sign-in"');
    const response = await signIn(app, JSON.stringify({ handle: 'demo-reader', name: 'Demo Reader', role: 'ADMIN' }));
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    expect(await viewerFromAuthorization(`Bearer ${token}`, testSecret)).toMatchObject({
      handle: 'demo-reader',
      name: 'Demo Reader',
      role: 'AUTHOR',
    });
  });

  it('refuses a bad handle, a missing name, what is not JSON, an oversized body and other methods', async () => {
    const app = testApp({ demoSignIn: true });
    const cases: [string, number, RegExp][] = [
      [JSON.stringify({ handle: 'Not A Handle', name: 'X' }), 400, /lowercase letters/],
      [JSON.stringify({ handle: 'ok', name: '  ' }), 400, /1 to 100 characters/],
      ['not json', 400, /as JSON/],
      [JSON.stringify({ handle: 'ok', name: 'x'.repeat(2000) }), 413, /Too long/],
      [JSON.stringify({ handle: 'ok', name: 'Bob <admin>' }), 400, /may not contain "<" or ">"/],
      [JSON.stringify({ handle: 'ok', name: 'Bob\u202eevil' }), 400, /bidirectional control/],
    ];
    for (const [body, status, message] of cases) {
      const response = await signIn(app, body);
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
    expect((await signIn(app, '', 'GET')).status).toBe(405);
    // Another site's form or text/plain post (sent without a preflight) is refused.
    const plain = await app.yoga.fetch('http://localhost/demo/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ handle: 'ok', name: 'Ok' }),
    });
    expect(plain.status).toBe(415);
  });
});
