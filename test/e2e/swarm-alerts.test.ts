// Alerts that fire on the real stack: the rule pack loaded into the test Prometheus (scraping a
// real aggregator fed by a real collector on the test swarm), the Alertmanager configuration
// loaded into the test Alertmanager with its webhooks pointed at a receiver this test runs.
// Test-only change to the rules: CollectorSilent's `for` is 0s (its expression is the real one).
import test from 'ava';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../../dashboards/build.ts';
import { RULE_GROUPS } from '../../dashboards/prometheus/alert-rules.ts';
import { rulesYaml } from '../../dashboards/prometheus/build.ts';
import { startTestAggregator } from '../helpers/aggregator.ts';
import { startTestCollector } from '../helpers/collector.ts';
import { scanAll } from '../helpers/elasticsearch.ts';
import { testEnv } from '../helpers/env.ts';
import { promQuery, scrapeTarget } from '../helpers/prometheus.ts';
import { createService, removeServices, scrape, serviceTasks, uniqueName } from '../helpers/swarm.ts';
import { waitFor } from '../helpers/wait.ts';

type Notification = {
  status: string;
  alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }>;
};

/** A webhook receiver on 127.0.0.1: every notification Alertmanager posts, with when it arrived. */
async function startWebhook(): Promise<{
  url: string;
  received: Array<{ at: number; body: Notification }>;
  server: Server;
}> {
  const received: Array<{ at: number; body: Notification }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ at: Date.now(), body: JSON.parse(body) as Notification });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, received, server };
}

const firing = async (alertname: string, labels: Record<string, string>) =>
  (
    await promQuery(
      `ALERTS{alertname="${alertname}", alertstate="firing", ${Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(', ')}}`,
    )
  ).length > 0 || undefined;

const reload = async (url: string) => {
  const res = await fetch(`${url}/-/reload`, { method: 'POST' });
  if (!res.ok) throw new Error(`${url}/-/reload answered ${res.status}: ${await res.text()}`);
};

test('health check failing, tasks exiting 1 and a stopped collector each fire their alert; Alertmanager delivers to the webhook', async (t) => {
  t.timeout(600_000);
  const stateDir = dirname(dirname(testEnv.prometheusTargetsDir));
  const rulesFile = join(stateDir, 'prometheus', 'rules', `${uniqueName('sw6-rules')}.yml`);
  const amFile = join(stateDir, 'alertmanager', 'alertmanager.yml');
  const health = uniqueName('sw6-health');
  const failing = uniqueName('sw6-exit1');
  const nodeName = uniqueName('sw6node');
  const probeDir = await mkdtemp(join(tmpdir(), 'sw6-probe-'));
  await writeFile(join(probeDir, 'ok'), 'ok');

  const hook = await startWebhook();
  const amOriginal = await readFile(amFile, 'utf8');
  const am = parse(await readFile(join(repoRoot, 'dashboards/prometheus/alertmanager.yml'), 'utf8')) as {
    receivers: Array<{ webhook_configs?: Array<{ url: string }> }>;
  };
  for (const r of am.receivers) for (const w of r.webhook_configs ?? []) w.url = hook.url;
  await writeFile(amFile, stringify(am));
  await reload(testEnv.alertmanagerUrl);
  const groups = RULE_GROUPS.map((g) => ({
    ...g,
    rules: g.rules.map((r) => (r.alert === 'CollectorSilent' ? { ...r, for: '0s' } : r)),
  }));
  await writeFile(rulesFile, rulesYaml(groups));
  await reload(testEnv.prometheusUrl);

  const agg = await startTestAggregator();
  const col = await startTestCollector(agg, { SWARMSCOPE_NODE_NAME: nodeName });
  const unscrape = await scrapeTarget(uniqueName('sw6'), agg.address);
  let collectorClosed = false;
  t.teardown(async () => {
    await removeServices([health, failing]);
    if (!collectorClosed) await col.close();
    await unscrape();
    await agg.close();
    await rm(rulesFile, { force: true });
    await reload(testEnv.prometheusUrl).catch(() => undefined);
    await writeFile(amFile, amOriginal);
    await reload(testEnv.alertmanagerUrl).catch(() => undefined);
    hook.server.close();
    await rm(probeDir, { recursive: true, force: true });
  });

  // 1. A health check that starts failing (the file it tests is deleted).
  await createService(
    health,
    [
      '--mount',
      `type=bind,source=${probeDir},target=/probe`,
      '--health-cmd',
      'test -f /probe/ok',
      '--health-interval',
      '1s',
      '--health-retries',
      '2',
      '--health-timeout',
      '2s',
      '--stop-grace-period',
      '1s',
    ],
    ['sleep', '100000'],
  );
  await waitFor(
    async () =>
      (await scrape(agg.url, 'swarmscope_container_health')).some(
        (s) => s.labels.container_label_com_docker_swarm_service_name === health && s.labels.health === 'healthy',
      ) || undefined,
    { timeoutMs: 300_000, what: `${health} healthy on /metrics` },
  );
  await unlink(join(probeDir, 'ok'));
  const failStart = Date.now(); // the next probe (≤ 1 s later) is the first to fail
  await waitFor(() => firing('ContainerUnhealthy', { service: health, node: nodeName }), {
    timeoutMs: 300_000,
    intervalMs: 500,
    what: 'ContainerUnhealthy firing in Prometheus',
  });
  const firingAt = Date.now();
  const delivered = await waitFor(
    () =>
      hook.received.find((n) =>
        n.body.alerts.some(
          (a) =>
            a.labels.alertname === 'ContainerUnhealthy' &&
            a.labels.service === health &&
            a.labels.node === nodeName &&
            a.status === 'firing',
        ),
      ),
    { timeoutMs: 120_000, intervalMs: 200, what: 'ContainerUnhealthy at the webhook' },
  );
  // Other engineers' collectors on the shared engine report the same container under their node name: take ours.
  const alert = delivered.body.alerts.find(
    (a) => a.labels.alertname === 'ContainerUnhealthy' && a.labels.node === nodeName,
  )!;
  t.is(alert.labels.severity, 'critical');
  t.is(alert.labels.node, nodeName);
  t.regex(alert.labels.task!, new RegExp(`^${health}\\.1$`));
  t.true(alert.annotations.description!.includes(health) && alert.annotations.description!.includes(nodeName));
  t.log(
    `first failing probe → alert firing in Prometheus: ${((firingAt - failStart) / 1000).toFixed(1)} s; → at the webhook: ${((delivered.at - failStart) / 1000).toFixed(1)} s (rule for 30s, Alertmanager group_wait 10s)`,
  );

  // 2. Tasks that keep exiting 1: below desired replicas, and each failure in Elasticsearch.
  await createService(failing, ['--replicas', '2', '--restart-delay', '1s'], ['sh', '-c', 'sleep 2; exit 1']);
  const seenInEs = new Map<string, number>();
  await waitFor(
    async () => {
      const docs = await scanAll<{ swarmscope: { swarm: { change: { task?: { id: string } } } } }>(
        `${agg.indexPrefix}-swarm-*`,
        {
          bool: {
            filter: [{ term: { 'event.action': 'task_failed' } }, { term: { 'service.name': failing } }],
          },
        },
      );
      for (const d of docs)
        if (!seenInEs.has(d._source.swarmscope.swarm.change.task!.id))
          seenInEs.set(d._source.swarmscope.swarm.change.task!.id, Date.now());
      return firing('ServiceBelowDesiredReplicas', { service: failing });
    },
    { timeoutMs: 400_000, intervalMs: 500, what: 'ServiceBelowDesiredReplicas firing' },
  );
  const engine = new Map(
    (await serviceTasks(failing)).filter((x) => x.state === 'failed').map((x) => [x.id, Date.parse(x.timestamp)]),
  );
  const lags = [...seenInEs]
    .filter(([id]) => engine.has(id))
    .map(([id, at]) => (at - engine.get(id)!) / 1000)
    .sort((a, b) => a - b);
  t.true(lags.length > 0, 'task failures reached Elasticsearch');
  t.log(
    `task failure → its event in Elasticsearch (polled every 0.5 s, ${lags.length} failures): median ${lags[Math.floor(lags.length / 2)]!.toFixed(1)} s, max ${lags.at(-1)!.toFixed(1)} s`,
  );

  // 3. The collector stopped: nothing more arrives from its node.
  await col.close();
  collectorClosed = true;
  const stoppedAt = Date.now();
  await waitFor(() => firing('CollectorSilent', { node: nodeName }), {
    timeoutMs: 300_000,
    intervalMs: 1000,
    what: 'CollectorSilent firing',
  });
  t.log(
    `collector stopped → CollectorSilent firing: ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s (threshold 60 s, test copy's for 0s)`,
  );
});
