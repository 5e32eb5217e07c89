// Source counters from collector self-reports become swarmscope_collector_source_* series, one way
// for every source; keys that do not look like `source:<name>:<key>` are left out.
import test from 'ava';
import { Registry } from 'prom-client';
import { ClusterState } from '../../../../aggregator/sinks/prometheus/cluster-state.ts';
import { Exposition } from '../../../../aggregator/sinks/prometheus/exposition.ts';
import { SOURCE_TABLE } from '../../../../aggregator/sinks/prometheus/source-metrics.ts';

test('each source reports records, errors, its own counters and gauges under a source label', async (t) => {
  const state = new ClusterState({ staleAfterMs: 60_000 });
  state.apply([
    {
      kind: 'agent',
      id: 'a1',
      time: new Date().toISOString(),
      node: { id: 'n1', hostname: 'h1' },
      counters: {
        shipped_records: 5,
        'source:host:records': 3,
        'source:host:errors': 1,
        'source:container-logs:records': 10,
        'source:container-logs:errors': 0,
        'source:container-logs:pauses': 2,
        'source:Bad Name:records': 9,
        'source:a:b:c': 9,
      },
      gauges: { 'source:container-logs:tailers': 4 },
    },
  ]);
  const exposition = new Exposition({ registry: new Registry(), state });
  exposition.addTable(SOURCE_TABLE);
  const text = Buffer.concat([...(await exposition.render({ part: 'nodes' }))]).toString();
  t.regex(text, /swarmscope_collector_source_records_total\{node="h1",node_id="n1",instance="n1",source="host"\} 3/);
  t.regex(
    text,
    /swarmscope_collector_source_records_total\{node="h1",node_id="n1",instance="n1",source="container-logs"\} 10/,
  );
  t.regex(text, /swarmscope_collector_source_errors_total\{node="h1",node_id="n1",instance="n1",source="host"\} 1/);
  t.regex(
    text,
    /swarmscope_collector_source_counter_total\{node="h1",node_id="n1",instance="n1",source="container-logs",counter="pauses"\} 2/,
  );
  t.regex(
    text,
    /swarmscope_collector_source_gauge\{node="h1",node_id="n1",instance="n1",source="container-logs",gauge="tailers"\} 4/,
  );
  t.notRegex(text, /Bad Name|source="a"/);
  t.notRegex(text, /counter="records"/);
});
