// The heap policy's decisions, on a clock and a byte count the test controls: memory at start,
// throughput from the first tick (a quarter second) at ENTER_BYTES_PER_S of logs, memory again only after
// LEAVE_AFTER_MS in which no second reached LEAVE_BYTES_PER_S; a fixed setting never changes. That
// V8 then behaves so is what bench/logs-throughput.ts shows (README, Performance), and the process
// test (heap-policy-process.test.ts) shows a real collector switching.
import test from 'ava';
import {
  ENTER_BYTES_PER_S,
  HeapPolicy,
  LEAVE_AFTER_MS,
  LEAVE_BYTES_PER_S,
  TICK_MS,
  type HeapMode,
  type HeapSetting,
} from '../../collector/heap-policy.ts';
import { loadCollectorConfig } from '../../collector/config.ts';
import { SwarmscopeError } from '../../common/errors.ts';

function policy(setting: HeapSetting) {
  const clock = { now: 0, bytes: 0 };
  const applied: HeapMode[] = [];
  const p = new HeapPolicy({
    setting,
    logBytes: () => clock.bytes,
    now: () => clock.now,
    apply: (m) => applied.push(m),
  });
  /** One second in which `bytes` log bytes were encoded, then the policy's tick. */
  const second = (bytes: number) => {
    clock.now += 1000;
    clock.bytes += bytes;
    p.tick();
  };
  /** One tick's time in which `bytes` log bytes were encoded, then the policy's tick. */
  const tick = (bytes: number) => {
    clock.now += TICK_MS;
    clock.bytes += bytes;
    p.tick();
  };
  return { p, applied, second, tick };
}

test('auto: memory at start, throughput from the first second at the entry rate, not below it', (t) => {
  const { p, applied, second } = policy('auto');
  t.deepEqual(applied, ['memory']);
  for (let i = 0; i < 20; i++) second(ENTER_BYTES_PER_S - 1);
  t.is(p.mode, 'memory');
  second(ENTER_BYTES_PER_S);
  t.is(p.mode, 'throughput');
  t.deepEqual(applied, ['memory', 'throughput']);
  t.is(p.switches, 1);
});

test('auto: a burst turns the policy within one tick, a quarter second', (t) => {
  const { p, tick } = policy('auto');
  t.is(TICK_MS, 250);
  tick((ENTER_BYTES_PER_S * TICK_MS) / 1000 - 1);
  t.is(p.mode, 'memory');
  tick((ENTER_BYTES_PER_S * TICK_MS) / 1000);
  t.is(p.mode, 'throughput');
});

test('auto: back to memory only after LEAVE_AFTER_MS with every second under the leave rate', (t) => {
  const { p, applied, second } = policy('auto');
  second(ENTER_BYTES_PER_S * 3);
  const quietSeconds = LEAVE_AFTER_MS / 1000;
  // Quiet for all but the last second, then one second at the leave rate: the wait starts over.
  for (let i = 0; i < quietSeconds - 1; i++) second(LEAVE_BYTES_PER_S - 1);
  second(LEAVE_BYTES_PER_S);
  t.is(p.mode, 'throughput');
  for (let i = 0; i < quietSeconds; i++) {
    t.is(p.mode, 'throughput', `after ${i} quiet seconds`);
    second(0);
  }
  t.is(p.mode, 'memory');
  t.deepEqual(applied, ['memory', 'throughput', 'memory']);
  t.is(p.switches, 2);
});

test('a fixed setting is applied at start and never changes', (t) => {
  for (const setting of ['memory', 'throughput'] as const) {
    const { p, applied, second } = policy(setting);
    second(ENTER_BYTES_PER_S * 10);
    for (let i = 0; i < LEAVE_AFTER_MS / 1000 + 5; i++) second(0);
    t.deepEqual(applied, [setting]);
    t.is(p.mode, setting);
    t.is(p.switches, 0);
  }
});

test('SWARMSCOPE_HEAP_POLICY accepts auto, memory and throughput only', (t) => {
  const base = { SWARMSCOPE_TOKEN: 'heap-policy-test-token' };
  t.is(loadCollectorConfig(base).heapPolicy, 'auto');
  t.is(loadCollectorConfig({ ...base, SWARMSCOPE_HEAP_POLICY: 'memory' }).heapPolicy, 'memory');
  const err = t.throws(() => loadCollectorConfig({ ...base, SWARMSCOPE_HEAP_POLICY: 'small' }), {
    instanceOf: SwarmscopeError,
  })!;
  t.true(
    ((err as SwarmscopeError).context.problems as string[]).includes(
      'SWARMSCOPE_HEAP_POLICY=small: expected auto, memory or throughput',
    ),
  );
});
