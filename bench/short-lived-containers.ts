// Short-lived containers under load: `docker run --rm` containers that write a known number of lines
// and exit at once, several at a time, beside an unselected flood writer and CPU burners. The log
// source alone (records counted in memory, exactly) against that ground truth: lines missing or
// repeated per container, and how long after `docker run` returned the last line was read.
// Usage: eval "$(npm run -s env:up)"; node bench/short-lived-containers.ts [containers] [at a time] [lines each]
import './bench-env.ts'; // first: the test environment, brought up when not exported
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from '../test/helpers/loadgen.ts';
import { docker, image, processCpu } from './engine.ts';
import { startLogSource } from './log-source.ts';

const total = Number(process.argv[2] ?? 80);
const width = Number(process.argv[3] ?? 8);
const linesEach = Number(process.argv[4] ?? 1000);

const label = `swarmscope.bench=${process.pid}`;
/** Per container name: each line number seen, how often; when its last expected line was read. */
const seen = new Map<string, { counts: Map<number, number>; complete?: number }>();
const source = await startLogSource({
  selector: label,
  add: (records) => {
    for (const r of records) {
      if (r.kind !== 'log') continue;
      let s = seen.get(r.container.name);
      if (!s) seen.set(r.container.name, (s = { counts: new Map() }));
      const n = Number(r.message);
      s.counts.set(n, (s.counts.get(n) ?? 0) + 1);
      if (s.counts.size === linesEach && !s.complete) s.complete = Date.now();
    }
  },
});

const flood = (
  await docker([
    'run',
    '-d',
    '--log-opt',
    'max-size=1m',
    '--log-opt',
    'max-file=2',
    image,
    'sh',
    '-c',
    'while true; do seq 1 20000; done',
  ])
).stdout.trim();
const burn = (
  await docker(['run', '-d', image, 'sh', '-c', 'for i in 1 2 3 4; do (while true; do :; done) & done; wait'])
).stdout.trim();
const returned = new Map<string, number>();
const cpu0 = processCpu();
const t0 = Date.now();
try {
  const queue = Array.from({ length: total }, (_, i) => `ss-short-${process.pid}-${i}`);
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        await docker([
          'run',
          '--rm',
          '--name',
          name,
          '--network',
          'none',
          '--label',
          label,
          image,
          'seq',
          '1',
          String(linesEach),
        ]);
        returned.set(name, Date.now());
      }
    }),
  );
  const runSeconds = (Date.now() - t0) / 1000;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && [...returned.keys()].some((n) => !seen.get(n)?.complete)) await sleep(250);
  const cpu = processCpu() - cpu0;
  let missing = 0;
  let repeated = 0;
  let incomplete = 0;
  const lags: number[] = [];
  for (const [name, at] of returned) {
    const s = seen.get(name);
    if (!s?.complete) incomplete++;
    for (let n = 1; n <= linesEach; n++) {
      const c = s?.counts.get(n) ?? 0;
      if (c === 0) missing++;
      if (c > 1) repeated += c - 1;
    }
    if (s?.complete) lags.push(Math.max(0, s.complete - at));
  }
  console.log(
    'containers  at a time  lines each  run s  incomplete  lines missing  lines repeated  last line after exit p50 / p99 / max ms  collector CPU s',
  );
  console.log(
    `${String(total).padStart(10)}  ${String(width).padStart(9)}  ${String(linesEach).padStart(10)}  ${runSeconds.toFixed(1).padStart(5)}  ${String(incomplete).padStart(10)}  ${String(missing).padStart(13)}  ${String(repeated).padStart(14)}  ${`${percentile(lags, 50)} / ${percentile(lags, 99)} / ${percentile(lags, 100)}`.padStart(39)}  ${cpu.toFixed(2).padStart(15)}`,
  );
} finally {
  await docker(['rm', '-f', flood, burn]).catch(() => undefined);
  await source.close();
}
