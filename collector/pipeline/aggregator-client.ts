// The HTTP client (undici Agent) the shipper talks to aggregators through: keep-alive, one
// connection per concurrent batch, and TLS when configured: the aggregator's certificate checked
// against a CA file, and a client certificate and key for mutual TLS.
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';

export type AggregatorTls = Readonly<{
  /** CA that signed the aggregator's certificate (default: the system's CAs). */
  caFile: string | undefined;
  /** Client certificate and key for mTLS (the aggregator's SWARMSCOPE_TLS_CLIENT_CA_FILE). */
  certFile: string | undefined;
  keyFile: string | undefined;
}>;

export function createAggregatorAgent(opts: { connections: number; tls?: AggregatorTls }): Agent {
  const tls = opts.tls;
  return new Agent({
    keepAliveTimeout: 10_000,
    connections: opts.connections,
    connect: {
      ...(tls?.caFile ? { ca: readFileSync(tls.caFile) } : {}),
      ...(tls?.certFile && tls.keyFile ? { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } : {}),
    },
  });
}
