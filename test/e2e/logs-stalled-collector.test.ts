// The collector's main thread can be busy for a while (a large step, a GC pause, a slow disk)
// exactly when a container starts. A fast writer rotates its json-file generations away within
// tens of milliseconds, so what pins them must not wait for the main thread: here the main thread
// is blocked outright while a container is created and writes 60,000 lines through max-file=3.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm as remove } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, removeContainers } from '../helpers/docker.ts';
import { testEnv } from '../helpers/env.ts';
import { assertOnceOrReported, lossesOf, startLogRun } from './logs-helpers.ts';

/**
 * Runs `lines` numbered lines through a container whose start the collector's main thread sleeps
 * through; with `rm`, a `docker run --rm` that has exited and been removed before the thread wakes.
 * Every line must arrive once; with `lossReported`, a line may be missing where a loss was reported.
 */
async function stalledRun(
  t: ExecutionContext,
  logOpts: string[],
  lines: number,
  { rm = false, lossReported = false }: { rm?: boolean; lossReported?: boolean } = {},
): Promise<void> {
  const r = await startLogRun();
  const before = lossesOf(r);
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-stalled-'));
  let id = '';
  try {
    const how = rm ? ['--rm', '--cidfile', join(dir, 'cid')] : ['-d'];
    const child = spawn(
      'docker',
      [
        'run',
        ...how,
        '--label',
        'swarmscope.test=1',
        '--network',
        'none',
        ...r.label,
        ...logOpts.flatMap((o) => ['--log-opt', o]),
        testEnv.workloadImage,
        'sh',
        '-c',
        `seq 1 ${lines} | awk '{print "stalled line " $1 " padding-padding-padding-padding"}'${rm ? '' : '; sleep 1'}`,
      ],
      {
        env: { ...process.env, DOCKER_HOST: testEnv.dockerHost },
        stdio: ['ignore', rm ? 'ignore' : 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    // 'close', not 'exit': the id printed on stdout may still be unread when the process exits.
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    // Blocks this thread (the collector runs in this process), not the worker threads.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 4000);
    t.is(await exited, 0, 'docker run succeeded');
    id = rm ? (await readFile(join(dir, 'cid'), 'utf8')).trim() : out.trim();
    if (rm) t.is(await docker(['ps', '-aq', '--no-trunc', '--filter', `id=${id}`]), '', 'the container is gone');
    if (lossReported) return await assertOnceOrReported(t, r, id, lines, before);
    const docs = (await r.logsOf(id, lines)).map((h) => h._source);
    t.is(docs.length, lines);
    t.is(new Set(docs.map((d) => Number(d.message.split(' ')[2]))).size, lines);
  } finally {
    if (id && !rm) await removeContainers([id]);
    await r.close();
    await remove(dir, { recursive: true, force: true });
  }
}

test.serial(
  'generations written and rotated away while the collector main thread is blocked for 4 s are all read',
  async (t) => {
    await stalledRun(t, ['max-size=1m', 'max-file=3'], 60_000);
  },
);

// With compress=true a gzip generation lives ~50 ms once the writer is flat out: the pinning thread
// alone keeps up while the main thread is blocked, and what a loaded machine keeps it from opening
// in time must be reported.
test.serial(
  'compressed generations written while the collector main thread is blocked for 4 s: each line once, a line missing only where a loss was reported',
  async (t) => {
    await stalledRun(t, ['max-size=200k', 'max-file=5', 'compress=true'], 20_000, { lossReported: true });
  },
);

test.serial(
  'a docker run --rm container created, run and removed while the collector main thread is blocked has all its lines read',
  async (t) => {
    await stalledRun(t, [], 1000, { rm: true });
  },
);
