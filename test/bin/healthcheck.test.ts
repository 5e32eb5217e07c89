// The container health check the stack runs: collector liveness from the heartbeat the sampling
// loop writes, aggregator liveness from a real aggregator's /healthz.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, utimes } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beat, heartbeatPath } from '../../collector/heartbeat.ts';
import { startTestAggregator } from '../helpers/aggregator.ts';

const script = fileURLToPath(new URL('../../bin/healthcheck.ts', import.meta.url));

function healthcheck(role: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, role], { env: { PATH: process.env.PATH ?? '', ...env } }, (err) =>
      resolve(err ? ((err as { code?: number }).code ?? 1) : 0),
    );
  });
}

test('a collector whose last sampling round is recent is healthy; one with none or a stale one is not', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-hc-'));
  const env = { SWARMSCOPE_DATA_DIR: dir, SWARMSCOPE_INTERVAL: '1s' };
  t.is(await healthcheck('collector', env), 1);
  t.true(await beat(dir, new Date()));
  t.is(await healthcheck('collector', env), 0);
  const old = new Date(Date.now() - 60_000); // > 3 intervals + 30 s
  await utimes(heartbeatPath(dir), old, old);
  t.is(await healthcheck('collector', env), 1);
});

test('an aggregator answering /healthz is healthy; a port nobody serves is not', async (t) => {
  const agg = await startTestAggregator({ es: false });
  t.teardown(() => agg.close());
  t.is(await healthcheck('aggregator', { SWARMSCOPE_LISTEN: `0.0.0.0:${new URL(agg.url).port}` }), 0);
  const free = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
  t.is(await healthcheck('aggregator', { SWARMSCOPE_LISTEN: `127.0.0.1:${free}` }), 1);
});

test('an unknown role is a usage error', async (t) => {
  t.is(await healthcheck('nope', {}), 2);
});
