import test from 'ava';
import { loadAggregatorConfig } from '../../../../aggregator/config.ts';
import { parseIndexCounts, shardSettings } from '../../../../aggregator/sinks/elasticsearch/index-settings.ts';
import { deadLetterTemplate, templateFor } from '../../../../aggregator/sinks/elasticsearch/templates.ts';

const base = { SWARMSCOPE_TOKEN: 't0ken' };

test('by default every family gets one shard and one replica once a second node exists (auto-expand 0-1)', (t) => {
  const settings: Record<string, unknown> = templateFor('p', 'logs').template.settings;
  t.is(settings.number_of_shards, 1);
  t.is(settings.auto_expand_replicas, '0-1');
  t.false('number_of_replicas' in settings);
  t.is((deadLetterTemplate('p').template.settings as Record<string, unknown>).auto_expand_replicas, '0-1');
});

test('a default and per-family overrides are applied in the templates', (t) => {
  const problems: string[] = [];
  const counts = parseIndexCounts('2,logs=3', '1,metrics=0,agent=0-all', problems);
  t.deepEqual(problems, []);
  t.deepEqual(counts.shards, { metrics: 2, logs: 3, events: 2, swarm: 2, agent: 2 });
  t.deepEqual(counts.replicas, { metrics: '0', logs: '1', events: '1', swarm: '1', agent: '0-all' });
  t.like(templateFor('p', 'logs', counts).template.settings, {
    number_of_shards: 3,
    number_of_replicas: 1,
    auto_expand_replicas: false,
  });
  t.like(templateFor('p', 'metrics', counts).template.settings, { number_of_shards: 2, number_of_replicas: 0 });
  t.like(templateFor('p', 'agent', counts).template.settings, { auto_expand_replicas: '0-all' });
  t.deepEqual(shardSettings(1, '0-1'), { number_of_shards: 1, auto_expand_replicas: '0-1' });
});

test('bad shard and replica settings are reported at start with the family names', (t) => {
  const err = t.throws(() =>
    loadAggregatorConfig({
      ...base,
      SWARMSCOPE_ES_URL: 'http://127.0.0.1:9200',
      SWARMSCOPE_ES_SHARDS: '0,logz=2',
      SWARMSCOPE_ES_REPLICAS: 'one',
    }),
  ) as Error & { code: string };
  t.is(err.code, 'AGG_ERR_CONFIG');
  t.regex(err.message, /SWARMSCOPE_ES_SHARDS=0,logz=2: "0" is not a valid value/);
  t.regex(err.message, /"logz" is not an index family \(metrics, logs, events, swarm, agent\)/);
  t.regex(err.message, /SWARMSCOPE_ES_REPLICAS=one/);
});

test('SWARMSCOPE_ES_URL takes several comma-separated URLs; sniffing is off unless asked for', (t) => {
  const c = loadAggregatorConfig({ ...base, SWARMSCOPE_ES_URL: 'http://127.0.0.1:9200/, http://127.0.0.2:9201' });
  t.deepEqual(c.elasticsearch?.urls, ['http://127.0.0.1:9200', 'http://127.0.0.2:9201']);
  t.false(c.elasticsearch?.sniff);
  t.true(
    loadAggregatorConfig({ ...base, SWARMSCOPE_ES_URL: 'http://a:1', SWARMSCOPE_ES_SNIFF: 'true' }).elasticsearch
      ?.sniff,
  );
  t.throws(() => loadAggregatorConfig({ ...base, SWARMSCOPE_ES_URL: 'http://a:1,not a url' }), {
    message: /not a URL/,
  });
});
