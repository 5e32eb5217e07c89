// The HTTP client (undici Agent) the shipper talks to aggregators through: keep-alive, one
// connection per concurrent batch, and TLS when configured: the aggregator's certificate checked
// against a CA file, and a client certificate and key for mutual TLS. A batch whose kept-alive
// connection the aggregator closed under it is sent again at once on a new one.
import { readFileSync } from 'node:fs';
import { Agent, interceptors, type Dispatcher } from 'undici';

export type AggregatorTls = Readonly<{
  /** CA that signed the aggregator's certificate (default: the system's CAs). */
  caFile: string | undefined;
  /** Client certificate and key for mTLS (the aggregator's SWARMSCOPE_TLS_CLIENT_CA_FILE). */
  certFile: string | undefined;
  keyFile: string | undefined;
}>;

/**
 * Errors of a connection closed under a request (the aggregator's keep-alive timeout crossing a
 * batch on the wire). Ingest is idempotent (record ids), so one immediate resend on a new
 * connection is safe; a refused connection is not among them: that is the shipper's failover.
 */
const CLOSED_UNDER_REQUEST = ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'];

/** onResend: told of each such resend, so that the shipper counts the answer that never came. */
export function createAggregatorAgent(opts: {
  connections: number;
  tls?: AggregatorTls;
  onResend?: () => void;
}): Dispatcher {
  const tls = opts.tls;
  // An idle connection is dropped by the client before the aggregator's advertised
  // `Keep-Alive: timeout=` (less undici's 2 s threshold), or after 10 s without one.
  const agent = new Agent({
    keepAliveTimeout: 10_000,
    connections: opts.connections,
    connect: {
      ...(tls?.caFile ? { ca: readFileSync(tls.caFile) } : {}),
      ...(tls?.certFile && tls.keyFile ? { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } : {}),
    },
  });
  return agent.compose(
    interceptors.retry({
      // Statuses are the shipper's (Retry-After, backoff, set aside): every answer is passed on as it
      // came (an empty list: undici's default retries 5xx and 429 itself); a closed connection is
      // sent again once, at once, and counted.
      statusCodes: [],
      errorCodes: CLOSED_UNDER_REQUEST,
      retry: (err, { state }, done) => {
        const code = (err as { code?: string }).code;
        if (code === undefined || !CLOSED_UNDER_REQUEST.includes(code) || state.counter > 1) return done(err);
        opts.onResend?.();
        // Asynchronously, as undici's own retry does: the closed socket is let go of first.
        setTimeout(() => done(null), 0);
        return undefined;
      },
    }),
  );
}
