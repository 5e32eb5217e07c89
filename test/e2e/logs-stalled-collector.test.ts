// The collector's main thread can be busy for a while (a large step, a GC pause, a slow disk)
// exactly when a container starts. A fast writer rotates its json-file generations away within
// tens of milliseconds, so what pins them must not wait for the main thread: here the main thread
// is blocked outright while a container is created and writes 60,000 lines through max-file=3.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { removeContainers } from '../helpers/docker.ts';
import { testEnv } from '../helpers/env.ts';
import { startLogRun } from './logs-helpers.ts';

/** Runs `lines` numbered lines through a container whose start the collector's main thread sleeps through. */
async function stalledRun(t: ExecutionContext, logOpts: string[], lines: number): Promise<void> {
  const r = await startLogRun();
  let id = '';
  try {
    const child = spawn(
      'docker',
      ['run', '-d', '--label', 'swarmscope.test=1', '--network', 'none', ...r.label, ...logOpts.flatMap((o) => ['--log-opt', o]), testEnv.workloadImage,
        'sh', '-c', `seq 1 ${lines} | awk '{print "stalled line " $1 " padding-padding-padding-padding"}'; sleep 1`],
      { env: { ...process.env, DOCKER_HOST: testEnv.dockerHost }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Blocks this thread (the collector runs in this process), not the worker threads.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 4000);
    t.is(await exited, 0, 'docker run succeeded');
    id = out.trim();
    const docs = (await r.logsOf(id, lines)).map((h) => h._source);
    t.is(docs.length, lines);
    t.is(new Set(docs.map((d) => Number(d.message.split(' ')[2]))).size, lines);
  } finally {
    if (id) await removeContainers([id]);
    await r.close();
  }
}

test.serial('generations written and rotated away while the collector main thread is blocked for 4 s are all read', async (t) => {
  await stalledRun(t, ['max-size=1m', 'max-file=3'], 60_000);
});

test.serial('compressed generations written while the collector main thread is blocked for 4 s are all read, once', async (t) => {
  await stalledRun(t, ['max-size=200k', 'max-file=5', 'compress=true'], 20_000);
});
