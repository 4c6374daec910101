/**
 * `GET /client.js`: the resumable WebSocket (src/client/resumable.ts) as one ES module for
 * browsers, bundled and minified by esbuild the first time it is asked for and kept. Public and
 * the same for every origin (a module script is fetched with CORS); revalidated by its ETag.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Plugin } from 'graphql-yoga';

export const clientScriptPath = '/client.js';
const source = fileURLToPath(new URL('../client/resumable.ts', import.meta.url));

let bundled: Promise<{ body: string; etag: string }> | undefined;

function clientScript() {
  bundled ??= build({
    entryPoints: [source],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: true,
    write: false,
    logLevel: 'silent',
  }).then((result) => {
    const body = result.outputFiles[0]!.text;
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
  });
  return bundled;
}

export function useClientScript(): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== clientScriptPath) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      const { body, etag } = await clientScript();
      const headers = {
        'content-type': 'text/javascript; charset=utf-8',
        etag,
        'cache-control': 'public, max-age=300, must-revalidate',
        'access-control-allow-origin': '*',
      };
      if (request.headers.get('if-none-match') === etag) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { headers }));
    },
  };
}
