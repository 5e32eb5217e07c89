// A TCP forwarder that can be closed and opened: a fake for the fault "Elasticsearch is down",
// which the shared real Elasticsearch cannot be made to produce on demand without disturbing
// other tests. While closed, connections are refused (reset at once); while open, bytes pass.
import { createServer, connect, type Server, type Socket } from 'node:net';

export type TcpGate = { url: string; open: () => void; close: () => void; stop: () => Promise<void> };

export async function startTcpGate(target: URL, initiallyOpen: boolean): Promise<TcpGate> {
  let isOpen = initiallyOpen;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!isOpen) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `${target.protocol}//127.0.0.1:${port}`,
    open: () => {
      isOpen = true;
    },
    close: () => {
      isOpen = false;
      for (const s of sockets) s.destroy();
    },
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
