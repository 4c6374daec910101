/**
 * The graphql-transport-ws protocol (graphql-ws's PROTOCOL.md) on a `ws` server, built on
 * graphql-ws's own message parsing and constants. Ours rather than graphql-ws's `useServer`
 * for what an idle subscription holds: graphql-ws keeps every subscription's whole pipeline
 * (context, envelop hooks, executor wrappers, a chain of waiting iterators: about 20 KB) and
 * the upgrade request for as long as it lives. Here a subscription that joined its live group
 * (src/live/groups.ts) keeps only its outlet, and its pipeline is let go; connections share
 * one keep-alive timer. The close codes and messages are graphql-ws's.
 */
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, handleProtocols, MessageType, parseMessage } from 'graphql-ws';
import { type ExecutionResult, GraphQLError } from 'graphql';
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../logger.js';
import type { SocketOutlet } from './outlets.js';
import { SubscriberOverflowError } from './pubsub.js';

/** What a connection knows of its client once connection_init has come. */
export interface SocketConnection {
  readonly socket: WebSocket;
  connectionParams: Readonly<Record<string, unknown>> | undefined;
  /** Operations running on the connection, counting the one being prepared. */
  readonly operationCount: number;
}

/** An operation ready to run: `run` executes or subscribes; `outlet` takes a grouped subscription's answers. */
export interface PreparedOperation {
  run(): Promise<ExecutionResult | AsyncIterable<ExecutionResult>> | ExecutionResult | AsyncIterable<ExecutionResult>;
  outlet?: SocketOutlet;
}

export interface SocketServerOptions {
  keepAliveMs: number;
  initTimeoutMs: number;
  logger: Logger;
  /** connection_init: false refuses the connection (4403). */
  connect(connection: SocketConnection, request: IncomingMessage): Promise<boolean>;
  /** A subscribe message: the operation, or the errors to answer it with. */
  prepare(
    connection: SocketConnection,
    id: string,
    payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  ): Promise<PreparedOperation | readonly GraphQLError[]>;
}

/** What ends an operation: its iterator's return(), or its outlet leaving its group. */
interface Running {
  stop(): void;
}

class Connection implements SocketConnection {
  connectionParams: Readonly<Record<string, unknown>> | undefined;
  initReceived = false;
  acknowledged = false;
  awaitingPong = false;
  initTimer: NodeJS.Timeout | null = null;
  readonly operations = new Map<string, Running>();

  constructor(
    readonly socket: WebSocket,
    public request: IncomingMessage | null,
  ) {}

  get operationCount(): number {
    return this.operations.size;
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  send(message: string): Promise<void> {
    if (!this.open) return Promise.resolve();
    return new Promise((resolve) => this.socket.send(message, () => resolve()));
  }
}

const connections = new WeakMap<WebSocket, Connection>();

/** The error a client is told when its operation's stream fails: our own errors as they are, anything else masked. */
function streamError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof SubscriberOverflowError) return new GraphQLError(error.message, { extensions: { code: 'SLOW_SUBSCRIBER' } });
  return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/**
 * What a joined operation does when its group ends it: it is answered with the error and
 * forgotten. Made out here: a closure made inside `subscribe` would keep that whole scope,
 * its pipeline included, for as long as the operation lives.
 */
const endsOperation = (connection: Connection, id: string, outlet: SocketOutlet) => (error: Error) => {
  if (connection.operations.get(id) !== outlet) return;
  connection.operations.delete(id);
  void connection.send(errorMessage(id, [streamError(error)]));
};

const errorMessage = (id: string, errors: readonly GraphQLError[]) =>
  JSON.stringify({ id, type: MessageType.Error, payload: errors.map((error) => error.toJSON()) });

export function serveSockets(sockets: WebSocketServer, options: SocketServerOptions): { dispose(): Promise<void> } {
  const { logger } = options;
  sockets.options.handleProtocols = handleProtocols;

  // One timer for every connection: each is pinged, and one that has not answered the last ping is dropped.
  const keepAlive = setInterval(() => {
    for (const socket of sockets.clients) {
      const connection = connections.get(socket);
      if (!connection?.open) continue;
      if (connection.awaitingPong) {
        socket.terminate();
        continue;
      }
      connection.awaitingPong = true;
      socket.ping();
    }
  }, options.keepAliveMs);
  keepAlive.unref();

  function onPong(this: WebSocket) {
    const connection = connections.get(this);
    if (connection) connection.awaitingPong = false;
  }

  function onClose(this: WebSocket) {
    const connection = connections.get(this);
    if (!connection) return;
    if (connection.initTimer) clearTimeout(connection.initTimer);
    const running = [...connection.operations.values()];
    connection.operations.clear();
    for (const operation of running) operation.stop();
  }

  async function onMessage(this: WebSocket, data: Buffer | ArrayBuffer | Buffer[]) {
    const connection = connections.get(this);
    if (!connection) return;
    try {
      await handle(connection, String(data));
    } catch (error) {
      logger.error({ err: error }, 'closed a WebSocket after an error handling its message');
      this.close(CloseCode.InternalServerError, 'Internal server error');
    }
  }

  async function handle(connection: Connection, data: string): Promise<void> {
    const { socket } = connection;
    let message: ReturnType<typeof parseMessage>;
    try {
      message = parseMessage(data);
    } catch {
      socket.close(CloseCode.BadRequest, 'Invalid message received');
      return;
    }
    switch (message.type) {
      case MessageType.ConnectionInit: {
        if (connection.initReceived) {
          socket.close(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
          return;
        }
        connection.initReceived = true;
        if (connection.initTimer) clearTimeout(connection.initTimer);
        connection.initTimer = null;
        if (message.payload && typeof message.payload === 'object') connection.connectionParams = message.payload;
        const request = connection.request!;
        // The upgrade request is needed no longer: an idle connection does not keep it.
        connection.request = null;
        if (!(await options.connect(connection, request))) {
          socket.close(CloseCode.Forbidden, 'Forbidden');
          return;
        }
        connection.acknowledged = true;
        await connection.send(JSON.stringify({ type: MessageType.ConnectionAck }));
        return;
      }
      case MessageType.Ping:
        await connection.send(
          JSON.stringify(message.payload ? { type: MessageType.Pong, payload: message.payload } : { type: MessageType.Pong }),
        );
        return;
      case MessageType.Pong:
        return;
      case MessageType.Subscribe:
        await subscribe(connection, message.id, message.payload);
        return;
      case MessageType.Complete: {
        const running = connection.operations.get(message.id);
        connection.operations.delete(message.id);
        running?.stop();
        return;
      }
      default:
        socket.close(CloseCode.BadRequest, 'Invalid message received');
    }
  }

  async function subscribe(
    connection: Connection,
    id: string,
    payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  ): Promise<void> {
    const { socket, operations } = connection;
    if (!connection.acknowledged) {
      socket.close(CloseCode.Unauthorized, 'Unauthorized');
      return;
    }
    if (operations.has(id)) {
      socket.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
      return;
    }
    // A placeholder of its own: the id may be completed and subscribed again while this one is prepared.
    const reserved: Running = { stop() {} };
    operations.set(id, reserved);
    const still = (running: Running) => operations.get(id) === running;
    const prepared = await options.prepare(connection, id, payload);
    if (Array.isArray(prepared)) {
      if (still(reserved)) {
        operations.delete(id);
        await connection.send(errorMessage(id, prepared));
      }
      return;
    }
    const { run, outlet } = prepared as PreparedOperation;
    if (!still(reserved)) return;
    const result = await run();
    if (!isAsyncIterable(result)) {
      if (!still(reserved)) return;
      await connection.send(JSON.stringify({ id, type: MessageType.Next, payload: result }));
      if (still(reserved)) {
        operations.delete(id);
        await connection.send(JSON.stringify({ id, type: MessageType.Complete }));
      }
      return;
    }
    const iterator = result[Symbol.asyncIterator]();
    const running: Running = { stop: () => void iterator.return?.() };
    if (!still(reserved)) {
      running.stop();
      return;
    }
    operations.set(id, running);
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done || !still(running)) break;
        await connection.send(JSON.stringify({ id, type: MessageType.Next, payload: next.value }));
      }
    } catch (error) {
      if (still(running)) {
        operations.delete(id);
        await connection.send(errorMessage(id, [streamError(error)]));
      }
      return;
    }
    if (!still(running)) return;
    if (outlet?.joined) {
      // Its group answers it from here on; only the outlet stays, and the pipeline goes.
      operations.set(id, outlet);
      outlet.whenEnded(endsOperation(connection, id, outlet));
      return;
    }
    operations.delete(id);
    await connection.send(JSON.stringify({ id, type: MessageType.Complete }));
  }

  sockets.on('connection', (socket, request) => {
    const connection = new Connection(socket, request);
    connections.set(socket, connection);
    if (socket.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
      socket.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
      return;
    }
    if (options.initTimeoutMs > 0 && Number.isFinite(options.initTimeoutMs)) {
      connection.initTimer = setTimeout(() => {
        if (!connection.initReceived) socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
      }, options.initTimeoutMs);
    }
    socket.on('message', onMessage);
    socket.on('pong', onPong);
    socket.once('close', onClose);
  });

  return {
    async dispose() {
      clearInterval(keepAlive);
      for (const socket of sockets.clients) socket.close(1001, 'Going away');
    },
  };
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<ExecutionResult> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
