// The Docker Engine API over its unix socket (or tcp), with the API version negotiated from
// /version. It owns transport only: callers decide what to ask and how to read the answer.
// node:http, not undici: a GET at a time per client needs no more, and undici cost ~10 MiB of
// resident memory on every node.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { SwarmscopeError } from '../common/errors.ts';
import { http } from './node-http.ts';

/** The answer's head is due within this; a whole answer's body may pause this long between chunks. */
const HEAD_TIMEOUT_MS = 30_000;
const BODY_TIMEOUT_MS = 30_000;
/** A kept-alive connection unused this long is closed. */
const IDLE_MS = 30_000;

/** Newest API version this code was tested against; 1.41 is Engine 20.10, the oldest we accept. */
const MAX_API = [1, 47] as const;
const MIN_API = [1, 41] as const;

export type DockerVersion = { ApiVersion: string; MinAPIVersion?: string; Version: string };

export class DockerApi {
  readonly endpoint: string;
  /** Where requests go: a unix socket, or a host and port. */
  private readonly target: { socketPath: string } | { host: string; port: number };
  /** One connection, kept alive, one request at a time (a stream has a client of its own: fork()). */
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1, timeout: IDLE_MS });
  private prefix = '';
  /** The engine's own API version, once negotiated (what it is tells engine generations apart). */
  engineApiVersion: string | undefined;

  constructor(dockerHost: string) {
    this.endpoint = dockerHost;
    if (dockerHost.startsWith('unix://')) {
      this.target = { socketPath: dockerHost.slice('unix://'.length) };
    } else if (dockerHost.startsWith('tcp://') || dockerHost.startsWith('http://')) {
      const u = new URL(dockerHost.replace(/^tcp:/, 'http:'));
      this.target = { host: u.hostname, port: Number(u.port || 2375) };
    } else {
      throw new SwarmscopeError('COL_ERR_CONFIG', `DOCKER_HOST=${dockerHost} is not supported`, {
        remedy: 'use unix:///var/run/docker.sock or tcp://host:2375',
      });
    }
  }

  /** Asks the engine for its version and pins the API prefix used by every later call. */
  async negotiate(): Promise<DockerVersion> {
    const version = await this.get<DockerVersion>('/version');
    this.engineApiVersion = version.ApiVersion;
    const [maj, min] = version.ApiVersion.split('.').map(Number) as [number, number];
    if (maj < MIN_API[0] || (maj === MIN_API[0] && min < MIN_API[1])) {
      throw new SwarmscopeError('COL_ERR_DOCKER', `engine API ${version.ApiVersion} is older than 1.41`, {
        remedy: 'upgrade the Docker Engine to 20.10 or newer',
      });
    }
    const useMin = maj === MAX_API[0] ? Math.min(min, MAX_API[1]) : MAX_API[1];
    this.prefix = `/v1.${useMin}`;
    return version;
  }

  /**
   * A client of its own on the same endpoint and API version, for a long-lived stream (events,
   * logs): one connection serves one request at a time, so a stream would block every other call.
   */
  fork(): DockerApi {
    const api = new DockerApi(this.endpoint);
    api.prefix = this.prefix;
    api.engineApiVersion = this.engineApiVersion;
    return api;
  }

  async get<T>(path: string, opts: { signal?: AbortSignal; allow404?: boolean } = {}): Promise<T> {
    const res = await this.request(path, opts.signal, BODY_TIMEOUT_MS);
    const text = await bodyText(res, path, this.endpoint);
    if (res.statusCode === 404 && opts.allow404) return undefined as T;
    if (res.statusCode! >= 300) throw apiError(path, res.statusCode!, text);
    return JSON.parse(text) as T;
  }

  /** A streaming GET (events, logs); the caller consumes and destroys the body. */
  async stream(path: string, signal?: AbortSignal): Promise<Readable> {
    const res = await this.request(path, signal, 0);
    if (res.statusCode! >= 300) throw apiError(path, res.statusCode!, await bodyText(res, path, this.endpoint));
    return res;
  }

  /**
   * The answer's head within 30 s; `bodyTimeoutMs` (0: none, a stream) bounds the time between
   * two chunks of its body.
   */
  private request(path: string, signal: AbortSignal | undefined, bodyTimeoutMs: number): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        ...this.target,
        path: this.prefix + path,
        method: 'GET',
        agent: this.agent,
        signal,
        timeout: HEAD_TIMEOUT_MS,
      });
      const fail = (err: Error) =>
        reject(
          new SwarmscopeError('COL_ERR_DOCKER', `GET ${path} on ${this.endpoint} failed: ${err.message}`, {
            context: { path, endpoint: this.endpoint },
            remedy: 'check that the Docker socket is mounted and readable (DOCKER_HOST)',
            cause: err,
          }),
        );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${HEAD_TIMEOUT_MS} ms`)));
      req.on('error', fail);
      req.on('response', (res) => {
        // The head is in: from now on only the body's own clock (none for a stream).
        req.setTimeout(bodyTimeoutMs);
        resolve(res);
      });
      req.end();
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

/** A whole (non-streaming) answer's text; a body cut or stalled fails as the request would. */
async function bodyText(res: IncomingMessage, path: string, endpoint: string): Promise<string> {
  try {
    return await text(res);
  } catch (err) {
    throw new SwarmscopeError(
      'COL_ERR_DOCKER',
      `GET ${path} on ${endpoint}: the answer was cut (${(err as Error).message})`,
      {
        context: { path, endpoint },
        cause: err,
      },
    );
  }
}

function apiError(path: string, status: number, body: string): SwarmscopeError {
  let message = body.slice(0, 300);
  try {
    message = (JSON.parse(body) as { message?: string }).message ?? message;
  } catch {
    // the engine answered with plain text; keep it as it is
  }
  return new SwarmscopeError('COL_ERR_DOCKER', `GET ${path} answered ${status}: ${message}`, {
    context: { path, status },
  });
}
