// Connection bounds of a listening aggregator (journal sink, in-process, loopback): connections that
// send nothing, headers or bodies that trickle, idle keep-alive connections and connections over
// the cap are closed by the aggregator, each answered as documented and counted by reason.
import test from 'ava';
import { mkdtemp } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../aggregator/app.ts';
import { loadAggregatorConfig } from '../../aggregator/config.ts';
import { createLogger } from '../../common/logger.ts';
import { INGEST_PATH, NDJSON } from '../../common/wire.ts';

const TOKEN = 'ingest-token-connection-bounds-Qz81';

async function listening(env: Record<string, string>) {
  const config = loadAggregatorConfig({
    SWARMSCOPE_TOKEN: TOKEN,
    SWARMSCOPE_DATA_DIR: await mkdtemp(join(tmpdir(), 'swarmscope-conn-')),
    SWARMSCOPE_UI: 'false',
    ...env,
  });
  const agg = await buildApp(config, createLogger({ name: 't', level: 'warn', destination: { write: () => true } }));
  await agg.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (agg.app.server.address() as { port: number }).port;
  const closedBy = async (reason: string) => {
    const m = new RegExp(`^swarmscope_aggregator_connections_closed_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(
      await agg.registry.metrics(),
    );
    return Number(m?.[1]);
  };
  return { agg, port, closedBy };
}

/** A client socket that records what the server said and when the server closed it. */
type Held = { socket: Socket; answer: string; closedAt: Promise<number> };
function hold(port: number, send?: (s: Socket) => void): Held {
  const socket = connect(port, '127.0.0.1');
  const t0 = Date.now();
  const held: Held = { socket, answer: '', closedAt: Promise.resolve(0) };
  socket.on('error', () => undefined);
  socket.on('data', (d) => (held.answer += d.toString('latin1')));
  held.closedAt = new Promise((resolve) => socket.once('close', () => resolve(Date.now() - t0)));
  socket.once('connect', () => send?.(socket));
  return held;
}

/** Writes `chunk` every `ms` while the socket is open. */
function trickle(s: Socket, chunk: string, ms: number): void {
  const timer = setInterval(() => (s.writable ? s.write(chunk) : clearInterval(timer)), ms);
  s.once('close', () => clearInterval(timer));
}

/** Resolves with the close time, or rejects after `ms`: no wait in a test is unbounded. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: still open after ${ms} ms`)), ms)),
  ]);
}

test('closes silent connections, late headers, trickling bodies, unauthorised bodies and idle keep-alive connections', async (t) => {
  const { agg, port, closedBy } = await listening({
    SWARMSCOPE_HEADERS_TIMEOUT: '2s',
    SWARMSCOPE_BODY_TIMEOUT: '60s',
    SWARMSCOPE_MIN_BODY_RATE: '1KiB',
    SWARMSCOPE_KEEPALIVE_TIMEOUT: '1s',
  });
  t.teardown(() => agg.app.close());
  const post = (token: string, length: number) =>
    `POST ${INGEST_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${NDJSON}\r\nContent-Length: ${length}\r\n\r\n`;

  const silent = Array.from({ length: 5 }, () => hold(port));
  const slowHeaders = hold(port, (s) => {
    s.write(`GET /healthz HTTP/1.1\r\nHost: x\r\n`);
    trickle(s, 'X-Slow: 1\r\n', 300);
  });
  // The right token, a body of 100 KB at 5 bytes a second: under 1 KiB/s once past the 5 s grace.
  const slowBody = hold(port, (s) => {
    s.write(post(TOKEN, 100_000));
    trickle(s, 'x', 200);
  });
  const wrongToken = hold(port, (s) => {
    s.write(post('wrong', 10_000_000));
    trickle(s, 'x', 200);
  });
  const keepAlive = hold(port, (s) => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));

  const silentAt = await within(Promise.all(silent.map((h) => h.closedAt)), 15_000, 'silent connections');
  for (const [i, at] of silentAt.entries()) {
    t.true(at >= 1900, `silent connection closed after ${at} ms, not before the 2 s bound`);
    t.is(silent[i]!.answer, '', 'a connection that sent nothing gets no answer');
  }
  await within(slowHeaders.closedAt, 15_000, 'slow headers');
  t.regex(slowHeaders.answer, /^HTTP\/1\.1 408 /);
  await within(wrongToken.closedAt, 15_000, 'body behind a wrong token');
  t.regex(wrongToken.answer, /^HTTP\/1\.1 401 /);
  t.notRegex(wrongToken.answer, /408/, 'the trickled bytes are not read as another request');
  const bodyAt = await within(slowBody.closedAt, 20_000, 'trickling body');
  t.true(bodyAt >= 5000, `trickling body closed after ${bodyAt} ms, past the 5 s grace`);
  t.regex(slowBody.answer, /^HTTP\/1\.1 408 [^]*"reason":"body arriving slower than 1024 bytes\/s"/);
  await within(keepAlive.closedAt, 15_000, 'idle keep-alive connection');
  t.regex(keepAlive.answer, /^HTTP\/1\.1 200 [^]*keep-alive: timeout=1\r\n/i);

  // The late headers are cut by whichever clock fires first: from the connection (no_request) or the first byte.
  t.is((await closedBy('no_request')) + (await closedBy('request_timeout')), 5 + 1);
  t.is(await closedBy('body_too_slow'), 1);
  t.is(await closedBy('at_bound'), 0);
});

test('over SWARMSCOPE_MAX_CONNECTIONS new connections are closed on arrival and counted; served again once below', async (t) => {
  const { agg, port, closedBy } = await listening({
    SWARMSCOPE_MAX_CONNECTIONS: '16',
    SWARMSCOPE_HEADERS_TIMEOUT: '2s',
  });
  t.teardown(() => agg.app.close());
  const first = Array.from({ length: 16 }, () => hold(port));
  await within(
    Promise.all(
      first.map((h) => new Promise((r) => (h.socket.readyState === 'open' ? r(0) : h.socket.once('connect', r)))),
    ),
    10_000,
    'connecting',
  );
  // Accepted by the kernel, then closed by the server without a byte.
  const over = Array.from({ length: 4 }, () => hold(port));
  await within(Promise.all(over.map((h) => h.closedAt)), 10_000, 'connections over the bound');
  t.is(await closedBy('at_bound'), 4);
  const gauge = /^swarmscope_aggregator_connections (\d+)/m.exec(await agg.registry.metrics());
  t.is(Number(gauge?.[1]), 16);
  // The silent 16 go at the headers bound; then a client is served.
  await within(Promise.all(first.map((h) => h.closedAt)), 15_000, 'silent connections');
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(10_000) });
  t.is(res.status, 200);
});
