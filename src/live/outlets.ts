/**
 * Where a grouped subscription's answers go (src/live/groups.ts): the transport's own bytes,
 * written straight to the subscriber's socket or stream. An answer is serialised once per
 * group and event (`SharedAnswer`); each outlet only frames it.
 */
import type { ExecutionResult } from 'graphql';
import type WebSocket from 'ws';

/**
 * One event's answer for a whole group, with its encodings made on first use and then shared
 * by every subscriber of the group: the JSON once, the WebSocket tail once, the SSE frame once.
 */
export class SharedAnswer {
  #json: string | undefined;
  #socketTail: Buffer | undefined;
  #streamFrame: Buffer | undefined;

  constructor(readonly result: ExecutionResult) {}

  /** The payload as graphql-ws and our SSE frames send it (GraphQLError's toJSON does the errors). */
  get json(): string {
    this.#json ??= JSON.stringify(this.result);
    return this.#json;
  }

  /** The payload and the `}` that closes a graphql-ws message around it. */
  get socketTail(): Buffer {
    this.#socketTail ??= Buffer.from(`${this.json}}`);
    return this.#socketTail;
  }

  /** A whole Server-Sent Event, its `id` the event's cursor (src/live/sse.ts sends the same shape). */
  get streamFrame(): Buffer {
    if (!this.#streamFrame) {
      const cursor = (this.result.extensions as { cursor?: string } | undefined)?.cursor;
      this.#streamFrame = Buffer.from(`${cursor ? `id: ${cursor}\n` : ''}event: next\ndata: ${this.json}\n\n`);
    }
    return this.#streamFrame;
  }
}

/** A subscriber's transport, as a group sees it. */
export interface Outlet {
  /** Whether answers can be written yet (an SSE body exists only once the response is made). */
  readonly attached: boolean;
  /** Sends one answer; false once this subscriber is more than its queue behind (it is then ended). */
  send(answer: SharedAnswer): boolean;
}

/**
 * One graphql-ws operation on one socket: a `next` message is the operation's own prefix
 * (`{"id":…,"type":"next","payload":`) and the group's shared tail, copied into one buffer so
 * that ws writes one frame. Messages the socket has not yet written are counted; past
 * `maxQueue` the subscriber is too slow, as with any other queue of ours.
 */
export class SocketOutlet implements Outlet {
  readonly #prefix: Buffer;
  #unwritten = 0;
  readonly #written = () => {
    this.#unwritten--;
  };

  constructor(
    readonly socket: WebSocket,
    id: string,
    readonly maxQueue: number,
  ) {
    this.#prefix = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  }

  readonly attached = true;

  send(answer: SharedAnswer): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return true;
    if (this.#unwritten >= this.maxQueue) return false;
    const tail = answer.socketTail;
    this.#unwritten++;
    this.socket.send(Buffer.concat([this.#prefix, tail], this.#prefix.length + tail.length), { binary: false }, this.#written);
    return true;
  }
}

/** The controller of a Server-Sent Event response body (src/live/sse.ts). */
export interface StreamController {
  readonly desiredSize: number | null;
  enqueue(chunk: Uint8Array): void;
}

/**
 * A Server-Sent Event stream: every subscriber of a group gets the same frame, bytes and all.
 * Attached once the response body exists; the stream's own queue is the subscriber's queue.
 */
export class StreamOutlet implements Outlet {
  #controller: StreamController | null = null;

  constructor(readonly maxQueue: number) {}

  get attached(): boolean {
    return this.#controller !== null;
  }

  attach(controller: StreamController): void {
    this.#controller = controller;
  }

  send(answer: SharedAnswer): boolean {
    const controller = this.#controller;
    // Closed or cancelled (desiredSize null): the subscription is ending; nothing to send to.
    if (!controller || controller.desiredSize === null) return true;
    if (controller.desiredSize <= -this.maxQueue) return false;
    controller.enqueue(answer.streamFrame);
    return true;
  }
}
