// Queries of the shapes swarmprom's and node-exporter's dashboards and alert rules use (written
// here, not copied) against the shared test Prometheus scraping one aggregator: the real node's
// collector with the demo stack's services, plus two more nodes whose host records reach the same
// aggregator over the wire. Joins on instance with node_meta must give one answer per node and no
// many-to-many error; container sums by service, task-state counts and the root cgroup answer.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { HostSampler } from '../../collector/sources/host/host-sampler.ts';
import { createLogger } from '../../common/logger.ts';
import { recordId } from '../../common/record-id.ts';
import type { HostMetricRecord } from '../../common/schema/index.ts';
import { encodeBatch, INGEST_PATH, NDJSON } from '../../common/wire.ts';
import { startTestAggregator, type TestAggregator } from '../helpers/aggregator.ts';
import { startTestCollector } from '../helpers/collector.ts';
import { deployDemoStack, type DemoStack } from '../helpers/demo-workload.ts';
import { deleteIndices } from '../helpers/elasticsearch.ts';
import { promQuery, scrapeTarget, type PromSeries } from '../helpers/prometheus.ts';
import { waitFor } from '../helpers/wait.ts';

const job = `swarmprom-${randomBytes(3).toString('hex')}`;
const FAKE_NODES = [`i16pnode1${randomBytes(3).toString('hex')}`, `i16pnode2${randomBytes(3).toString('hex')}`];
const ctx: { agg?: TestAggregator; demo?: DemoStack; cleanups: Array<() => Promise<unknown>> } = { cleanups: [] };

/** Two more nodes behind the same aggregator: a real host sample of this machine under another node's name. */
async function postFakeNodes(agg: TestAggregator): Promise<void> {
  const sampler = new HostSampler({
    procRoot: '/proc',
    filesystemIntervalMs: 60_000,
    log: createLogger({ name: 'test', level: 'silent' }),
  });
  const time = new Date();
  const real = await sampler.sample({ id: 'x', hostname: 'x' }, time);
  await sampler.close();
  const records = FAKE_NODES.map((id): HostMetricRecord => ({
    ...real,
    id: recordId(id, 'host', time.getTime()),
    node: { id, hostname: `host-${id}` },
  }));
  // As a collector does: the batch again until it is acknowledged (a loaded Elasticsearch answers 503 at times).
  let last = '';
  await waitFor(
    async () => {
      const res = await fetch(agg.url + INGEST_PATH, {
        method: 'POST',
        headers: { 'content-type': NDJSON, 'content-encoding': 'gzip', authorization: `Bearer ${agg.token}` },
        body: new Uint8Array(encodeBatch(records)),
      });
      last = `${res.status} ${await res.text()}`;
      return res.status === 200;
    },
    { timeoutMs: 120_000, intervalMs: 2000, what: `the extra nodes' records acknowledged (last answer: ${last})` },
  );
}

test.before(async () => {
  const agg = await startTestAggregator();
  ctx.agg = agg;
  ctx.cleanups.push(
    () => agg.close(),
    () => deleteIndices(`${agg.indexPrefix}-*`),
  );
  const collector = await startTestCollector(agg, { SWARMSCOPE_NETWORK_LOOPBACK: 'true' });
  ctx.cleanups.push(() => collector.close());
  ctx.cleanups.push(await scrapeTarget(job, agg.address, { job }));
  const demo = await deployDemoStack();
  ctx.demo = demo;
  ctx.cleanups.push(() => demo.remove());
  await postFakeNodes(agg);
});

test.after.always(async () => {
  for (const c of ctx.cleanups.reverse()) await c().catch(() => undefined);
});

const J = `job="${job}"`;
/** The join every swarmprom node panel uses: node series picked up with their node's name. */
const byNode = (expr: string) => `${expr} * on(instance) group_left(node_name) node_meta{${J}}`;

/** Runs a query until it returns series (rates need two scrapes, the demo's tasks need time to start). */
async function answered(expr: string, atLeast = 1, timeoutMs = 120_000): Promise<PromSeries[]> {
  let last: PromSeries[] | Error = [];
  await waitFor(
    async () => {
      last = await promQuery(expr).catch((err: Error) => err);
      return !(last instanceof Error) && last.length >= atLeast;
    },
    { timeoutMs, intervalMs: 2000, what: `${atLeast}+ series for ${expr}` },
  ).catch(() => undefined);
  if (last instanceof Error) throw last;
  return last;
}

test.serial('node series join node_meta on instance: one answer per node, no many-to-many error', async (t) => {
  t.timeout(480_000);
  const nodes = 1 + FAKE_NODES.length;
  const queries = [
    byNode(`irate(node_cpu_seconds_total{${J},mode="idle",cpu="0"}[30s])`),
    `sum by (node_name) (${byNode(`irate(node_cpu_seconds_total{${J},mode="idle"}[30s])`)})`,
    byNode(
      `(node_memory_MemTotal_bytes{${J}} - node_memory_MemAvailable_bytes{${J}}) / node_memory_MemTotal_bytes{${J}}`,
    ),
    byNode(`(node_memory_SwapTotal_bytes{${J}} - node_memory_SwapFree_bytes{${J}})`),
    byNode(`node_filesystem_avail_bytes{${J},mountpoint="/"} / node_filesystem_size_bytes{${J},mountpoint="/"}`),
    byNode(`predict_linear(node_filesystem_free_bytes{${J},mountpoint="/"}[30s], 3600)`),
    byNode(`node_load5{${J}}`),
    byNode(`(node_time_seconds{${J}} - node_boot_time_seconds{${J}})`),
    `sum by (node_name) (${byNode(`irate(node_disk_read_bytes_total{${J}}[30s])`)})`,
    `sum by (node_name) (${byNode(`irate(node_network_receive_bytes_total{${J},device!="lo"}[30s])`)})`,
    `count(node_meta{${J}} * on(instance) group_left(node_name) node_meta{${J}})`,
    // node-exporter dashboards pick the node by uname's nodename, then join on instance.
    `node_load1{${J}} * on(instance) group_left(nodename) node_uname_info{${J}}`,
    `machine_cpu_cores{${J}} * on(instance) group_left(node_name) node_meta{${J}}`,
  ];
  // Every node on /metrics and scraped twice (rates), then each query gets a short while.
  await answered(`count(node_meta{${J}}) >= ${nodes}`, 1, 180_000);
  const problems: string[] = [];
  for (const q of queries) {
    const r = await answered(q, q.startsWith('count(') ? 1 : nodes, 15_000).catch((err: Error) => err);
    if (r instanceof Error) problems.push(`${q}: ${r.message}`);
    else if (q.startsWith('count(')) {
      if (r[0]?.value[1] !== String(nodes)) problems.push(`${q}: ${r[0]?.value[1]} nodes, expected ${nodes}`);
    } else if (r.length !== nodes) problems.push(`${q}: ${r.length} series, expected one per node (${nodes})`);
  }
  t.deepEqual(problems, []);
  const names = (await promQuery(byNode(`node_load1{${J}}`))).map((s) => s.metric.node_name).sort();
  t.deepEqual(
    names.filter((n) => n!.startsWith('host-')),
    FAKE_NODES.map((id) => `host-${id}`).sort(),
  );
});

test.serial(
  'container series answer by service, task state, node and the root cgroup as swarmprom reads them',
  async (t) => {
    t.timeout(240_000);
    const demo = ctx.demo!;
    const service = 'container_label_com_docker_swarm_service_name';
    const web = `${service}="${demo.web}"`;
    const cpu = await answered(
      `sum by (${service}) (irate(container_cpu_usage_seconds_total{${J},id=~"/docker/.*",${web}}[30s]))`,
    );
    t.is(cpu[0]!.metric[service], demo.web);
    const mem = await answered(
      `sum by (${service}) (container_memory_usage_bytes{${J},id=~"/docker/.*",${service}=~".+"})`,
      2,
    );
    t.true(mem.some((s) => s.metric[service] === demo.agent));
    // swarmprom counts services, stacks and nodes by the existence of container_tasks_state.
    const services = await answered(
      `count(count(container_tasks_state{${J},${service}=~"${demo.stack}_.+"}) by (${service}))`,
    );
    t.is(services[0]!.value[1], '2');
    const stacks = await answered(
      `count(count(container_tasks_state{${J},container_label_com_docker_stack_namespace="${demo.stack}"}) by (container_label_com_docker_stack_namespace))`,
    );
    t.is(stacks[0]!.value[1], '1');
    // The machine as a whole: the root cgroup's traffic, CPU and memory.
    t.is((await answered(`sum by (id) (rate(container_network_receive_bytes_total{${J},id="/"}[30s]))`)).length, 1);
    t.true((await answered(`container_memory_usage_bytes{${J},id="/"}`)).length >= 1);
    t.true((await answered(`container_fs_usage_bytes{${J},id="/"}`)).length >= 1);
    // Container traffic per node name: the join on the Swarm node id label.
    const traffic = await answered(
      `sum by (node_name) (rate(container_network_receive_bytes_total{${J},${web}}[30s]) * on(container_label_com_docker_swarm_node_id) group_left(node_name) node_meta{${J}})`,
    );
    t.is(traffic.length, 1);
    // The task rules' shapes: per task and node.
    const tasks = await answered(
      `sum by (container_label_com_docker_swarm_task_name, container_label_com_docker_swarm_node_id) (container_memory_rss{${J},container_label_com_docker_swarm_task_name=~"${demo.stack}_.+"})`,
    );
    t.true(tasks.every((s) => s.metric.container_label_com_docker_swarm_node_id !== ''));
  },
);
