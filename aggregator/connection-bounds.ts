// The aggregator's bounds on connections, beneath the routes: request headers must arrive (a
// connection that never sends a request is closed too), bodies must keep arriving, idle keep-alive
// connections are closed, and at most maxConnections are open at once. Each closure is counted.
// Node's http server keeps the clocks it has (headers, whole request, keep-alive, socket idle).
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { CHECK_INTERVAL_MS, BODY_RATE_GRACE_MS, type ConnectionBounds } from './connection-bounds-settings.ts';

type Reason = 'no_request' | 'request_timeout' | 'body_too_slow' | 'at_bound';
const TIMEOUT_ANSWER =
  'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ';
const seen = Symbol('swarmscope.requestSeen');
type Tracked = Socket & { [seen]?: boolean };

/**
 * What Node's server does not do: close a connection that sends no request at all, cut bodies that
 * trickle, cap connections and count all of it. `secure`: the HTTP layer starts at the handshake.
 */
export function enforceConnectionBounds(
  app: FastifyInstance,
  bounds: ConnectionBounds,
  opts: { registry: Registry; secure: boolean },
): void {
  const server = app.server as Server;
  server.maxConnections = bounds.maxConnections;
  let open = 0;
  new Gauge({
    name: 'swarmscope_aggregator_connections',
    help: 'Client connections open now (HTTP layer; bounded by SWARMSCOPE_MAX_CONNECTIONS)',
    registers: [opts.registry],
    collect() {
      this.set(open);
    },
  });
  const closed = new Counter({
    name: 'swarmscope_aggregator_connections_closed_total',
    help: 'Connections the aggregator closed, by reason: no_request (none within SWARMSCOPE_HEADERS_TIMEOUT of opening), request_timeout (headers or body late), body_too_slow (under SWARMSCOPE_MIN_BODY_RATE), at_bound (over SWARMSCOPE_MAX_CONNECTIONS, closed on arrival)',
    labelNames: ['reason'],
    registers: [opts.registry],
  });
  for (const reason of ['no_request', 'request_timeout', 'body_too_slow', 'at_bound'] as const)
    closed.inc({ reason }, 0);
  const cut = (socket: Socket, reason: Reason, why: string) => {
    closed.inc({ reason });
    // An answer only to a client that started a request; a silent socket just goes.
    if (socket.bytesRead > 0 && socket.writable) {
      const body = JSON.stringify({ error: 'request_timeout', reason: why });
      socket.end(`${TIMEOUT_ANSWER}${Buffer.byteLength(body)}\r\n\r\n${body}`);
    }
    socket.destroySoon();
    setTimeout(() => socket.destroy(), CHECK_INTERVAL_MS).unref();
  };

  server.on('drop', () => closed.inc({ reason: 'at_bound' }));
  server.on(opts.secure ? 'secureConnection' : 'connection', (socket: Tracked) => {
    open++;
    const timer = setTimeout(() => {
      if (!socket[seen])
        cut(socket, 'no_request', `no request headers within ${bounds.headersTimeoutMs} ms of connecting`);
    }, bounds.headersTimeoutMs).unref();
    socket.once('close', () => {
      open--;
      clearTimeout(timer);
    });
  });
  server.on('request', (req: { socket: Tracked }) => {
    req.socket[seen] = true;
  });
  // Node answers its own header and request timeouts (408, then closes): counted here.
  server.on('clientError', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') closed.inc({ reason: 'request_timeout' });
  });

  // Bodies being received: bytes read on their socket so far against the time since their headers.
  if (bounds.minBodyBytesPerSecond > 0) {
    const receiving = new Map<Socket, { t0: number; bytes0: number }>();
    app.addHook('onRequest', async (req) => {
      const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
      if (!hasBody) return;
      const socket = req.raw.socket;
      receiving.set(socket, { t0: Date.now(), bytes0: socket.bytesRead });
      const done = () => receiving.delete(socket);
      req.raw.once('end', done);
      req.raw.once('close', done);
    });
    const sweep = setInterval(() => {
      const now = Date.now();
      for (const [socket, r] of receiving) {
        // A socket closed under an unread body may end no request stream: it leaves here.
        if (socket.destroyed) {
          receiving.delete(socket);
          continue;
        }
        const late = now - r.t0 - BODY_RATE_GRACE_MS;
        if (late <= 0) continue;
        if (socket.bytesRead - r.bytes0 >= (bounds.minBodyBytesPerSecond * late) / 1000) continue;
        receiving.delete(socket);
        cut(socket, 'body_too_slow', `body arriving slower than ${bounds.minBodyBytesPerSecond} bytes/s`);
      }
    }, CHECK_INTERVAL_MS).unref();
    app.addHook('onClose', async () => clearInterval(sweep));
  }
}
