// The collector's main thread can be busy for a while (a large step, a GC pause, a slow disk)
// exactly when a container starts. A fast writer rotates its json-file generations away within
// tens of milliseconds, so what pins them must not wait for the main thread: here the main thread
// is blocked outright while a container is created and writes 60,000 lines through max-file=3.
import test from 'ava';
import { spawn } from 'node:child_process';
import { removeContainers } from '../helpers/docker.ts';
import { testEnv } from '../helpers/env.ts';
import { logsOf, startLogRun } from './logs-helpers.ts';

test('generations written and rotated away while the collector main thread is blocked for 4 s are all read', async (t) => {
  const r = await startLogRun();
  let id = '';
  try {
    const child = spawn(
      'docker',
      ['run', '-d', '--label', 'swarmscope.test=1', '--network', 'none', ...r.label, '--log-opt', 'max-size=1m', '--log-opt', 'max-file=3', testEnv.workloadImage,
        'sh', '-c', `seq 1 60000 | awk '{print "stalled line " $1 " padding-padding-padding-padding"}'; sleep 1`],
      { env: { ...process.env, DOCKER_HOST: testEnv.dockerHost }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Blocks this thread (the collector runs in this process), not the worker threads.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 4000);
    t.is(await exited, 0, 'docker run succeeded');
    id = out.trim();
    const docs = (await logsOf(r.agg.indexPrefix, id, 60_000, { drained: r.drained(id) })).map((h) => h._source);
    t.is(docs.length, 60_000);
    t.is(new Set(docs.map((d) => Number(d.message.split(' ')[2]))).size, 60_000);
  } finally {
    if (id) await removeContainers([id]);
    await r.close();
  }
});
