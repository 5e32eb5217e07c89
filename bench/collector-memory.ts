// Collector memory against cAdvisor on the same idle containers, measured as cAdvisor is measured:
// both run side by side at a 1 s interval and each process's RSS (/proc/<pid>/status VmRSS) is
// sampled every second for a minute; the peak is reported. The collector runs as the image runs it
// (compiled to JavaScript, `swarmscope collector`, every source on, the stack's Node flags) against
// an acking aggregator (journal).
// cAdvisor is built from source beside the project (go build in its cmd/); pass its binary's path.
// Usage (services up: eval "$(npm run -s env:up)"): node bench/collector-memory.ts /path/to/cadvisor [100,300] [seconds]
import './bench-env.ts'; // first: the test environment, brought up when not exported
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AggregatorProcess, freePort } from '../test/helpers/aggregator-process.ts';
import { COLLECTOR_NODE_FLAGS, compiledEntry, docker, dockerHost, image, pool, rssBytes } from './engine.ts';

const cadvisor = process.argv[2] ?? process.env.SWARMSCOPE_BENCH_CADVISOR ?? '';
const sizes = (process.argv[3] ?? '100,300').split(',').map(Number);
const seconds = Number(process.argv[4] ?? 60);
if (!cadvisor || !existsSync(cadvisor)) {
  process.stderr.write(
    'usage: node bench/collector-memory.ts /path/to/cadvisor [100,300] [seconds]\n' +
      '(build it from source: go build in the cmd/ directory of github.com/google/cadvisor)\n',
  );
  process.exit(2);
}
const entry = await compiledEntry();
const run = randomBytes(3).toString('hex');
const mib = (b: number) => (b / 2 ** 20).toFixed(1);

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv): { proc: ChildProcess; err: () => string } {
  let err = '';
  const proc = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
  return { proc, err: () => err };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000).then(() => proc.kill('SIGKILL'))]);
}

const containers: string[] = [];
const dir = await mkdtemp(join(tmpdir(), 'swarmscope-bench-mem-'));
const token = randomBytes(12).toString('hex');
const agg = new AggregatorProcess(await freePort(), {
  SWARMSCOPE_TOKEN: token,
  SWARMSCOPE_DATA_DIR: join(dir, 'aggregator'),
  SWARMSCOPE_ES_URL: '',
});
const rows: string[] = [];
try {
  await agg.start();
  for (const n of sizes) {
    const names = Array.from({ length: n - containers.length }, (_, i) => `ss-mem-${run}-${containers.length + i}`);
    await pool(names, 8, async (name) => {
      const { stdout } = await docker([
        'run',
        '-d',
        '--name',
        name,
        '--label',
        `swarmscope.bench=mem-${run}`,
        '--network',
        'none',
        image,
        'sleep',
        '3600',
      ]);
      containers.push(stdout.trim());
    });
    const running = (await docker(['ps', '-q'])).stdout.trim().split('\n').length;
    const col = start(process.execPath, [...COLLECTOR_NODE_FLAGS, entry, 'collector'], {
      ...process.env,
      SWARMSCOPE_AGGREGATOR_URL: agg.url,
      SWARMSCOPE_TOKEN: token,
      SWARMSCOPE_DATA_DIR: join(dir, `collector-${n}`),
      SWARMSCOPE_INTERVAL: '1s',
      // Logs are followed for the bench's own (silent) containers only: other containers on a shared
      // engine may be writing flat out, which is not what "idle" measures.
      SWARMSCOPE_LOGS_SELECTOR: `swarmscope.bench=mem-${run}`,
      SWARMSCOPE_LOG_LEVEL: 'warn',
    });
    const cad = start(
      cadvisor,
      [
        `--docker=${dockerHost}`,
        '--listen_ip=127.0.0.1',
        `--port=${await freePort()}`,
        '--housekeeping_interval=1s',
        '--max_housekeeping_interval=1s',
        '--allow_dynamic_housekeeping=false',
        '--docker_only=true',
        '--logtostderr',
      ],
      process.env,
    );
    // Both settle (the collector finds every container, cAdvisor its cgroups) before the minute starts.
    await sleep(10_000);
    let peakCol = 0;
    let peakCad = 0;
    for (let s = 0; s < seconds; s++) {
      if (col.proc.exitCode !== null) throw new Error(`collector exited: ${col.err()}`);
      if (cad.proc.exitCode !== null) throw new Error(`cadvisor exited: ${cad.err()}`);
      peakCol = Math.max(peakCol, rssBytes(col.proc.pid));
      peakCad = Math.max(peakCad, rssBytes(cad.proc.pid));
      await sleep(1000);
    }
    await Promise.all([stop(col.proc), stop(cad.proc)]);
    rows.push(
      `${String(n).padStart(10)}  ${String(running).padStart(17)}  ${mib(peakCol).padStart(22)}  ${mib(peakCad).padStart(21)}  ${(peakCol / peakCad).toFixed(2).padStart(5)}`,
    );
  }
} finally {
  for (let i = 0; i < containers.length; i += 100)
    await docker(['rm', '-f', ...containers.slice(i, i + 100)]).catch(() => undefined);
  await agg.stop();
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(
  `idle containers  running on engine  collector peak RSS MiB  cAdvisor peak RSS MiB  ratio\n${rows.join('\n')}\n` +
    `(peak of 1 s samples over ${seconds} s, both at a 1 s interval; load average at the end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})\n`,
);
process.exit(0);
