// The Docker Engine API over its unix socket (or tcp), with the API version negotiated from
// /version. It owns transport only: callers decide what to ask and how to read the answer.
import { Client } from 'undici';
import type { Readable } from 'node:stream';
import { SwarmscopeError } from '../common/errors.ts';

/** Newest API version this code was tested against; 1.41 is Engine 20.10, the oldest we accept. */
const MAX_API = [1, 47] as const;
const MIN_API = [1, 41] as const;

export type DockerVersion = { ApiVersion: string; MinAPIVersion?: string; Version: string };

export class DockerApi {
  readonly endpoint: string;
  private readonly client: Client;
  private prefix = '';
  /** The engine's own API version, once negotiated (what it is tells engine generations apart). */
  engineApiVersion: string | undefined;

  constructor(dockerHost: string) {
    this.endpoint = dockerHost;
    if (dockerHost.startsWith('unix://')) {
      this.client = new Client('http://docker', {
        socketPath: dockerHost.slice('unix://'.length),
        pipelining: 0,
        keepAliveTimeout: 30_000,
      });
    } else if (dockerHost.startsWith('tcp://') || dockerHost.startsWith('http://')) {
      this.client = new Client(dockerHost.replace(/^tcp:/, 'http:'));
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
    const res = await this.request(path, opts.signal);
    const text = await res.body.text();
    if (res.statusCode === 404 && opts.allow404) return undefined as T;
    if (res.statusCode >= 300) throw apiError(path, res.statusCode, text);
    return JSON.parse(text) as T;
  }

  /** A streaming GET (events, logs); the caller consumes and destroys the body. */
  async stream(path: string, signal?: AbortSignal): Promise<Readable> {
    const res = await this.request(path, signal, { bodyTimeout: 0, headersTimeout: 30_000 });
    if (res.statusCode >= 300) throw apiError(path, res.statusCode, await res.body.text());
    return res.body;
  }

  private async request(
    path: string,
    signal?: AbortSignal,
    timeouts: { bodyTimeout?: number; headersTimeout?: number } = {},
  ) {
    try {
      return await this.client.request({
        method: 'GET',
        path: this.prefix + path,
        signal,
        bodyTimeout: timeouts.bodyTimeout ?? 30_000,
        headersTimeout: timeouts.headersTimeout ?? 30_000,
      });
    } catch (err) {
      throw new SwarmscopeError('COL_ERR_DOCKER', `GET ${path} on ${this.endpoint} failed: ${(err as Error).message}`, {
        context: { path, endpoint: this.endpoint },
        remedy: 'check that the Docker socket is mounted and readable (DOCKER_HOST)',
        cause: err,
      });
    }
  }

  async close(): Promise<void> {
    await this.client.close();
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
