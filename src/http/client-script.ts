/**
 * The browser scripts, each one ES module bundled and minified by esbuild the first time it is
 * asked for, then kept: `GET /client.js`, the resumable WebSocket (src/client/resumable.ts), and
 * `GET /widget.js`, the `<threadline-comments>` element (src/widget/), graphql-ws included.
 * Public and the same for every origin (a module script is fetched with CORS); revalidated by
 * their ETags.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Plugin } from 'graphql-yoga';
import { matchesEtag } from './html.js';

export const clientScriptPath = '/client.js';
export const widgetScriptPath = '/widget.js';

const entries: Record<string, string> = {
  [clientScriptPath]: fileURLToPath(new URL('../client/resumable.ts', import.meta.url)),
  [widgetScriptPath]: fileURLToPath(new URL('../widget/index.ts', import.meta.url)),
};

interface Script {
  body: string;
  etag: string;
}

const bundled = new Map<string, Promise<Script>>();

/** The bundle served at `path` (one of the paths above), built once per process. */
export function browserScript(path: string): Promise<Script> {
  let script = bundled.get(path);
  if (!script) {
    script = build({
      entryPoints: [entries[path]!],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      minify: true,
      write: false,
      logLevel: 'silent',
    }).then((result) => {
      const body = result.outputFiles[0]!.text;
      return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
    });
    bundled.set(path, script);
    // A failed build is tried again by the next request, not kept.
    script.catch(() => bundled.delete(path));
  }
  return script;
}

export function useClientScript(): Plugin {
  let logError: (error: unknown) => void = () => {};
  return {
    onYogaInit({ yoga }) {
      logError = (error) => yoga.logger.error('could not bundle a browser script', error);
    },
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (!Object.hasOwn(entries, url.pathname)) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      let script: Script;
      try {
        script = await browserScript(url.pathname);
      } catch (error) {
        // Thrown out of onRequest, the error would reach the client with its stack.
        logError(error);
        endResponse(
          new fetchAPI.Response('The script could not be built; try again in a moment.', {
            status: 503,
            headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
          }),
        );
        return;
      }
      const { body, etag } = script;
      const headers = {
        'content-type': 'text/javascript; charset=utf-8',
        etag,
        'cache-control': 'public, max-age=300, must-revalidate',
        'access-control-allow-origin': '*',
        // With an origin allowlist, Yoga's CORS answers the asking origin: caches must keep one copy per origin.
        vary: 'Origin',
      };
      if (matchesEtag(request.headers.get('if-none-match'), etag)) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { headers }));
    },
  };
}
