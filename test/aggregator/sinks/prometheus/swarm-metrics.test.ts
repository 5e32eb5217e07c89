// The Swarm series from snapshots and changes: one truth (newest snapshot by time), failures
// counted once however often re-sent, global presence per node, nothing exposed once stale.
import test from 'ava';
import { Registry } from 'prom-client';
import type { SwarmChangeRecord, SwarmSnapshot, SwarmSnapshotRecord } from '../../../../common/schema/index.ts';
import { SwarmView } from '../../../../aggregator/sinks/prometheus/swarm-view.ts';
import { registerSwarmMetrics } from '../../../../aggregator/sinks/prometheus/swarm-metrics.ts';

const node = { id: 'n1', hostname: 'h1' };
const T = (s: number) => `2026-11-21T23:00:${String(s).padStart(2, '0')}Z`;

function snapshot(
  time: string,
  desired: number,
  running: number,
  tasks: SwarmSnapshot['tasks'] = [],
): SwarmSnapshotRecord {
  return {
    kind: 'swarm',
    type: 'snapshot',
    id: `snap${time.replace(/\D/g, '')}`,
    time,
    node,
    body: {
      clusterId: 'c',
      tasksOmitted: 0,
      services: [
        { id: 's1', name: 'web', stack: 'shop', mode: 'replicated', image: 'w:1', desired, running, version: 1 },
        {
          id: 's2',
          name: 'agent',
          stack: '',
          mode: 'global',
          image: 'a:1',
          desired: 2,
          running: 1,
          version: 1,
          update: { state: 'updating' },
        },
      ],
      tasks,
      nodes: [
        {
          id: 'n1',
          hostname: 'h1',
          role: 'manager',
          availability: 'active',
          status: 'ready',
          address: '10.0.0.1',
          engineVersion: '20.10',
          updatedAt: T(0),
          manager: { leader: true, reachability: 'reachable', address: '10.0.0.1:2377' },
        },
        {
          id: 'n2',
          hostname: 'h2',
          role: 'worker',
          availability: 'drain',
          status: 'down',
          address: '10.0.0.2',
          engineVersion: '20.10',
          updatedAt: T(0),
        },
      ],
    },
  };
}

const failure = (id: string): SwarmChangeRecord => ({
  kind: 'swarm',
  type: 'change',
  id,
  time: T(5),
  node,
  body: {
    action: 'task_failed',
    at: T(5),
    service: { id: 's1', name: 'web', stack: 'shop' },
    task: { id, slot: 1, state: 'failed', exitCode: 1 },
  },
});

async function values(
  registry: Registry,
  name: string,
): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
  const m = await registry.getSingleMetric(name)!.get();
  return m.values.map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value }));
}

test('the newest snapshot by its own time wins, whatever order batches arrive in', async (t) => {
  const view = new SwarmView({ staleAfterMs: 60_000 });
  const registry = new Registry();
  registerSwarmMetrics(registry, view);
  view.apply(snapshot(T(10), 5, 3));
  view.apply(snapshot(T(5), 3, 3));
  t.deepEqual(
    (await values(registry, 'swarmscope_service_replicas_desired')).find((v) => v.labels.service === 'web')?.value,
    5,
  );
  t.deepEqual(
    (await values(registry, 'swarmscope_service_replicas_running')).find((v) => v.labels.service === 'web')?.value,
    3,
  );
});

test('a task failure re-sent by a new leader is counted once', async (t) => {
  const view = new SwarmView({ staleAfterMs: 60_000 });
  const registry = new Registry();
  registerSwarmMetrics(registry, view);
  view.apply(snapshot(T(1), 3, 3));
  view.apply(failure('task-a'));
  view.apply(failure('task-a'));
  view.apply(failure('task-b'));
  const counts = Object.fromEntries(
    (await values(registry, 'swarmscope_service_task_failures_total')).map((v) => [v.labels.service, v.value]),
  );
  t.deepEqual(counts, { web: 2, agent: 0 });
});

test('a global service is present where its task runs and absent where it waits', async (t) => {
  const view = new SwarmView({ staleAfterMs: 60_000 });
  const registry = new Registry();
  registerSwarmMetrics(registry, view);
  const task = (id: string, nodeId: string, state: string, desiredState: string) => ({
    id,
    serviceId: 's2',
    nodeId,
    desiredState,
    state,
    timestamp: T(1),
  });
  view.apply(
    snapshot(T(1), 3, 3, [
      task('g1', 'n1', 'running', 'running'),
      task('g2', 'n2', 'pending', 'ready'),
      task('g0', 'n2', 'failed', 'shutdown'),
    ]),
  );
  const present = await values(registry, 'swarmscope_service_global_present');
  t.deepEqual(present.map((v) => [v.labels.node, v.value]).sort(), [
    ['h1', 1],
    ['h2', 0],
  ]);
  t.deepEqual(
    (await values(registry, 'swarmscope_node_up')).map((v) => [v.labels.node, v.value]),
    [
      ['h1', 1],
      ['h2', 0],
    ],
  );
  t.deepEqual(
    (await values(registry, 'swarmscope_node_availability')).map((v) => v.labels.availability),
    ['active', 'drain'],
  );
  t.deepEqual(await values(registry, 'swarmscope_service_update_state'), [
    { labels: { service: 'agent', stack: '', state: 'updating' }, value: 1 },
  ]);
});

test('the newest failed task per slot gives the last exit code', async (t) => {
  const view = new SwarmView({ staleAfterMs: 60_000 });
  const registry = new Registry();
  registerSwarmMetrics(registry, view);
  const failed = (id: string, at: string, exitCode: number) => ({
    id,
    serviceId: 's1',
    nodeId: 'n1',
    slot: 1,
    desiredState: 'shutdown',
    state: 'failed',
    timestamp: at,
    exitCode,
  });
  view.apply(snapshot(T(9), 3, 2, [failed('a', T(1), 137), failed('b', T(8), 1), failed('c', T(4), 2)]));
  t.deepEqual(await values(registry, 'swarmscope_task_last_exit_code'), [
    { labels: { service: 'web', stack: 'shop', slot: '1', node: 'h1', node_id: 'n1', instance: 'n1' }, value: 1 },
  ]);
});

test('no series remain once no manager has reported for the stale period', async (t) => {
  let now = 0;
  const view = new SwarmView({ staleAfterMs: 60_000, now: () => now });
  const registry = new Registry();
  registerSwarmMetrics(registry, view);
  view.apply(snapshot(T(1), 3, 3));
  t.is((await values(registry, 'swarmscope_node_up')).length, 2);
  now = 61_000;
  t.is((await values(registry, 'swarmscope_node_up')).length, 0);
  t.is((await values(registry, 'swarmscope_swarm_snapshot_timestamp_seconds')).length, 0);
});
