// The ack tracker on fixtures: a read step's position is applied only once its handle settled
// and every earlier step's did too, so positions never pass unacknowledged data.
import test from 'ava';
import { AckTracker } from '../../../../collector/sources/container-logs/ack-tracker.ts';

test('positions advance only up to the first step whose records are not all acknowledged', (t) => {
  const a = new AckTracker();
  const applied: number[] = [];
  const handles = [1, 2, 3].map((n) => a.whenAcknowledged(() => applied.push(n)));
  t.deepEqual(applied, [], 'nothing before any acknowledgement');
  handles[1]!.settled!();
  t.deepEqual(applied, [], 'step 2 settled first: step 1 is still in flight, no position may pass it');
  handles[0]!.settled!();
  t.deepEqual(applied, [1, 2]);
  handles[2]!.settled!();
  t.deepEqual(applied, [1, 2, 3]);
  t.is(a.inFlight, 0);
});

test('a step settled at once (no records) waits behind an unsettled one and is applied right after it', (t) => {
  const a = new AckTracker();
  const applied: string[] = [];
  a.whenAcknowledged(() => applied.push('empty-first')).settled!();
  t.deepEqual(applied, ['empty-first'], 'nothing to wait for');
  const one = a.whenAcknowledged(() => applied.push('one'));
  a.whenAcknowledged(() => applied.push('empty-after')).settled!();
  t.is(a.inFlight, 2);
  one.settled!();
  t.deepEqual(applied, ['empty-first', 'one', 'empty-after']);
});
