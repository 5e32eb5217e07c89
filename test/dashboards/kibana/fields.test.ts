import test from 'ava';
import { dataViewUses, luceneFields } from '../../../dashboards/kibana/fields.ts';
import { savedObjects, toNdjson } from '../../../dashboards/kibana/saved-objects.ts';

test('reads field names out of Lucene queries', (t) => {
  t.deepEqual(luceneFields('_exists_:a.b AND (message:(x OR y) OR stream:stderr) AND NOT c.d:0').sort(), [
    'a.b',
    'c.d',
    'message',
    'stream',
  ]);
});

test('finds every data view a saved object goes through, with the fields it names', (t) => {
  const uses = dataViewUses(savedObjects('pfx'));
  t.deepEqual(
    [...uses.values()].map((u) => u.pattern),
    ['pfx-logs-*', 'pfx-events-*', 'pfx-metrics-*', 'pfx-swarm-*', 'pfx-agent-*'],
  );
  t.true(uses.get('pfx-events')!.fields.has('docker.event.exit_code'));
  t.true(uses.get('pfx-metrics')!.fields.has('docker.memory.workingset.total'));
});

test('writes one saved object per line, every reference resolving inside the file', (t) => {
  const objects = savedObjects('swarmscope');
  const lines = toNdjson(objects).trimEnd().split('\n');
  t.is(lines.length, objects.length);
  const ids = new Set(objects.map((o) => `${o.type}:${o.id}`));
  for (const o of objects)
    for (const r of o.references) t.true(ids.has(`${r.type}:${r.id}`), `${o.id} → ${r.type}:${r.id}`);
});
