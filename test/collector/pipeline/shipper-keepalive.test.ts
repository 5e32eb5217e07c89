// The shipper against an aggregator that closes idle keep-alive connections: batches spaced wider
// than the keep-alive timeout, and a server that closes a kept-alive connection just as the next
// batch arrives on it. Nothing is lost, nothing waits for a backoff, nothing is logged as a problem.
import test from 'ava';
import { createServer, type Server } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildApp } from '../../../aggregator/app.ts';
import { loadAggregatorConfig } from '../../../aggregator/config.ts';
import { DiskQueue } from '../../../collector/pipeline/disk-queue.ts';
import { Shipper } from '../../../collector/pipeline/shipper.ts';
import { toEventRecord } from '../../../collector/sources/docker-events/event-record.ts';
import { createLogger } from '../../../common/logger.ts';

const TOKEN = 'ingest-token-shipper-keepalive-Hw42';

/** A gzip batch of `n` valid event records, numbered from `first`. */
function batch(first: number, n: number): Buffer {
  const node = { id: 'keepalive-node', hostname: 'keepalive-collector' };
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify(
      toEventRecord(node, {
        Type: 'container',
        Action: 'start',
        Actor: { ID: (first + i).toString(16).padStart(64, '0'), Attributes: { name: `ka-${first + i}` } },
        timeNano: String(1_700_000_000_000_000_000n + BigInt(first + i)),
      }),
    ),
  );
  return gzipSync(lines.join('\n') + '\n');
}

/** A shipper with its queue and every log line it writes at debug and above. */
async function shipper(url: string) {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-ka-'));
  const lines: { level: number; msg: string }[] = [];
  const log = createLogger({
    name: 't',
    level: 'debug',
    destination: { write: (l: string) => void lines.push(JSON.parse(l) as { level: number; msg: string }) },
  });
  const queue = new DiskQueue({
    dir: join(dir, 'queue'),
    maxBytes: 64 * 1024 * 1024,
    maxAgeMs: 3_600_000,
    fsync: 'off',
  });
  await queue.start();
  const s = new Shipper({
    queue,
    urls: [url],
    token: TOKEN,
    rejectedDir: join(dir, 'rejected'),
    nodeKey: 'keepalive-node',
    backoff: { initialDelayMs: 1000, maxDelayMs: 5000, factor: 2 },
    requestTimeoutMs: 10_000,
    concurrency: 1,
    log,
  });
  s.start();
  return { queue, shipper: s, lines };
}

/** Queues `count` batches `gapMs` apart and waits (bounded) until the queue is empty. */
async function ship(
  q: { queue: DiskQueue; shipper: Shipper },
  count: number,
  gapMs: number,
  records: number,
): Promise<boolean> {
  for (let i = 0; i < count; i++) {
    await q.queue.enqueue(batch(i * records, records), 'logs', records);
    q.shipper.notify();
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return q.shipper.drain(20_000);
}

test('batches spaced wider than the aggregator keep-alive timeout all arrive, without a retry or a warning', async (t) => {
  const config = loadAggregatorConfig({
    SWARMSCOPE_TOKEN: TOKEN,
    SWARMSCOPE_DATA_DIR: await mkdtemp(join(tmpdir(), 'swarmscope-ka-agg-')),
    SWARMSCOPE_UI: 'false',
    SWARMSCOPE_KEEPALIVE_TIMEOUT: '3s',
  });
  const agg = await buildApp(config, createLogger({ name: 'a', level: 'warn', destination: { write: () => true } }));
  t.teardown(() => agg.app.close());
  const url = await agg.app.listen({ host: '127.0.0.1', port: 0 });
  const q = await shipper(url);
  t.teardown(() => q.shipper.close());
  t.true(await ship(q, 5, 3500, 20), 'the queue drained');
  t.is(q.shipper.stats.shippedBatches, 5);
  t.deepEqual(q.shipper.stats.responses, { 200: 5 });
  t.is(q.shipper.stats.retries, 0);
  const accepted = /^swarmscope_ingest_records_total\{kind="event"\} (\d+)/m.exec(await agg.registry.metrics());
  t.is(Number(accepted?.[1]), 5 * 20, 'every record accepted once');
  t.deepEqual(
    q.lines.filter((l) => l.level >= 40),
    [],
  );
});

test('a kept-alive connection closed just as the next batch arrives on it: the batch is sent again at once', async (t) => {
  // Advertises a long keep-alive, then closes every connection on its second request: the race
  // of a server-side keep-alive timeout with a client's send, on every batch after the first.
  let answered = 0;
  let closedUnder = 0;
  const perSocket = new WeakMap<Socket, number>();
  const server: Server = createServer((req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    if (n > 1) {
      closedUnder++;
      req.socket.destroy();
      return;
    }
    req.resume();
    req.on('end', () => {
      answered++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":1}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(r)).then(() => server.closeAllConnections()));
  const port = (server.address() as { port: number }).port;
  const q = await shipper(`http://127.0.0.1:${port}`);
  t.teardown(() => q.shipper.close());
  t.true(await ship(q, 6, 300, 1), 'the queue drained');
  t.is(q.shipper.stats.shippedBatches, 6);
  t.is(answered, 6);
  t.true(closedUnder >= 5, `the race was played ${closedUnder} times`);
  t.deepEqual(
    q.shipper.stats.responses,
    { 0: closedUnder, 200: 6 },
    'each closed connection counted as an attempt without an answer',
  );
  t.is(q.shipper.stats.resent, closedUnder, 'each sent again at once');
  t.is(q.shipper.stats.retries, 0, 'no backoff wait');
  t.deepEqual(
    q.lines.filter((l) => l.level >= 30),
    [],
  );
});
