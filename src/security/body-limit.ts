import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

interface FetchHandler {
  fetch(request: Request, context: { req: IncomingMessage; res: ServerResponse }): Promise<Response> | Response;
}

function refuse(res: ServerResponse, maxBytes: number) {
  const body = JSON.stringify({
    errors: [
      {
        message: `The request body is larger than ${maxBytes} bytes.`,
        extensions: { code: 'PAYLOAD_TOO_LARGE', limit: maxBytes },
      },
    ],
  });
  res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  res.end(body);
}

async function respond(res: ServerResponse, response: Response) {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) {
    res.end();
    return;
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  res.end();
}

/**
 * Refuses request bodies over `maxBytes` with 413 before GraphQL sees them: at once when
 * Content-Length says so; for a chunked body, while reading it, after which it is handed
 * to the server from memory.
 */
export function limitBodySize(maxBytes: number, next: RequestListener & FetchHandler): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) {
      refuse(res, maxBytes);
      req.resume();
      return;
    }
    if (declared !== undefined || !req.headers['transfer-encoding']) {
      next(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBytes) {
        refused = true;
        refuse(res, maxBytes);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined || name === 'transfer-encoding') continue;
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const request = new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`), {
        method: req.method,
        headers,
        body: Buffer.concat(chunks),
      });
      Promise.resolve(next.fetch(request, { req, res }))
        .then((response) => respond(res, response))
        .catch(() => {
          if (!res.headersSent) res.writeHead(500);
          res.end();
        });
    });
  };
}
