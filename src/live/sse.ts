import type { Plugin } from 'graphql-yoga';
import { type Context, streamOutlets } from '../context.js';
import { atTime, tokenExpiredError } from './expiry.js';
import type { StreamOutlet } from './outlets.js';

interface StreamResult {
  data?: unknown;
  errors?: readonly unknown[];
  extensions?: { cursor?: string } & Record<string, unknown>;
}

const pingEveryMs = 12_000;

/**
 * Server-Sent Events whose `id` is the event cursor, so a browser's EventSource resumes by
 * itself: on reconnect it sends `Last-Event-ID`, which subscriptions read as `after`.
 */
function streamWithIds(
  result: AsyncIterable<StreamResult>,
  fetchAPI: { ReadableStream: typeof ReadableStream; Response: typeof Response },
  outlet: StreamOutlet | undefined,
): Response {
  const iterator = result[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  let ping: NodeJS.Timeout | undefined;
  /** Set once the subscription joined its live group: the group writes here, the pipeline is done. */
  let grouped = false;
  let cancelExpiry: (() => void) | undefined;
  const next = (value: StreamResult) => {
    const cursor = value.extensions?.cursor;
    const json = JSON.stringify({ data: value.data, errors: value.errors, extensions: value.extensions });
    return encoder.encode(`${cursor ? `id: ${cursor}\n` : ''}event: next\ndata: ${json}\n\n`);
  };
  const complete = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    clearInterval(ping);
    controller.enqueue(encoder.encode('event: complete\ndata:\n\n'));
    controller.close();
  };
  /** The group keeps the subscriber from here on: end it with its token, or when the group ends it. */
  const handOver = (outlet: StreamOutlet, controller: ReadableStreamDefaultController<Uint8Array>) => {
    grouped = true;
    if (outlet.expiresAt) {
      cancelExpiry = atTime(outlet.expiresAt, () => {
        outlet.stop();
        controller.enqueue(next({ errors: [tokenExpiredError()] }));
        complete(controller);
      });
    }
    outlet.whenEnded((error) => {
      clearInterval(ping);
      cancelExpiry?.();
      controller.error(error);
    });
  };
  const body = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      // A grouped subscription's shared answers are written here too (src/live/groups.ts).
      outlet?.attach(controller);
      // A comment line at once: some browsers wait for the first bytes before reporting the stream open.
      controller.enqueue(encoder.encode(':\n\n'));
      ping = setInterval(() => {
        if (controller.desiredSize === null) clearInterval(ping);
        else controller.enqueue(encoder.encode(':\n\n'));
      }, pingEveryMs);
    },
    async pull(controller) {
      if (grouped) return;
      try {
        const { value, done } = await iterator.next();
        if (value != null) controller.enqueue(next(value));
        if (done) {
          if (outlet?.joined) handOver(outlet, controller);
          else complete(controller);
        }
      } catch (error) {
        clearInterval(ping);
        controller.error(error);
      }
    },
    async cancel() {
      clearInterval(ping);
      cancelExpiry?.();
      if (grouped) outlet?.stop();
      else await iterator.return?.();
    },
  });
  return new fetchAPI.Response(body, {
    status: 200,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' },
  });
}

/**
 * Every subscription result carries its event's cursor in `extensions.cursor` (whatever the
 * client selected), and subscriptions over SSE send it as the event id.
 */
export function useEventCursors(): Plugin<Context> {
  return {
    onSubscribe: ({ args }) => ({
      onSubscribeResult: () => ({
        onNext: ({ result, setResult }) => {
          const cursor = (args.contextValue as Partial<Context>).liveCursor;
          if (cursor) setResult({ ...result, extensions: { ...result.extensions, cursor } });
        },
      }),
    }),
    onResultProcess: ({ request, result, setResultProcessor }) => {
      const accept = request.headers.get('accept') ?? '';
      if (accept.includes('text/event-stream') && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
        const outlet = streamOutlets.get(request);
        setResultProcessor((value, fetchAPI) => streamWithIds(value as AsyncIterable<StreamResult>, fetchAPI, outlet), 'text/event-stream');
      }
    },
  };
}
