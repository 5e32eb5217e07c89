// The generated dashboards against live data: a real aggregator and collector watching the test
// swarm with a demo stack, the test Prometheus scraping the aggregator under a job of its own
// (so $job isolates this test's series), and the aggregator's indices in the test Elasticsearch.
// Every Grafana query (variables substituted by live values) must return series, every Kibana
// field must be in the live mapping, and one dashboard is rendered to test-results/.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import test from 'ava';
import type { Dashboard, Panel } from '@grafana/schema';
import { grafanaDashboards } from '../../dashboards/grafana/artefacts.ts';
import { interpolate, panelQueries, variableQueries } from '../../dashboards/grafana/queries.ts';
import { dataViewUses } from '../../dashboards/kibana/fields.ts';
import { savedObjects } from '../../dashboards/kibana/saved-objects.ts';
import { BEATS_FIELDS } from './kibana/beats-fields.ts';
import { startTestAggregator, type TestAggregator } from '../helpers/aggregator.ts';
import { startTestCollector } from '../helpers/collector.ts';
import { renderDashboardHtml, screenshot, legendName, type PanelData } from '../helpers/dashboard-render.ts';
import { deployDemoStack, type DemoStack } from '../helpers/demo-workload.ts';
import { deleteIndices, esAdmin } from '../helpers/elasticsearch.ts';
import { loadRules, promLabelValues, promQuery, promQueryRange, scrapeTarget } from '../helpers/prometheus.ts';
import { RULES_PATH } from '../../dashboards/prometheus/build.ts';
import { waitFor } from '../helpers/wait.ts';

const SERVICE_LABEL = 'container_label_com_docker_swarm_service_name';
const ctx: { agg?: TestAggregator; demo?: DemoStack; job: string; cleanups: Array<() => Promise<unknown>> } = {
  job: `swarmscope-dash-${randomBytes(3).toString('hex')}`,
  cleanups: [],
};

test.before(async () => {
  const agg = await startTestAggregator();
  ctx.agg = agg;
  ctx.cleanups.push(
    () => agg.close(),
    () => deleteIndices(`${agg.indexPrefix}-*`),
  );
  const collector = await startTestCollector(agg, { SWARMSCOPE_NETWORK_LOOPBACK: 'true' });
  ctx.cleanups.push(() => collector.close());
  // The job label on the target overrides the scrape config's: this test's own $job.
  ctx.cleanups.push(await scrapeTarget(ctx.job, agg.address, { job: ctx.job }));
  // The alert rule pack, so "Alerts firing" has the demo's OOM kills and restart loop to show.
  ctx.cleanups.push(await loadRules(ctx.job, RULES_PATH));
  const demo = await deployDemoStack();
  ctx.demo = demo;
  ctx.cleanups.push(() => demo.remove());
});

/** The Grafana checks need the demo's series scraped; the Kibana checks need only Elasticsearch. */
async function demoSeriesScraped(): Promise<void> {
  await waitFor(
    async () =>
      (await promQuery(`container_memory_working_set_bytes{job="${ctx.job}",${SERVICE_LABEL}="${ctx.demo!.web}"}`))
        .length > 0,
    { timeoutMs: 120_000, intervalMs: 2000, what: "the demo stack's container series in Prometheus" },
  );
}

test.after.always(async () => {
  for (const c of ctx.cleanups.reverse()) await c().catch(() => undefined);
});

/** The value each variable takes: this test's job, the demo stack and service, a live web task. */
async function preferred(): Promise<Record<string, string>> {
  const demo = ctx.demo!;
  const web = await promQuery(`container_memory_working_set_bytes{job="${ctx.job}",${SERVICE_LABEL}="${demo.web}"}`);
  const task = web[0]?.metric;
  return {
    job: ctx.job,
    stack: demo.stack,
    service: demo.web,
    ...(task ? { node: task.node!, container: task.name! } : {}),
  };
}

type Resolution = { values: Record<string, string>; problems: string[] };

/** Runs each variable's query as Grafana would (label values over the selector) and picks the demo's value. */
async function resolveVariables(d: Dashboard, prefer: Record<string, string>): Promise<Resolution> {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (const v of variableQueries(d)) {
    if (v.kind !== 'label_values') {
      problems.push(`${d.uid} $${v.name}: only label_values() variables are resolved by this test`);
      continue;
    }
    const selector = interpolate(v.selector, values);
    const series = await promQuery(selector);
    const options = await promLabelValues(v.label, selector);
    if (series.length === 0) problems.push(`${d.uid} $${v.name}: ${selector} returns no series`);
    const want = prefer[v.name];
    if (want === undefined || !options.includes(want)) {
      problems.push(
        `${d.uid} $${v.name}: ${want ?? '(no live value)'} is not among ${JSON.stringify(options.slice(0, 10))}`,
      );
      if (options[0] === undefined) return { values, problems };
      values[v.name] = options[0];
    } else values[v.name] = want;
  }
  return { values, problems };
}

async function emptyQueries(): Promise<string[]> {
  const prefer = await preferred();
  const problems: string[] = [];
  for (const { dashboard } of grafanaDashboards()) {
    const r = await resolveVariables(dashboard, prefer);
    problems.push(...r.problems);
    for (const q of panelQueries(dashboard)) {
      let expr: string;
      try {
        expr = interpolate(q.expr, r.values);
      } catch (err) {
        problems.push(`${dashboard.uid} "${q.panel}" ${q.refId}: ${(err as Error).message}`);
        continue;
      }
      const result = await promQuery(expr).catch((err: Error) => err);
      if (result instanceof Error) problems.push(`${dashboard.uid} "${q.panel}" ${q.refId}: ${result.message}`);
      else if (result.length === 0) problems.push(`${dashboard.uid} "${q.panel}" ${q.refId}: no series for ${expr}`);
    }
  }
  return problems;
}

test.serial('every Grafana panel and variable query returns series from the live Prometheus', async (t) => {
  t.timeout(300_000);
  const queries = grafanaDashboards().reduce(
    (n, d) => n + panelQueries(d.dashboard).length + variableQueries(d.dashboard).length,
    0,
  );
  t.true(queries > 50, `expected the dashboards to hold many queries, found ${queries}`);
  await demoSeriesScraped();
  let problems: string[] = [];
  // Some series need time: rates need two scrapes, failures and exit codes the demo task's first exit.
  const deadline = Date.now() + 240_000;
  do {
    problems = await emptyQueries();
    if (problems.length === 0) break;
    await new Promise((r) => setTimeout(r, 5000));
  } while (Date.now() < deadline);
  t.deepEqual(problems, [], `${problems.length} queries returned nothing`);
});

test.serial(
  'every data view matches live indices with documents, and every field Kibana objects use is mapped',
  async (t) => {
    t.timeout(180_000);
    const es = esAdmin();
    const uses = [...dataViewUses(savedObjects(ctx.agg!.indexPrefix)).values()];
    t.is(uses.length, 5);
    const problems: string[] = [];
    // Events and logs of the demo's failures need its first task exit: wait for documents first.
    await waitFor(
      async () => {
        await es.indices.refresh({
          index: `${ctx.agg!.indexPrefix}-*`,
          ignore_unavailable: true,
          allow_no_indices: true,
        });
        for (const u of uses) {
          for (const q of u.queries) {
            const hits = await es.count({
              index: u.pattern,
              query: { query_string: { query: q } },
              ignore_unavailable: true,
              allow_no_indices: true,
            });
            if (hits.count === 0) return false;
          }
        }
        return true;
      },
      { timeoutMs: 150_000, intervalMs: 3000, what: 'documents matching every saved query' },
    ).catch(() => undefined);
    for (const u of uses) {
      const count = await es.count({ index: u.pattern, allow_no_indices: true });
      if (count.count === 0) problems.push(`${u.pattern}: no documents`);
      const caps = await es.fieldCaps({ index: u.pattern, fields: [...u.fields] });
      for (const f of u.fields) if (!caps.fields[f]) problems.push(`${u.pattern}: ${f} is not in the live mapping`);
      for (const q of u.queries) {
        const hits = await es.count({ index: u.pattern, query: { query_string: { query: q } } });
        if (hits.count === 0) problems.push(`${u.pattern}: no document matches ${q}`);
      }
    }
    t.deepEqual(problems, []);
  },
);

test.serial(
  'the Metricbeat and Filebeat fields the migration note says keep working have live documents',
  async (t) => {
    t.timeout(180_000);
    const es = esAdmin();
    const check = async () => {
      await es.indices.refresh({
        index: `${ctx.agg!.indexPrefix}-*`,
        ignore_unavailable: true,
        allow_no_indices: true,
      });
      const missing: string[] = [];
      let present = 0;
      for (const f of BEATS_FIELDS) {
        const index = `${ctx.agg!.indexPrefix}-${f.family}-*`;
        // An index just created answers 503 until its shards start: counted as none yet, asked again.
        const { count } = await es
          .count({ index, query: { exists: { field: f.field } }, allow_no_indices: true })
          .catch(() => ({ count: 0 }));
        if (count > 0) present++;
        if (f.kept && count === 0) missing.push(`${f.family}: ${f.field}`);
      }
      return { missing, present };
    };
    // Run on its own, the test comes before the documents: wait for them (health, events) first.
    let r = await check();
    const deadline = Date.now() + 90_000;
    while (r.missing.length > 0 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 3000));
      r = await check();
    }
    const { missing, present } = r;
    const claimed = BEATS_FIELDS.filter((f) => f.kept).length;
    t.log(`${present} of ${BEATS_FIELDS.length} Metricbeat/Filebeat fields have documents (${claimed} claimed)`);
    t.deepEqual(missing, []);
  },
);

test.serial('renders the service dashboard from live query results to a screenshot', async (t) => {
  t.timeout(120_000);
  await demoSeriesScraped();
  const { dashboard } = grafanaDashboards().find((d) => d.dashboard.uid === 'swarmscope-service')!;
  const { values } = await resolveVariables(dashboard, await preferred());
  const endS = Math.floor(Date.now() / 1000);
  const data = new Map<number, PanelData>();
  for (const p of (dashboard.panels ?? []).filter((x): x is Panel => x.type !== 'row')) {
    const targets = (p.targets ?? []) as Array<{ expr: string; legendFormat: string }>;
    if (p.type === 'table') {
      const columns = (
        p.transformations?.find((x) => x.id === 'organize')?.options as { renameByName: Record<string, string> }
      ).renameByName;
      const rows: string[][] = [];
      for (const [i, tg] of targets.entries()) {
        for (const s of await promQuery(interpolate(tg.expr, values))) {
          const ref = `Value #${String.fromCharCode(65 + i)}`;
          rows.push(
            Object.keys(columns).map((k) =>
              k === ref ? s.value[1] : k.startsWith('Value #') ? '' : (s.metric[k] ?? ''),
            ),
          );
        }
      }
      data.set(p.id!, { kind: 'table', columns: Object.values(columns), rows });
      continue;
    }
    const series = [];
    for (const tg of targets) {
      for (const s of await promQueryRange(interpolate(tg.expr, values), { startS: endS - 240, endS, stepS: 2 })) {
        series.push({
          name: legendName(tg.legendFormat, s.metric),
          points: s.values.map(([x, v]) => [x, Number(v)] as [number, number]),
        });
      }
    }
    data.set(
      p.id!,
      p.type === 'stat' ? { kind: 'stat', value: series[0]?.points.at(-1)?.[1] } : { kind: 'timeseries', series },
    );
  }
  const file = join('test-results', 'dashboards', 'service.png');
  await screenshot(
    renderDashboardHtml(
      dashboard,
      data,
      `stack=${values.stack} service=${values.service} · last 4 minutes · live Prometheus, job ${ctx.job}`,
    ),
    file,
  );
  const empty = [...data.entries()].filter(([, d]) =>
    d.kind === 'timeseries' ? d.series.length === 0 : d.kind === 'table' ? d.rows.length === 0 : d.value === undefined,
  );
  t.deepEqual(
    empty.map(([id]) => id),
    [],
    'every panel of the picture has data',
  );
});
