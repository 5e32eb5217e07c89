// The HTTP client the shipper talks to aggregators through (node:http, not undici: the collector's
// few requests a second do not need it, and it cost ~10 MiB of resident memory on every node):
// keep-alive, one connection per concurrent batch, and TLS when configured: the aggregator's
// certificate checked against a CA file, and a client certificate and key for mutual TLS. A batch
// whose kept-alive connection the aggregator closed under it is sent again at once on a new one.
import { readFileSync } from 'node:fs';
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent, AgentOptions as HttpsAgentOptions } from 'node:https';
import { http, https } from '../node-http.ts';

export type AggregatorTls = Readonly<{
  /** CA that signed the aggregator's certificate (default: the system's CAs). */
  caFile: string | undefined;
  /** Client certificate and key for mTLS (the aggregator's SWARMSCOPE_TLS_CLIENT_CA_FILE). */
  certFile: string | undefined;
  keyFile: string | undefined;
}>;

export type Answer = { status: number; headers: IncomingMessage['headers']; text: string };

/**
 * Errors of a kept-alive connection closed under a request (the aggregator's keep-alive timeout
 * crossing a batch on the wire). Ingest is idempotent (record ids), so one immediate resend on a
 * new connection is safe; a refused connection is not among them: that is the shipper's failover.
 */
const CLOSED_UNDER_REQUEST = new Set(['ECONNRESET', 'EPIPE']);

/** Answer bodies are read up to this (an error's reason); the rest is let go of. */
const MAX_ANSWER_BYTES = 64 * 1024;

export class AggregatorClient {
  private readonly http: HttpAgent;
  /** Made at the first https URL (node:https is loaded only then); its files are read at start. */
  private https: HttpsAgent | undefined;
  private readonly httpsOpts: HttpsAgentOptions;
  private readonly onResend: () => void;

  /** onResend: told of each such resend, so that the shipper counts the answer that never came. */
  constructor(opts: { connections: number; tls?: AggregatorTls; onResend?: () => void }) {
    const tls = opts.tls;
    // Idle connections go before the aggregator's advertised `Keep-Alive: timeout=` (Node's agent
    // reads it), or after 10 s without one.
    const agentOpts = { keepAlive: true, maxSockets: opts.connections, timeout: 10_000 };
    this.http = new http.Agent(agentOpts);
    this.httpsOpts = {
      ...agentOpts,
      ...(tls?.caFile ? { ca: readFileSync(tls.caFile) } : {}),
      ...(tls?.certFile && tls.keyFile ? { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } : {}),
    };
    this.onResend = opts.onResend ?? (() => {});
  }

  /** POSTs body to url; the answer must begin and end within timeoutMs of no bytes moving. */
  async post(url: string, headers: Record<string, string>, body: Buffer, timeoutMs: number): Promise<Answer> {
    try {
      return await this.once(url, headers, body, timeoutMs);
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { reused?: boolean };
      if (!e.reused || !CLOSED_UNDER_REQUEST.has(e.code ?? '')) throw err;
      this.onResend();
      return this.once(url, headers, body, timeoutMs);
    }
  }

  private once(url: string, headers: Record<string, string>, body: Buffer, timeoutMs: number): Promise<Answer> {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (secure ? https().request : http.request)(u, {
        method: 'POST',
        agent: secure ? (this.https ??= new (https().Agent)(this.httpsOpts)) : this.http,
        headers: { ...headers, 'content-length': String(body.length) },
        timeout: timeoutMs,
      });
      const fail = (err: Error) => reject(Object.assign(err, { reused: req.reusedSocket }));
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_ANSWER_BYTES) chunks.push(c);
          size += c.length;
        });
        res.on('error', fail);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
      });
      req.end(body);
    });
  }

  close(): void {
    this.http.destroy();
    this.https?.destroy();
  }
}
