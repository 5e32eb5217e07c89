// The aggregator's pool of documents' buffers: reuse, the smallest fit, its byte bound, small
// buffers left alone, and an idle pool emptied.
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { BufferPool } from '../../aggregator/buffer-pool.ts';

const KiB = 1024;

test('a buffer given back is taken again, the smallest that fits', (t) => {
  const pool = new BufferPool({ maxBytes: 4096 * KiB, idleMs: 60_000 });
  t.teardown(() => pool.close());
  const big = pool.take(1024 * KiB);
  const small = pool.take(256 * KiB);
  t.deepEqual(pool.stats, { reused: 0, made: 2 });
  pool.give(big);
  pool.give(small);
  t.is(pool.take(200 * KiB), small, 'the smaller one fits a smaller request');
  t.is(pool.take(200 * KiB), big, 'then the larger one');
  t.deepEqual(pool.stats, { reused: 2, made: 2 });
});

test('nothing kept fits: a new buffer, and the kept one stays', (t) => {
  const pool = new BufferPool({ maxBytes: 4096 * KiB, idleMs: 60_000 });
  t.teardown(() => pool.close());
  const b = pool.take(128 * KiB);
  pool.give(b);
  const larger = pool.take(512 * KiB);
  t.not(larger, b);
  t.is(larger.length, 512 * KiB);
  t.is(pool.heldBytes(), 128 * KiB);
  t.is(pool.take(100 * KiB), b);
});

test('the pool keeps at most its bound, no small buffer, and no buffer twice', (t) => {
  const pool = new BufferPool({ maxBytes: 1024 * KiB, idleMs: 60_000 });
  t.teardown(() => pool.close());
  const a = pool.take(600 * KiB);
  const b = pool.take(600 * KiB);
  pool.give(a);
  pool.give(b);
  t.is(pool.heldBytes(), 600 * KiB, 'the second would pass the bound: left to the collector');
  pool.give(a);
  t.is(pool.heldBytes(), 600 * KiB, 'given twice, kept once');
  pool.give(Buffer.allocUnsafe(4 * KiB));
  t.is(pool.heldBytes(), 600 * KiB, 'a small buffer is not kept');
  pool.give(Buffer.allocUnsafe(2048 * KiB));
  t.is(pool.heldBytes(), 600 * KiB, 'a buffer over the bound is not kept');
});

test('a pool untouched for its idle time lets its buffers go', async (t) => {
  const pool = new BufferPool({ maxBytes: 4096 * KiB, idleMs: 50 });
  t.teardown(() => pool.close());
  pool.give(pool.take(256 * KiB));
  t.is(pool.heldBytes(), 256 * KiB);
  await sleep(200);
  t.is(pool.heldBytes(), 0);
});
