// The durable queue on a real directory: crash recovery, and the byte and age bounds' policy.
import test from 'ava';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskQueue, QueueFullError } from '../../../collector/pipeline/disk-queue.ts';

async function queue(opts: { maxBytes?: number; maxAgeMs?: number; now?: () => number; dir?: string } = {}) {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'swarmscope-dq-')));
  const q = new DiskQueue({
    dir,
    maxBytes: opts.maxBytes ?? 1_000_000,
    maxAgeMs: opts.maxAgeMs ?? 3_600_000,
    fsync: 'batch',
    now: opts.now,
  });
  await q.start();
  return { q, dir };
}

const body = (n: number) => Buffer.alloc(n, 1);

test('a restarted queue finds every batch a previous run left, in order, and removes half-written temp files', async (t) => {
  const { q, dir } = await queue();
  await q.enqueue(body(100), 'logs', 3);
  await q.enqueue(body(50), 'metrics', 2);
  await writeFile(join(dir, '0000000000000009.logs.1.1.ndjson.gz.tmp'), 'half');
  const { q: again } = await queue({ dir });
  t.deepEqual(
    [again.peek()?.cls, again.peek()?.records, again.stats().batches, again.stats().bytes],
    ['logs', 3, 2, 150],
  );
  t.false((await readdir(dir)).some((n) => n.endsWith('.tmp')));
  const next = await again.enqueue(body(10), 'logs', 1);
  t.is(next?.seq, 3, 'sequence numbers continue after the ones on disk');
});

test('a batch comes back after a restart with its encoding and compression, gzip queues of older collectors included', async (t) => {
  const { q, dir } = await queue();
  await q.enqueue(body(10), 'logs', 1, 2, 'zstd');
  await q.enqueue(body(10), 'logs', 1, 2, 'gzip');
  await q.enqueue(body(10), 'metrics', 1);
  t.deepEqual((await readdir(dir)).map((n) => n.replace(/^\d+\.(\w+)\.1\.\d+/, '$1')).sort(), [
    'logs.v2.ndjson.gz',
    'logs.v2.ndjson.zst',
    'metrics.ndjson.gz',
  ]);
  const { q: again } = await queue({ dir });
  const back: string[] = [];
  for (let b = again.take(); b; b = again.take()) back.push(`${b.seq} ${b.wire} ${b.compression}`);
  t.deepEqual(back, ['1 2 zstd', '2 2 gzip', '3 1 gzip']);
});

test('at the byte bound the oldest metric batches are dropped first and counted', async (t) => {
  const { q } = await queue({ maxBytes: 300 });
  await q.enqueue(body(100), 'metrics', 10);
  await q.enqueue(body(100), 'logs', 5);
  await q.enqueue(body(100), 'metrics', 20);
  await q.enqueue(body(100), 'logs', 5);
  const s = q.stats();
  t.is(s.droppedRecords.queue_full, 10, 'the oldest metric batch went');
  t.is(s.droppedBatches.queue_full, 1);
  t.true(s.atBound);
  t.is(q.peek()?.cls, 'logs');
});

test('at the byte bound with only log batches a log batch is refused and a metric batch is dropped on arrival, both counted', async (t) => {
  const { q } = await queue({ maxBytes: 200 });
  await q.enqueue(body(100), 'logs', 1);
  await q.enqueue(body(100), 'logs', 1);
  const err = await t.throwsAsync(q.enqueue(body(100), 'logs', 7), { instanceOf: QueueFullError });
  t.is(err?.code, 'COL_ERR_QUEUE_FULL');
  t.false(q.acceptsLogs(100));
  t.is(await q.enqueue(body(100), 'metrics', 4), undefined);
  const s = q.stats();
  t.deepEqual([s.refusedLogBatches, s.droppedRecords.queue_full, s.batches], [1, 4, 2]);
  await q.ack(q.peek()!);
  t.true(q.acceptsLogs(100), 'logs are taken again once a batch is acknowledged');
});

test('batches older than the age bound are dropped unshipped and counted as expired', async (t) => {
  let now = 1_000_000;
  const { q } = await queue({ maxAgeMs: 1000, now: () => now });
  await q.enqueue(body(10), 'logs', 6);
  now += 5000;
  await q.enqueue(body(10), 'metrics', 1);
  t.is(q.stats().droppedRecords.expired, 6);
  t.is(q.stats().batches, 1);
});

test('a rejected batch is counted as dropped with reason rejected', async (t) => {
  const { q } = await queue();
  const b = await q.enqueue(body(10), 'logs', 9);
  await q.reject(b!);
  t.is(q.stats().droppedRecords.rejected, 9);
  t.is(q.peek(), undefined);
});
