// HTTPS for the aggregator: fastify's `https` options from the configured certificate, key and,
// for mutual TLS, the CA that signs collectors' client certificates. A client certificate is asked
// for at the handshake but required on the ingest route only (requireClientCertificate): the
// container health check and Prometheus, which have none, still reach /healthz and /metrics.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { INGEST_PATH } from '../common/wire.ts';

export type AggregatorTlsConfig = Readonly<{
  certFile: string | undefined;
  keyFile: string | undefined;
  /** When set, collectors must present a client certificate this CA signed (mTLS). */
  clientCaFile: string | undefined;
}>;

/** `handshakeTimeoutMs`: a connection that does not finish its TLS handshake within it is closed. */
export function httpsOptions(tls: AggregatorTlsConfig, handshakeTimeoutMs: number) {
  if (!tls.certFile || !tls.keyFile) return undefined;
  return {
    handshakeTimeout: handshakeTimeoutMs,
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    ...(tls.clientCaFile ? { ca: readFileSync(tls.clientCaFile), requestCert: true, rejectUnauthorized: false } : {}),
    minVersion: 'TLSv1.2' as const,
  };
}

/** With mTLS on, ingest needs a verified client certificate (collectors); other routes use read credentials. */
export function requireClientCertificate(app: FastifyInstance, tls: AggregatorTlsConfig): void {
  if (!tls.clientCaFile) return;
  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.url !== INGEST_PATH) return;
    const socket = req.raw.socket as TLSSocket;
    if (socket.authorized) return;
    return reply.code(401).send({
      error: 'client_certificate_required',
      reason: `a client certificate signed by the aggregator's client CA is required (${socket.authorizationError ?? 'none presented'})`,
    });
  });
}
