// Adding a source is one file and one registry line: a fixture source (test/fixtures/sources/
// tick-source.ts) added to the registry's list reaches Elasticsearch as documents and /metrics as
// its own series, and hears the acknowledgement of every record it pushed.
import test from 'ava';
import { SOURCES } from '../../../collector/sources/registry.ts';
import { startTestAggregator } from '../../helpers/aggregator.ts';
import { startTestCollector } from '../../helpers/collector.ts';
import { scanAll } from '../../helpers/elasticsearch.ts';
import { waitFor } from '../../helpers/wait.ts';
import { tickSource } from '../../fixtures/sources/tick-source.ts';

type EventDoc = { event: { action: string }; docker: { event: { type: string; actor: { id: string } } } };

test("a fixture source added with one registry line has its records in Elasticsearch and its counters on /metrics, and hears each record's acknowledgement", async (t) => {
  const agg = await startTestAggregator();
  const col = await startTestCollector(
    agg,
    { SWARMSCOPE_LOGS: 'false', SWARMSCOPE_EVENTS: 'false' },
    { sources: [...SOURCES, tickSource] },
  );
  t.teardown(async () => {
    await col.close();
    await agg.close();
  });
  const source = col.agent.source('fixture-ticks');
  t.truthy(source, 'the agent created the fixture source from the list');
  await waitFor(() => source!.counters().records >= 10, { timeoutMs: 60_000, what: '10 ticks' });

  const docs = await waitFor(
    async () => {
      const hits = await scanAll<EventDoc>(`${agg.indexPrefix}-events-*`, {
        term: { 'docker.event.type': 'fixture' },
      });
      return hits.length >= 10 ? hits : undefined;
    },
    { timeoutMs: 90_000, what: "the fixture source's documents in Elasticsearch" },
  );
  t.true(docs.every((d) => d._source.event.action === 'tick'));
  t.is(new Set(docs.map((d) => d._source.docker.event.actor.id)).size, docs.length, 'each tick once');

  const metrics = await waitFor(
    async () => {
      const text = await (await fetch(`${agg.url}/metrics`)).text();
      const m = /swarmscope_collector_source_records_total\{[^}]*source="fixture-ticks"[^}]*\} (\d+)/.exec(text);
      return m && Number(m[1]) >= 10 && /swarmscope_docker_events_total\{[^}]*type="fixture"/.test(text)
        ? text
        : undefined;
    },
    { timeoutMs: 90_000, what: "the fixture source's series on /metrics" },
  );
  t.regex(metrics, /swarmscope_collector_source_counter_total\{[^}]*source="fixture-ticks"[^}]*counter="acknowledged"/);
  t.regex(metrics, /swarmscope_collector_source_errors_total\{[^}]*source="fixture-ticks"[^}]*\} 0/);

  // It keeps ticking: every record pushed so far is acknowledged soon after, and never more than it pushed.
  const pushed = source!.counters().records;
  await waitFor(() => source!.counters().acknowledged! >= pushed, {
    timeoutMs: 60_000,
    what: `the acknowledgement of the first ${pushed} ticks`,
  });
  const c = source!.counters();
  t.true(c.acknowledged! <= c.records);
});
