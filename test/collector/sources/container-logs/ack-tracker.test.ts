// The ack tracker on fixtures: a read step's position is applied only once the batch holding its
// last record (and every earlier step's) is acknowledged, so positions never pass unacknowledged data.
import test from 'ava';
import type { WireRecord } from '../../../../common/schema/index.ts';
import type { QueuedBatch } from '../../../../collector/pipeline/disk-queue.ts';
import { AckTracker } from '../../../../collector/sources/container-logs/ack-tracker.ts';

// The tracker knows records by identity (the very objects the batcher hands on), as in the agent.
const records = new Map<number, WireRecord>();
const rec = (n: number): WireRecord => {
  if (!records.has(n)) records.set(n, { kind: 'log', id: `r${n}` } as unknown as WireRecord);
  return records.get(n)!;
};
const batch = (seq: number): QueuedBatch => ({
  seq,
  cls: 'logs',
  records: 1,
  bytes: 1,
  createdAt: 0,
  path: `/q/${seq}`,
});

test('positions advance only up to the lowest unacknowledged batch', (t) => {
  const a = new AckTracker();
  const applied: number[] = [];
  const steps = [[rec(1), rec(2)], [rec(3)], [rec(4)]];
  steps.forEach((rs, i) => a.step(rs, () => applied.push(i + 1)));
  t.deepEqual(applied, [], 'nothing before any acknowledgement');
  // Step 1 spans batches 1 and 2 (its last record is in 2); steps 2 and 3 are in batch 3.
  a.onQueued(batch(1), [rec(1)]);
  a.onQueued(batch(2), [rec(2)]);
  a.onQueued(batch(3), [rec(3), rec(4)]);
  a.onAck(batch(1));
  t.deepEqual(applied, [], 'step 1 still has a record in an unacknowledged batch');
  a.onAck(batch(2));
  t.deepEqual(applied, [1]);
  a.onAck(batch(3));
  t.deepEqual(applied, [1, 2, 3]);
  t.is(a.waiting, 0);
});

test('a step without records waits behind an unacknowledged one and is applied right after it', (t) => {
  const a = new AckTracker();
  const applied: string[] = [];
  a.step([], () => applied.push('empty-first'));
  t.deepEqual(applied, ['empty-first'], 'nothing to wait for');
  a.step([rec(1)], () => applied.push('one'));
  a.step([], () => applied.push('empty-after'));
  t.is(a.waiting, 2);
  a.onQueued(batch(7), [rec(1)]);
  a.onAck(batch(7));
  t.deepEqual(applied, ['empty-first', 'one', 'empty-after']);
});

test("an acknowledgement that overtakes an earlier batch's moves nothing until the earlier one is acknowledged too (batches in flight at once)", (t) => {
  const a = new AckTracker();
  const applied: number[] = [];
  a.step([rec(1)], () => applied.push(1));
  a.step([rec(2)], () => applied.push(2));
  a.onQueued(batch(1), [rec(1)]);
  a.onQueued(batch(2), [rec(2)]);
  a.onAck(batch(2));
  t.deepEqual(applied, [], 'batch 1 is still in flight: no position may pass it');
  a.onAck(batch(1));
  t.deepEqual(applied, [1, 2]);
});

test('batches holding none of the tracked records do not move positions', (t) => {
  const a = new AckTracker();
  const applied: number[] = [];
  a.step([rec(1)], () => applied.push(1));
  a.onQueued(batch(1), [rec(99)]);
  a.onAck(batch(1));
  t.deepEqual(applied, []);
  a.onQueued(batch(2), [rec(1)]);
  a.onAck(batch(2));
  t.deepEqual(applied, [1]);
});
