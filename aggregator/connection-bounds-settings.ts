// The aggregator's connection bounds as settings: read and checked from the environment, and
// turned into the options Node's http server takes. Apart from their enforcement
// (connection-bounds.ts), so that reading the configuration loads no prom-client (the collector
// reads both sides' settings at start: 2-3 MiB of resident heap on every node).
import type { EnvReader } from '../common/env.ts';

export type ConnectionBounds = Readonly<{
  /** Request headers complete within this: of the connection opening for its first request, of the first byte for later ones. */
  headersTimeoutMs: number;
  /** The whole request (headers and body) received within this of its first byte. */
  bodyTimeoutMs: number;
  /** A body must arrive at least this fast on average once past BODY_RATE_GRACE_MS (0: no rate bound). */
  minBodyBytesPerSecond: number;
  /** A keep-alive connection idle between requests this long is closed (advertised in `Keep-Alive: timeout=`). */
  keepAliveTimeoutMs: number;
  /** No byte moving either way this long closes the connection, even mid-request (a client that stops reading). */
  socketTimeoutMs: number;
  /** Connections open at once; past it, new connections are closed at once (counted, reason at_bound). */
  maxConnections: number;
}>;

/** How often Node checks header and request clocks, and this module body rates: bounds hold within it. */
export const CHECK_INTERVAL_MS = 1000;
/** A body's first seconds are free of the rate bound (a collector's TCP window opening, a GC pause). */
export const BODY_RATE_GRACE_MS = 5000;

export function readConnectionBounds(r: EnvReader): ConnectionBounds {
  const b = {
    headersTimeoutMs: r.durationMs('SWARMSCOPE_HEADERS_TIMEOUT', '10s'),
    bodyTimeoutMs: r.durationMs('SWARMSCOPE_BODY_TIMEOUT', '60s'),
    minBodyBytesPerSecond: r.bytes('SWARMSCOPE_MIN_BODY_RATE', '16KiB'),
    keepAliveTimeoutMs: r.durationMs('SWARMSCOPE_KEEPALIVE_TIMEOUT', '5s'),
    socketTimeoutMs: r.durationMs('SWARMSCOPE_SOCKET_TIMEOUT', '2m'),
    maxConnections: r.int('SWARMSCOPE_MAX_CONNECTIONS', 4096, 16),
  };
  const atLeastOneSecond = [
    ['SWARMSCOPE_HEADERS_TIMEOUT', b.headersTimeoutMs],
    ['SWARMSCOPE_BODY_TIMEOUT', b.bodyTimeoutMs],
    ['SWARMSCOPE_KEEPALIVE_TIMEOUT', b.keepAliveTimeoutMs],
    ['SWARMSCOPE_SOCKET_TIMEOUT', b.socketTimeoutMs],
  ] as const;
  for (const [name, ms] of atLeastOneSecond)
    if (ms < 1000) r.problems.push(`${name}: the shortest is 1s (clocks are checked every second)`);
  if (b.bodyTimeoutMs < b.headersTimeoutMs)
    r.problems.push('SWARMSCOPE_BODY_TIMEOUT (headers and body) must be at least SWARMSCOPE_HEADERS_TIMEOUT');
  return b;
}

/** Fastify's own options for the bounds Node's http server enforces. */
export function serverBoundOptions(b: ConnectionBounds) {
  return {
    connectionTimeout: b.socketTimeoutMs,
    keepAliveTimeout: b.keepAliveTimeoutMs,
    requestTimeout: b.bodyTimeoutMs,
    /** For http.createServer / https.createServer (only settable there). */
    server: { headersTimeout: b.headersTimeoutMs, connectionsCheckingInterval: CHECK_INTERVAL_MS },
  };
}
