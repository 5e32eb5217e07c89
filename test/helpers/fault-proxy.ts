// A fake for a fault the real components cannot produce on demand: an HTTP proxy in front of the
// aggregator that lets a request through, waits for the aggregator's complete answer (so the write
// was applied), and then cuts the connection instead of relaying it: "response lost after write".
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';

export type FaultProxy = {
  url: string;
  cutResponses: (n: number) => void;
  cut: () => number;
  relayed: () => number;
  stop: () => Promise<void>;
};

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  let toCut = 0;
  let cut = 0;
  let relayed = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const up = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers as IncomingHttpHeaders,
        },
        (upRes) => {
          const body: Buffer[] = [];
          upRes.on('data', (c: Buffer) => body.push(c));
          upRes.on('end', () => {
            if (toCut > 0) {
              toCut--;
              cut++;
              req.socket.destroy();
              return;
            }
            relayed++;
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      up.on('error', () => req.socket.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    cutResponses: (n) => (toCut += n),
    cut: () => cut,
    relayed: () => relayed,
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
