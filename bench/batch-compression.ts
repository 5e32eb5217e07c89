// What a batch's compression costs each side (not a test): zstd against gzip, side by side in one
// run, on full version 2 batches as a collector makes them (BatchEncoderV2, 5,000 lines or 4 MiB of
// one container), compressed as the batcher does (common/wire.ts, on the thread pool) and decoded as
// the ingest route does (aggregator/bounded-inflate.ts). CPU of this process (all threads) per line,
// and bytes per batch, for three kinds of line: the throughput bench's (a number and a run of one
// letter), access-log-like lines, and random hex (the worst case for both).
// Usage: node bench/batch-compression.ts [rounds]
import { randomBytes } from 'node:crypto';
import { inflateBounded } from '../aggregator/bounded-inflate.ts';
import type { ContainerRef, LogRecord } from '../common/schema/index.ts';
import { BATCH_COMPRESSIONS, compressBatch } from '../common/wire.ts';
import { BatchEncoderV2 } from '../common/wire-v2-encoder.ts';

const rounds = Number(process.argv[2] ?? 30);
const BATCH = { records: 5000, bytes: 4 * 1024 * 1024 };
const paths = ['/api/v1/users/', '/static/app.js?v=', '/healthz?', '/api/v1/orders/', '/login?next=', '/metrics?'];

const kinds: Record<string, (i: number, bytes: number) => string> = {
  'throughput bench': (i, bytes) => `${String(i).padStart(10, '0')} ${'x'.repeat(bytes - 12)}`,
  'access log': (i, bytes) => {
    let s = '';
    for (let k = i; s.length < bytes; k += 7919)
      s +=
        `10.0.${k % 251}.${(k * 7) % 253} - - [01/Dec/2026:21:${String(k % 60).padStart(2, '0')}:` +
        `${String((k * 13) % 60).padStart(2, '0')} +0000] "GET ${paths[k % 6]}${(k * 31) % 100_003} HTTP/1.1" ` +
        `${[200, 200, 304, 404][k % 4]} ${(k * 97) % 50_000} "-" "Mozilla/5.0 (X11; Linux x86_64)" rt=${(k * 37) % 1000} `;
    return s.slice(0, bytes - 1);
  },
  'random hex': (_i, bytes) =>
    randomBytes(bytes)
      .toString('hex')
      .slice(0, bytes - 1),
};

const container: ContainerRef = {
  id: 'c'.repeat(64),
  name: 'shop_web.1.t4sk',
  image: 'shop/web:1.4.2',
  labels: { 'com.docker.swarm.service.name': 'shop_web', 'com.docker.stack.namespace': 'shop' },
};

/** One full batch of `bytes`-byte lines of a kind, as the collector's encoder writes it. */
function batch(kind: (i: number, bytes: number) => string, bytes: number): { lines: Buffer; records: number } {
  const enc = new BatchEncoderV2();
  const t0 = Date.parse('2026-12-01T21:00:00Z');
  for (let i = 0; enc.records < BATCH.records && enc.bytes < BATCH.bytes; i++) {
    const r: LogRecord = {
      kind: 'log',
      id: `bench-${bytes}-${i}`.padEnd(43, 'x'),
      time: new Date(t0 + i).toISOString(),
      node: { id: 'benchnode', hostname: 'worker-1' },
      container,
      stream: 'stdout',
      message: kind(i, bytes),
      origin: { source: 'json-file', file: `/var/lib/docker/containers/${container.id}/x-json.log`, offset: i * bytes },
    };
    enc.add(r);
  }
  return { lines: enc.finish(), records: enc.records };
}

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** CPU µs per line of `f` over `rounds` runs (after one to warm up). */
async function perLine<T>(records: number, f: () => Promise<T>): Promise<{ us: number; out: T }> {
  let out = await f();
  const c0 = cpu();
  for (let r = 0; r < rounds; r++) out = await f();
  return { us: ((cpu() - c0) / rounds / records) * 1e6, out };
}

const unbounded = { maxBytes: 64 << 20, take: () => true };
console.log('| lines | line | compression | compress µs / line | decode µs / line | bytes per batch | ratio |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, kind] of Object.entries(kinds))
  for (const bytes of [100, 2048]) {
    const { lines, records } = batch(kind, bytes);
    for (const c of BATCH_COMPRESSIONS) {
      const packed = await perLine(records, () => compressBatch(lines, c));
      const body = packed.out;
      const decoded = await perLine(records, () => inflateBounded(body, c, unbounded));
      if (!decoded.out.equals(lines)) throw new Error(`${c} did not give the batch back`);
      console.log(
        `| ${name} | ${bytes === 100 ? '100 B' : '2 KiB'} | ${c} | ${packed.us.toFixed(2)} | ${decoded.us.toFixed(2)} | ` +
          `${body.length.toLocaleString('en-US')} | ${(lines.length / body.length).toFixed(1)} |`,
      );
    }
  }
console.log(
  `(${rounds} rounds of one batch each: ${BATCH.records} lines or ${BATCH.bytes / 1048576} MiB; CPU of this process, all threads)`,
);
