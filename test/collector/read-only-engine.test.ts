// The collector never changes the engine: with a recording proxy on the Docker socket, the whole
// collector (container metrics, host metrics, logs from json-file and through the API, events,
// inventory and the Swarm state of this manager) runs through a workload, and every request it
// made is a GET. The list of endpoints is printed (the README's "Docker API endpoints" table).
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { createService, removeServices, uniqueName } from '../helpers/swarm.ts';
import { removeContainers, runContainer, docker } from '../helpers/docker.ts';
import { startTestAggregator } from '../helpers/aggregator.ts';
import { startTestCollector } from '../helpers/collector.ts';
import { endpointOf, startDockerSocketRecorder } from '../helpers/docker-socket-recorder.ts';
import { testEnv } from '../helpers/env.ts';
import { waitFor } from '../helpers/wait.ts';

/** Methods that read: a HEAD is a GET without the body. */
const READ_ONLY = new Set(['GET', 'HEAD']);

test('every request the collector makes to the Docker API, with every feature on, is a GET', async (t) => {
  t.timeout(4 * 60_000);
  const run = randomBytes(4).toString('hex');
  const label = `swarmscope.test.run=${run}`;
  const recorder = await startDockerSocketRecorder(testEnv.dockerHost);
  const agg = await startTestAggregator({ es: false });
  const containers: string[] = [];
  const services: string[] = [];
  t.teardown(async () => {
    await removeServices(services);
    await removeContainers(containers);
    await agg.close();
    await recorder.close();
  });
  const col = await startTestCollector(agg, {
    DOCKER_HOST: recorder.dockerHost,
    SWARMSCOPE_LOGS: 'true',
    SWARMSCOPE_EVENTS: 'true',
    SWARMSCOPE_HOST_METRICS: 'true',
    SWARMSCOPE_NETWORK_LOOPBACK: 'true',
    SWARMSCOPE_LOGS_SELECTOR: label,
    SWARMSCOPE_RECONCILE_INTERVAL: '2s',
    SWARMSCOPE_FILESYSTEM_INTERVAL: '2s',
  });
  let closed = false;
  t.teardown(async () => {
    if (!closed) await col.close();
  });

  // json-file logs, logs through the API (the local driver), a health check (exec events), a
  // container that exits, and a service (Swarm state, task events).
  const line = `read-only-${run}`;
  containers.push(
    await runContainer(
      ['--label', label, '--name', uniqueName('ro-json')],
      ['sh', '-c', `while true; do echo ${line}; sleep 0.2; done`],
    ),
    await runContainer(
      ['--label', label, '--log-driver', 'local', '--name', uniqueName('ro-local')],
      ['sh', '-c', `while true; do echo ${line}-api; sleep 0.2; done`],
    ),
    await runContainer(
      ['--label', label, '--health-cmd', 'true', '--health-interval', '1s', '--name', uniqueName('ro-health')],
      ['sleep', '600'],
    ),
    await runContainer(['--label', label, '--name', uniqueName('ro-exit')], ['sh', '-c', 'echo bye; exit 3']),
  );
  const service = uniqueName('ro-svc');
  services.push(service);
  await createService(service, ['--replicas', '1', '--container-label', label], ['sleep', '600']);

  // Records of every kind have arrived: metrics, logs from both readers, events, swarm.
  const kinds = async () => {
    const m = await agg.registry.getSingleMetric('swarmscope_ingest_records_total')!.get();
    return new Set(m.values.filter((v) => v.value > 0).map((v) => String(v.labels.kind)));
  };
  await waitFor(
    async () => {
      const k = await kinds();
      return ['metric', 'log', 'event', 'swarm', 'inventory'].every((x) => k.has(x)) ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500, what: 'records of every kind' },
  );
  // A few more rounds (reconcile, filesystems, a container stopped and removed while followed).
  await docker(['rm', '-f', containers.shift()!]);
  await new Promise((r) => setTimeout(r, 5_000));
  await col.close();
  closed = true;

  const byEndpoint = new Map<string, number>();
  for (const r of recorder.requests) {
    const e = endpointOf(r.method, r.path);
    byEndpoint.set(e, (byEndpoint.get(e) ?? 0) + 1);
  }
  const table = [...byEndpoint].sort(([a], [b]) => a.localeCompare(b));
  t.log(`Docker API endpoints the collector used (${recorder.requests.length} requests):`);
  for (const [e, n] of table) t.log(`  ${e}  ×${n}`);
  t.true(recorder.requests.length > 0);
  t.deepEqual(
    recorder.requests.filter((r) => !READ_ONLY.has(r.method)).map((r) => endpointOf(r.method, r.path)),
    [],
    'requests that are not GET',
  );
});
