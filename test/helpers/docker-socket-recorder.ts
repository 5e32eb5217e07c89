// A recording proxy in front of the Docker socket: an HTTP server on a unix socket of its own that
// forwards every request to the real socket, streaming both ways (event, log and follow streams
// included), and records each request's method and path. Point a collector's DOCKER_HOST at it to
// see exactly what it asks the engine.
import { createServer, request, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type RecordedRequest = { method: string; path: string };

export type DockerSocketRecorder = {
  /** DOCKER_HOST for clients of the proxy. */
  dockerHost: string;
  requests: RecordedRequest[];
  close: () => Promise<void>;
};

/** Ids, names and digests in a path replaced by placeholders, the query dropped: one row per endpoint. */
export function endpointOf(method: string, path: string): string {
  const p = path
    .split('?')[0]!
    .replace(/^\/v\d+\.\d+/, '')
    .replace(
      /\/(containers|tasks|services|nodes|networks|secrets|configs|images|volumes|exec)\/(?!json\b)[^/]+/g,
      '/$1/{id}',
    );
  return `${method} ${p}`;
}

export async function startDockerSocketRecorder(target: string): Promise<DockerSocketRecorder> {
  const targetPath = target.replace(/^unix:\/\//, '');
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-dockerproxy-'));
  const socketPath = join(dir, 'docker.sock');
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '?', path: req.url ?? '' });
    const upstream = request(
      { socketPath: targetPath, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  // A hijacked connection (attach, exec start) is an upgrade: recorded, then refused.
  server.on('upgrade', (req, socket) => {
    requests.push({ method: req.method ?? '?', path: req.url ?? '' });
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    dockerHost: `unix://${socketPath}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
