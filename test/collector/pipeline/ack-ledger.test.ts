// Acknowledgement handles through the real batcher and disk queue (no services): each handle hears
// queued() once all its records are in the queue and settled() once every batch holding them left
// it, whatever order batches are acknowledged in; a dropped or expired batch settles too.
import test from 'ava';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckLedger } from '../../../collector/pipeline/ack-ledger.ts';
import { Batcher } from '../../../collector/pipeline/batcher.ts';
import { DiskQueue, type QueuedBatch } from '../../../collector/pipeline/disk-queue.ts';
import type { AckHandle } from '../../../collector/sources/source.ts';
import type { WireRecord } from '../../../common/schema/index.ts';

const line = (seq: number): WireRecord => ({
  kind: 'log',
  id: `rec${seq}`,
  time: new Date().toISOString(),
  node: { id: '', hostname: 'h' },
  container: { id: 'c'.repeat(64), name: 'c', image: 'i', labels: {} },
  stream: 'stdout',
  message: `line ${seq}`,
  origin: { source: 'test', offset: seq },
});

async function pipeline(opts: { maxAgeMs?: number; now?: () => number } = {}) {
  const ledger = new AckLedger();
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-ledger-'));
  const queue = new DiskQueue({
    dir,
    maxBytes: 1 << 20,
    maxAgeMs: opts.maxAgeMs ?? 3_600_000,
    fsync: 'off',
    now: opts.now,
    onLeft: (b) => ledger.left(b.seq),
  });
  await queue.start();
  const batcher = new Batcher({ maxRecords: 3, maxBytes: 1 << 20, maxAgeMs: 60_000, queue, ledger });
  return { ledger, queue, batcher };
}

function recorder(log: string[], name: string): AckHandle {
  return { queued: () => log.push(`${name} queued`), settled: () => log.push(`${name} settled`) };
}

function batches(queue: DiskQueue): QueuedBatch[] {
  const out: QueuedBatch[] = [];
  for (let b = queue.take(); b; b = queue.take()) out.push(b);
  return out;
}

test('a handle whose records span two batches settles only when both are acknowledged, in either order', async (t) => {
  const { ledger, queue, batcher } = await pipeline();
  const log: string[] = [];
  await batcher.add([line(1), line(2)], recorder(log, 'a'));
  await batcher.add([line(3), line(4)], recorder(log, 'b')); // batch 1 = 1,2,3; batch 2 = 4 (at flush)
  await batcher.flushAll();
  t.deepEqual(log, ['a queued', 'b queued']);
  const [first, second] = batches(queue);
  await queue.ack(second!);
  t.deepEqual(log, ['a queued', 'b queued'], "b's first record is still in the unacknowledged batch 1");
  await queue.ack(first!);
  t.deepEqual(log, ['a queued', 'b queued', 'a settled', 'b settled']);
  t.is(ledger.pending, 0);
});

test('records added one at a time: the handle hears nothing before close, though its first batch was acknowledged', async (t) => {
  const { ledger, queue, batcher } = await pipeline();
  const log: string[] = [];
  const writer = batcher.open(recorder(log, 'a'));
  for (const n of [1, 2, 3]) writer.add(line(n)); // batch 1 = 1,2,3 (full)
  await new Promise((r) => setTimeout(r, 50)); // batch 1 compressed and queued meanwhile
  const [first] = batches(queue);
  await queue.ack(first!);
  t.deepEqual(log, [], 'every record added so far is acknowledged, but close() has not come');
  writer.add(line(4));
  t.true(await writer.close());
  t.deepEqual(log, [], 'record 4 still fills its batch');
  await batcher.flushAll();
  t.deepEqual(log, ['a queued']);
  for (const b of batches(queue)) await queue.ack(b);
  t.deepEqual(log, ['a queued', 'a settled']);
  t.is(ledger.pending, 0);
  // Nothing added: the handle settles at close.
  await batcher.open(recorder(log, 'empty')).close();
  t.deepEqual(log.slice(2), ['empty queued', 'empty settled']);
});

test('records handed with no records settle at once, and a batch that expires unshipped settles its handles', async (t) => {
  let now = 1_000_000;
  const { ledger, queue, batcher } = await pipeline({ maxAgeMs: 1000, now: () => now });
  const log: string[] = [];
  await batcher.add([], recorder(log, 'empty'));
  t.deepEqual(log, ['empty queued', 'empty settled']);
  await batcher.add([line(1)], recorder(log, 'old'));
  await batcher.flushAll();
  now += 5000;
  await batcher.add([line(2)]);
  await batcher.flushAll(); // enqueueing drops what is past SWARMSCOPE_QUEUE_MAX_AGE
  t.deepEqual(log.slice(2), ['old queued', 'old settled']);
  t.is(queue.stats().droppedRecords.expired, 1);
  t.is(ledger.pending, 0);
});

test('whenAccepting() resolves once a refused log batch is taken, and at close', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-ready-'));
  const queue = new DiskQueue({ dir, maxBytes: 600, maxAgeMs: 3_600_000, fsync: 'off' });
  await queue.start();
  // The held batch is offered again every maxAgeMs / 4.
  const batcher = new Batcher({ maxRecords: 3, maxBytes: 1 << 20, maxAgeMs: 200, queue });
  batcher.start();
  let seq = 0;
  while ((await batcher.add([line(seq++), line(seq++), line(seq++)])) && seq < 300);
  t.false(batcher.acceptsLogs());
  let ready = false;
  const waiting = batcher.whenAccepting().then(() => (ready = true));
  await new Promise((r) => setTimeout(r, 50));
  t.false(ready, 'still refused');
  for (let b = queue.peek(); b; b = queue.peek()) await queue.ack(b);
  // The batcher's timer does not hold the process open: this one does, for at most 5 s.
  await Promise.race([waiting, new Promise((r) => setTimeout(r, 5000))]);
  t.true(ready);
  t.true(batcher.acceptsLogs());
  await batcher.close();
  await batcher.whenAccepting();
});
