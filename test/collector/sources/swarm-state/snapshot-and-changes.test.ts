// Engine answers recorded from the test swarm (a replicated service whose tasks exit 1), turned
// into snapshots and changes; variants (global mode, node down, updates) edit those answers.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { SwarmRecord } from '../../../../common/schema/index.ts';
import {
  toSnapshot,
  type ApiNode,
  type ApiService,
  type ApiTask,
} from '../../../../collector/sources/swarm-state/snapshot.ts';
import { detectChanges, leaderOf } from '../../../../collector/sources/swarm-state/changes.ts';

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/swarm-state/${name}.json`, import.meta.url), 'utf8')) as T;
const services = () => fixture<ApiService[]>('services');
const tasks = () => fixture<ApiTask[]>('tasks');
const nodes = () => fixture<ApiNode[]>('nodes');
const checkRecord = Compile(SwarmRecord);
const NOW = '2026-11-21T23:30:00Z';

test('a snapshot carries desired and running counts, task states with exit codes, and the leader', (t) => {
  const s = toSnapshot('c1', services(), tasks(), nodes(), 100);
  t.is(s.services.length, 1);
  t.is(s.services[0]!.mode, 'replicated');
  t.is(s.services[0]!.desired, 1);
  const failed = s.tasks.filter((x) => x.state === 'failed');
  t.is(failed.length, 2);
  for (const f of failed) {
    t.is(f.exitCode, 1);
    t.is(f.slot, 1);
    t.truthy(f.error);
  }
  t.is(leaderOf(s.nodes)?.id, nodes()[0]!.ID);
  t.true(
    checkRecord.Check({
      kind: 'swarm',
      type: 'snapshot',
      id: 'abcdefgh12',
      time: NOW,
      node: { id: 'n', hostname: 'h' },
      body: s,
    }),
  );
});

test('the task bound cuts the oldest history first and counts what it cut', (t) => {
  const s = toSnapshot('c1', services(), tasks(), nodes(), 2);
  t.is(s.tasks.length, 2);
  t.is(s.tasksOmitted, 1);
  t.is(s.tasks[0]!.desiredState, 'ready', 'the task meant to run is kept first');
  const history = tasks()
    .filter((x) => x.DesiredState === 'shutdown')
    .map((x) => x.Status.Timestamp)
    .sort();
  t.is(s.tasks[1]!.timestamp, history.at(-1)!, 'then the newest failure');
});

test('a first look reports every failed task once; the next look with no news reports nothing', (t) => {
  const s = toSnapshot('c1', services(), tasks(), nodes(), 100);
  const first = detectChanges(undefined, s, NOW);
  t.deepEqual(
    first.map((c) => c.change.action),
    ['task_failed', 'task_failed'],
  );
  t.is(first[0]!.change.service?.name, services()[0]!.Spec.Name);
  t.is(first[0]!.change.node?.hostname, nodes()[0]!.Description?.Hostname);
  t.deepEqual(detectChanges(s, s, NOW), []);
});

test('the same transition seen by two managers gets the same key', (t) => {
  const s = toSnapshot('c1', services(), tasks(), nodes(), 100);
  t.deepEqual(
    detectChanges(undefined, s, NOW).map((c) => c.key),
    detectChanges(undefined, s, '2030-01-01T00:00:00Z').map((c) => c.key),
  );
});

test('a node going down, then drained, is reported as each transition', (t) => {
  const before = toSnapshot('c1', services(), [], nodes(), 100);
  const down = nodes();
  down[0]!.Status.State = 'down';
  down[0]!.UpdatedAt = '2026-11-21T23:31:00Z';
  const s1 = toSnapshot('c1', services(), [], down, 100);
  t.deepEqual(
    detectChanges(before, s1, NOW).map((c) => [c.change.action, c.change.from, c.change.to]),
    [['node_down', 'ready', 'down']],
  );
  down[0]!.Spec.Availability = 'drain';
  down[0]!.UpdatedAt = '2026-11-21T23:32:00Z';
  const s2 = toSnapshot('c1', services(), [], down, 100);
  t.deepEqual(
    detectChanges(s1, s2, NOW).map((c) => c.change.action),
    ['node_drained'],
  );
  t.deepEqual(
    detectChanges(undefined, s2, NOW)
      .map((c) => c.change.action)
      .sort(),
    ['node_down', 'node_drained'],
    'a fresh leader reports what is still wrong',
  );
});

test("a rolling update is reported as started, paused and completed with the engine's times", (t) => {
  const svc = services();
  const base = toSnapshot('c1', svc, [], nodes(), 100);
  const steps = [
    { State: 'updating', StartedAt: '2026-11-21T23:40:00Z' },
    { State: 'paused', StartedAt: '2026-11-21T23:40:00Z', Message: 'update paused due to failure' },
    { State: 'completed', StartedAt: '2026-11-21T23:40:00Z', CompletedAt: '2026-11-21T23:41:00Z' },
  ];
  let prev = base;
  const seen: string[] = [];
  for (const u of steps) {
    svc[0]!.UpdateStatus = u;
    const next = toSnapshot('c1', svc, [], nodes(), 100);
    for (const c of detectChanges(prev, next, NOW)) seen.push(`${c.change.action}@${c.change.at}`);
    prev = next;
  }
  t.deepEqual(seen, [
    'update_started@2026-11-21T23:40:00Z',
    'update_paused@2026-11-21T23:40:00Z',
    'update_completed@2026-11-21T23:41:00Z',
  ]);
});

test('a global service reads as global with no slot on its tasks', (t) => {
  const svc = services();
  svc[0]!.Spec.Mode = { Global: {} };
  const ts = tasks().map((x) => ({ ...x, Slot: 0 }));
  const s = toSnapshot('c1', svc, ts, nodes(), 100);
  t.is(s.services[0]!.mode, 'global');
  t.true(s.tasks.every((x) => x.slot === undefined));
});
