// The batcher over a real disk queue: a log batch refused at the bound is held, whole and in
// order, and the reader is told to pause; it enters the queue once there is room.
import test from 'ava';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DiskQueue } from '../../../collector/pipeline/disk-queue.ts';
import { Batcher } from '../../../collector/pipeline/batcher.ts';
import type { WireRecord } from '../../../common/schema/index.ts';

function line(seq: number): WireRecord {
  return {
    kind: 'log',
    id: `rec${String(seq).padStart(8, '0')}`,
    time: new Date().toISOString(),
    node: { id: '', hostname: 'h' },
    container: { id: 'c'.repeat(64), name: 'c', image: 'i', labels: {} },
    stream: 'stdout',
    message: `line ${seq} ${'y'.repeat(200)}`,
    origin: { source: 'test', offset: seq },
  };
}

/** A queue that refuses batches past 1.5 kB: a few batches of these lines fill it. */
async function smallQueue(): Promise<DiskQueue> {
  const q = new DiskQueue({
    dir: await mkdtemp(join(tmpdir(), 'swarmscope-batcher-')),
    maxBytes: 1500,
    maxAgeMs: 3_600_000,
    fsync: 'off',
  });
  await q.start();
  return q;
}

/** Reads and acknowledges every queued batch as a shipper would, adding each line's offset to `shipped`. */
async function drain(q: DiskQueue, shipped: number[]): Promise<void> {
  for (let head = q.peek(); head; head = q.peek()) {
    const text = gunzipSync(await q.read(head)).toString();
    for (const l of text.trim().split('\n'))
      shipped.push((JSON.parse(l) as { origin: { offset: number } }).origin.offset);
    await q.ack(head);
  }
}

test('a log batch refused at the queue bound is held in order and the reader is told to pause until it is queued', async (t) => {
  const q = await smallQueue();
  const b = new Batcher({ maxRecords: 10, maxBytes: 1_000_000, maxAgeMs: 60_000, queue: q });
  let seq = 0;
  let goOn = true;
  while (goOn && seq < 1000) goOn = await b.add(Array.from({ length: 10 }, () => line(seq++)));
  t.false(goOn, 'the reader is told to pause');
  t.false(b.acceptsLogs());
  // Drain the queue as a shipper would, then let the held batch in.
  const shipped: number[] = [];
  await drain(q, shipped);
  await b.flushAll();
  t.true(b.acceptsLogs());
  await drain(q, shipped);
  t.deepEqual(
    shipped,
    Array.from({ length: seq }, (_, i) => i),
    'every line once, in order',
  );
  t.is(q.stats().droppedRecords.queue_full, 0);
});

test('batches held while logs were refused all enter the queue on the timer once it takes them, with nothing more added', async (t) => {
  const q = await smallQueue();
  const b = new Batcher({ maxRecords: 10, maxBytes: 1_000_000, maxAgeMs: 100, queue: q });
  let seq = 0;
  // Steps of one whole batch until the queue refuses, then three more: closed batches wait here and
  // no batch is filling (so no age flush would come for them).
  for (let i = 0; i < 100 && b.acceptsLogs(); i++) await b.add(Array.from({ length: 10 }, () => line(seq++)));
  for (let i = 0; i < 3; i++) await b.add(Array.from({ length: 10 }, () => line(seq++)));
  t.false(b.acceptsLogs());
  t.true(b.pendingRecords() >= 30, `${b.pendingRecords()} records held`);
  b.start();
  t.teardown(() => b.close());
  const shipped: number[] = [];
  const deadline = Date.now() + 10_000;
  while (shipped.length < seq && Date.now() < deadline) {
    await drain(q, shipped);
    await new Promise((r) => setTimeout(r, 50));
  }
  t.deepEqual(
    shipped,
    Array.from({ length: seq }, (_, i) => i),
    'every line once, in order, none left behind',
  );
});
