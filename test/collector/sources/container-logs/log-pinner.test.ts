// The pinning worker raises its own thread's priority, and only its own: the thread that must open a
// fast writer's generations within their few ms of life gets the CPU first on a busy node, while
// the collector's reading and shipping keep their normal share.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { LogPinner } from '../../../../collector/sources/container-logs/log-pinner.ts';

/** Nice value per thread of this process (field 19 of /proc/self/task/<tid>/stat), by thread id. */
function threadNices(): Map<number, number> {
  return new Map(
    readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return [Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    }),
  );
}

test('the pinning thread runs at nice -10 with CAP_SYS_NICE, every other thread as before', async (t) => {
  const before = threadNices();
  let told: { nice: number; error: string | undefined } | undefined;
  const pinner = new LogPinner(
    () => undefined,
    () => undefined,
    (nice, error) => (told = { nice, error }),
  );
  t.teardown(() => pinner.close());
  const deadline = Date.now() + 10_000;
  while (!told && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.truthy(told, 'the worker says how its priority went');
  const after = threadNices();
  const raised = [...after].filter(([tid, nice]) => nice === -10 && before.get(tid) !== -10);
  if (process.getuid?.() !== 0) {
    // Without the capability the thread stays as it was, and the collector is told why.
    t.truthy(told!.error);
    t.deepEqual(raised, []);
    return;
  }
  t.is(told!.error, undefined);
  t.is(told!.nice, -10);
  t.is(raised.length, 1, 'one thread raised to nice -10');
  t.not(raised[0]![0], process.pid, 'not the main thread');
  t.is(after.get(process.pid), before.get(process.pid), 'the main thread as it was');
});
