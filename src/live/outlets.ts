/**
 * Where a grouped subscription's answers go (src/live/groups.ts): the transport's own bytes,
 * written straight to the subscriber's socket or stream. An answer is serialised once per
 * group and event (`SharedAnswer`); each outlet only frames it.
 */
import type { ExecutionResult } from 'graphql';
import type WebSocket from 'ws';
import { SubscriberOverflowError } from './pubsub.js';

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
  /** Sends one answer; false once this subscriber is more than its queue behind. */
  send(answer: SharedAnswer): boolean;
  /** The group took the subscriber: from now on its transport keeps it, and `leave` ends it. */
  join(leave: () => void): void;
  /** The group ended the subscriber: too slow (SubscriberOverflowError), or the group failed. */
  end(error: Error): void;
  /** The subscriber is gone: it leaves its group. */
  stop(): void;
}

/**
 * What outlets share: the membership the group handed over, and telling the transport when
 * the group ends it (the transport may learn that it joined after the group has ended it).
 */
abstract class Membership {
  #leave: (() => void) | null = null;
  #ended: Error | null = null;
  #onEnd: ((error: Error) => void) | null = null;

  get joined(): boolean {
    return this.#leave !== null || this.#ended !== null;
  }

  join(leave: () => void): void {
    this.#leave = leave;
  }

  /** The client is gone or unsubscribed: leave the group. */
  stop(): void {
    const leave = this.#leave;
    this.#leave = null;
    leave?.();
  }

  end(error: Error): void {
    this.#leave = null;
    this.#ended = error;
    const onEnd = this.#onEnd;
    this.#onEnd = null;
    onEnd?.(error);
  }

  whenEnded(onEnd: (error: Error) => void): void {
    if (this.#ended) onEnd(this.#ended);
    else this.#onEnd = onEnd;
  }
}

/**
 * One graphql-ws operation on one socket: a `next` message is the operation's own prefix
 * (`{"id":…,"type":"next","payload":`) and the group's shared tail, copied into one buffer so
 * that ws writes one frame. A socket holding more than `maxQueue` messages of this size that it
 * has not yet written is too slow, as with any other queue of ours, and `onSlow` closes it.
 * (Its buffered bytes are read, not counted with a callback per message: one fewer allocation
 * and one fewer tick per delivery.)
 */
export class SocketOutlet extends Membership implements Outlet {
  readonly attached = true;
  readonly #prefix: Buffer;

  constructor(
    readonly socket: WebSocket,
    id: string,
    readonly maxQueue: number,
    readonly onSlow: () => void,
  ) {
    super();
    this.#prefix = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  }

  send(answer: SharedAnswer): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return true;
    const tail = answer.socketTail;
    const length = this.#prefix.length + tail.length;
    if (this.socket.bufferedAmount > this.maxQueue * length) return false;
    this.socket.send(Buffer.concat([this.#prefix, tail], length), { binary: false });
    return true;
  }

  override end(error: Error): void {
    // A slow subscriber's socket closes (4499) before its operation is ended, so no error message
    // goes out for it: graphql-ws clients then re-send the subscription after reconnecting, as
    // they do after any close, where an error message would make them give it up.
    if (error instanceof SubscriberOverflowError) this.onSlow();
    super.end(error);
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
export class StreamOutlet extends Membership implements Outlet {
  #controller: StreamController | null = null;

  constructor(
    readonly maxQueue: number,
    /** When the token the stream began with expires: the stream ends then (src/live/sse.ts). */
    readonly expiresAt: Date | undefined,
  ) {
    super();
  }

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
