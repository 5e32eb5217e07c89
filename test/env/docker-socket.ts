// Plain HTTP requests to a Docker Engine over its unix socket, for readiness and state checks that
// should not pay for a docker CLI process. Knows nothing about which engine it talks to.
import { request } from 'node:http';
import { EnvError } from './env-error.ts';

export type EngineResponse = { status: number; body: string };

/** The socket path of a `unix://` DOCKER_HOST; other schemes are refused. */
export function socketPathOf(dockerHost: string): string {
  if (!dockerHost.startsWith('unix://')) {
    throw new EnvError(
      'ENV_ERR_EXTERNAL_CONFIG',
      `DOCKER_HOST=${dockerHost} is not a unix socket`,
      "point DOCKER_HOST at unix:///path/to/docker.sock (tests read the engine's files, so it must be local)",
    );
  }
  return dockerHost.slice('unix://'.length);
}

export function engineRequest(
  socketPath: string,
  method: string,
  path: string,
  timeoutMs = 5_000,
): Promise<EngineResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () =>
      req.destroy(new Error(`${method} ${path} on ${socketPath} timed out after ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}

/** GETs a JSON document from the engine, throwing on any status but 200. */
export async function engineJson<T>(socketPath: string, path: string): Promise<T> {
  const response = await engineRequest(socketPath, 'GET', path);
  if (response.status !== 200) {
    throw new Error(`GET ${path} on ${socketPath} answered ${response.status}: ${response.body.slice(0, 300)}`);
  }
  return JSON.parse(response.body) as T;
}
