// A small demo workload as a Swarm stack on the test engine, built to produce every kind of
// series and record the dashboards show: a replicated `web` service with a health check, a CPU
// quota it hits (throttling), a memory limit a child process blows through (OOM kills while the
// task lives on), error lines on stderr, and a task that exits with code 3 every ~40 s (task
// failures, exit codes, restarts), loopback traffic and direct disk I/O (counted per container
// also on cgroup v1 hosts: see test/env/block-io-accounting.ts); and a global `agent` service
// (one task per node).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureBlockIoAccounting } from '../env/block-io-accounting.ts';
import { docker } from './docker.ts';
import { testEnv } from './env.ts';

export const DEMO_EXIT_CODE = 3;

const WEB_SCRIPT = [
  'i=0',
  'while [ $i -lt 40 ]; do',
  '  i=$((i+1))',
  '  echo "GET /orders/$i 200"',
  '  if [ $((i % 4)) -eq 0 ]; then echo "ERROR request $i failed: upstream timeout" >&2; fi',
  // A few milliseconds of busy work per second against a 0.05-core quota: throttled periods.
  '  j=0; while [ $j -lt 3000 ]; do j=$((j+1)); done',
  // A child doubling a string until the memory limit: the kernel OOM-kills it, the task lives on.
  '  if [ $((i % 10)) -eq 3 ]; then (a=0123456789abcdef; while :; do a=$a$a; done) 2>/dev/null; fi',
  // Loopback traffic only (the machines' rule; the stack's overlay network carries none, and the
  // collector needs SWARMSCOPE_NETWORK_LOOPBACK=true to show lo), and direct disk I/O past the page cache.
  '  if [ $((i % 5)) -eq 1 ]; then ping -c 2 -W 1 127.0.0.1 >/dev/null; dd if=/dev/zero of=/tmp/blk bs=64k count=16 oflag=direct 2>/dev/null; dd if=/tmp/blk of=/dev/null bs=64k iflag=direct 2>/dev/null; fi',
  '  sleep 1',
  'done',
  `echo "FATAL giving up after $i requests" >&2`,
  `exit ${DEMO_EXIT_CODE}`,
].join('\n');

export type DemoStack = { stack: string; web: string; agent: string; remove: () => Promise<void> };

export async function deployDemoStack(): Promise<DemoStack> {
  await ensureBlockIoAccounting();
  const stack = `demo${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-demo-'));
  const file = join(dir, 'stack.yml');
  const common = { image: testEnv.workloadImage, labels: { 'swarmscope.test': '1' } };
  await writeFile(
    file,
    stringify({
      version: '3.8',
      services: {
        web: {
          ...common,
          // $$ is how a stack file writes a literal $ (compose interpolates $name).
          command: ['sh', '-c', WEB_SCRIPT.replaceAll('$', '$$$$')],
          healthcheck: { test: ['CMD', 'true'], interval: '2s', timeout: '1s', retries: 2, start_period: '1s' },
          deploy: {
            replicas: 2,
            labels: { 'swarmscope.test': '1' },
            resources: { limits: { cpus: '0.05', memory: '24M' } },
            restart_policy: { condition: 'any', delay: '1s' },
          },
        },
        agent: {
          ...common,
          command: ['sh', '-c', 'while true; do echo "agent heartbeat"; sleep 2; done'],
          deploy: { mode: 'global', labels: { 'swarmscope.test': '1' } },
        },
      },
    }),
  );
  await docker(['stack', 'deploy', '--resolve-image', 'never', '-c', file, stack]);
  const remove = async () => {
    await docker(['stack', 'rm', stack]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  return { stack, web: `${stack}_web`, agent: `${stack}_agent`, remove };
}
