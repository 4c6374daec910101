/**
 * A WebSocket for graphql-ws's `webSocketImpl` that makes any graphql-ws client resume: it
 * remembers the last `extensions.cursor` each subscription received and, when the client sends
 * that subscription again after a reconnect, sets its `after` variable to that cursor, so the
 * server replays exactly what was missed. graphql-ws (and Apollo's and urql's transports, which
 * are built on it) re-send a subscription unchanged after a reconnect; without this, a
 * subscription without `after` loses what was posted meanwhile and one with a fixed `after`
 * receives it all again.
 *
 * Only subscriptions whose document declares `$after` can resume (Threadline's `commentAdded`,
 * `replyAdded` and `commentChanged` take it). Cursors are kept for the life of the page or
 * process, per subscription id and per subscription (document and variables), and dropped
 * when the client completes the subscription. No dependency: the same file serves browsers.
 */

/** What the wrapper needs of a WebSocket class: the browser's, or `ws` in Node. */
export interface WebSocketLike {
  send(data: string): void;
  // Written as a method's type so that a class whose listener takes a narrower event (ws's
  // MessageEvent, the browser's) still fits.
  onmessage: { listener(event: { data: unknown }): void }['listener'] | null;
}

type WebSocketClass<T extends WebSocketLike> = new (url: string | URL, protocols?: string | string[]) => T;

interface Message {
  id?: string;
  type?: string;
  payload?: {
    query?: string;
    operationName?: string | null;
    variables?: Record<string, unknown> | null;
    extensions?: { cursor?: unknown };
  };
}

const declaresAfter = (query: string) => /\$after\s*:/.test(query);

/** A subscription's identity apart from where it resumes: its document, operation and variables but `after`. */
function subscriptionKey(payload: NonNullable<Message['payload']>): string {
  const { after: _after, ...variables } = payload.variables ?? {};
  return JSON.stringify([
    payload.query ?? '',
    payload.operationName ?? null,
    Object.entries(variables).sort(([a], [b]) => (a < b ? -1 : 1)),
  ]);
}

function parse(data: unknown): Message | null {
  if (typeof data !== 'string') return null;
  try {
    const message = JSON.parse(data) as unknown;
    return typeof message === 'object' && message !== null ? (message as Message) : null;
  } catch {
    return null;
  }
}

/** The cursors one wrapped WebSocket class remembers, across all the sockets it makes. */
export class CursorMemory {
  private readonly byId = new Map<string, string>();
  private readonly byKey = new Map<string, string>();
  private readonly keyOf = new Map<string, string>();

  /** The outgoing message, with `after` set when its subscription has received a cursor. */
  outgoing(data: string): string {
    const message = parse(data);
    if (!message?.id || !message.payload) {
      if (message?.id && message.type === 'complete') this.forget(message.id);
      return data;
    }
    if (message.type !== 'subscribe' || typeof message.payload.query !== 'string' || !declaresAfter(message.payload.query)) return data;
    const key = subscriptionKey(message.payload);
    this.keyOf.set(message.id, key);
    const cursor = this.byId.get(message.id) ?? this.byKey.get(key);
    if (cursor === undefined) return data;
    return JSON.stringify({ ...message, payload: { ...message.payload, variables: { ...message.payload.variables, after: cursor } } });
  }

  /** Notes the cursor of an incoming `next`; forgets a subscription the server ended. */
  incoming(data: unknown): void {
    const message = parse(data);
    if (!message?.id) return;
    if (message.type === 'error' || message.type === 'complete') {
      this.forget(message.id);
      return;
    }
    const cursor = message.type === 'next' ? message.payload?.extensions?.cursor : undefined;
    const key = this.keyOf.get(message.id);
    if (typeof cursor !== 'string' || key === undefined) return;
    this.byId.set(message.id, cursor);
    this.byKey.set(key, cursor);
  }

  private forget(id: string): void {
    const key = this.keyOf.get(id);
    this.byId.delete(id);
    this.keyOf.delete(id);
    if (key !== undefined) this.byKey.delete(key);
  }
}

/**
 * Wraps a WebSocket class (the browser's `WebSocket` by default) for graphql-ws's
 * `createClient({ webSocketImpl })`.
 */
export function resumableWebSocket<T extends WebSocketLike>(
  // Any WebSocket constructor: the browser's takes (url, protocols), ws's has more overloads.
  Base: new (...args: never[]) => T = (globalThis as unknown as { WebSocket: WebSocketClass<T> }).WebSocket,
  memory = new CursorMemory(),
): WebSocketClass<T> {
  const Resumable = class extends (Base as unknown as new (url: string | URL, protocols?: string | string[]) => WebSocketLike) {
    override send(data: string): void {
      super.send(typeof data === 'string' ? memory.outgoing(data) : data);
    }

    override get onmessage(): WebSocketLike['onmessage'] {
      return super.onmessage;
    }

    override set onmessage(listener: WebSocketLike['onmessage']) {
      super.onmessage =
        listener &&
        ((event) => {
          memory.incoming(event.data);
          listener.call(this, event);
        });
    }
  };
  // graphql-ws reads OPEN and the other ready states from the class it is given.
  for (const state of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const) {
    Object.defineProperty(Resumable, state, { value: (Base as unknown as Record<string, number>)[state] });
  }
  return Resumable as unknown as WebSocketClass<T>;
}
