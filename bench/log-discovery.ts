// Idle cost of following container logs: the log source (its pinning worker looking at the containers
// directory and every log directory every 250 ms, the main thread's poll) for N containers that
// write nothing. What a node pays for log discovery before a single line is read.
// Rows vary the worker's rescan and the main thread's poll interval, to show which one costs.
// Usage: eval "$(npm run -s env:up)"; node bench/log-discovery.ts [10,100,300] [seconds]
import './bench-env.ts'; // first: the test environment, brought up when not exported
import { setTimeout as sleep } from 'node:timers/promises';
import { docker, image, pool, processCpu } from './engine.ts';
import { startLogSource } from './log-source.ts';

const sizes = (process.argv[2] ?? '10,100,300').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 30);

async function measure(ids: string[], label: string, rescanIntervalMs: number, pollIntervalMs: number) {
  const { logs, close } = await startLogSource({
    selector: label,
    add: () => undefined,
    rescanIntervalMs,
    pollIntervalMs,
  });
  await logs.reconcile(ids);
  await sleep(2000); // the startup listing and first reads settle
  const cpu0 = processCpu();
  await sleep(seconds * 1000);
  const cpu = processCpu() - cpu0;
  const followed = logs.snapshot().tailers;
  const rss = process.memoryUsage().rss;
  await close();
  return { share: cpu / seconds, followed, rss };
}

const variants = [
  { rescan: 250, poll: 1000, what: 'defaults' },
  { rescan: 60_000, poll: 1000, what: 'poll only' },
  { rescan: 250, poll: 60_000, what: 'rescan only' },
  { rescan: 1000, poll: 1000, what: 'rescan 1 s' },
];
console.log('containers  variant              followed  CPU % of a core  µs per container-second  RSS MiB');
for (const n of sizes) {
  const label = `swarmscope.bench=${process.pid}-${n}`;
  const ids: string[] = [];
  try {
    await pool(
      Array.from({ length: n }, (_, i) => i),
      8,
      async () =>
        ids.push(
          (await docker(['run', '-d', '--label', label, '--network', 'none', image, 'sleep', '3600'])).stdout.trim(),
        ),
    );
    for (const v of variants) {
      const m = await measure(ids, label, v.rescan, v.poll);
      console.log(
        `${String(n).padStart(10)}  ${v.what.padEnd(19)}  ${String(m.followed).padStart(8)}  ${(m.share * 100).toFixed(2).padStart(15)}  ${((m.share * 1e6) / n).toFixed(1).padStart(23)}  ${(m.rss / 1048576).toFixed(1).padStart(7)}`,
      );
    }
  } finally {
    for (let i = 0; i < ids.length; i += 100)
      await docker(['rm', '-f', ...ids.slice(i, i + 100)]).catch(() => undefined);
  }
}
