/**
 * The floor of S4 and S5 (bench/live.ts): the least a WebSocket server on Node can do to deliver
 * an event, in a process of its own like Threadline's server. A raw `ws` WebSocketServer on
 * node:http at /graphql that answers connection_init with connection_ack (so the load process
 * treats it exactly like Threadline) and, on `POST /broadcast`, sends every open socket the same
 * bytes: one real `next` message captured from Threadline, read once from the file named by
 * the first argument. No GraphQL, no database, no per-subscriber work beyond the send.
 *
 * Prints `{"msg":"floor is listening","url":"http://127.0.0.1:<port>/graphql"}` when ready.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const payloadFile = process.argv[2];
if (!payloadFile) throw new Error('usage: live-floor-server.ts <file holding the message to broadcast>');
// Encoded once: the floor pays for no serialisation, only for framing and writing.
const payload = readFileSync(payloadFile);
const ack = Buffer.from('{"type":"connection_ack"}');

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/broadcast') {
    res.writeHead(404).end();
    return;
  }
  req.resume();
  req.on('end', () => {
    let sent = 0;
    for (const socket of sockets.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      // Text frames, as graphql-ws sends; a Buffer with binary: false skips ws's string encoding.
      socket.send(payload, { binary: false });
      sent++;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sent }));
  });
});

const sockets = new WebSocketServer({ server, path: '/graphql' });
sockets.on('connection', (socket) => {
  socket.on('message', (data) => {
    // Only connection_init needs an answer; subscribe and the rest are ignored.
    if ((data as Buffer).includes('"connection_init"')) socket.send(ack, { binary: false });
  });
});

server.listen(0, '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ msg: 'floor is listening', url: `http://${address}:${port}/graphql` }));
});

process.once('SIGTERM', () => {
  for (const socket of sockets.clients) socket.terminate();
  sockets.close();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
