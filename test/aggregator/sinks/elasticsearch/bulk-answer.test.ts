// The all-created `_bulk` answer is recognised by its text, not parsed (bulk-answer.ts): the real
// Elasticsearch's answer to such a request is recognised with its count, an answer holding anything
// else (a 409, another status, other bytes) is not, and through the writer created and duplicate
// documents are still told apart.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { BULK_FILTER, createdCount } from '../../../../aggregator/sinks/elasticsearch/bulk-answer.ts';
import type { ElasticsearchSink } from '../../../../aggregator/sinks/elasticsearch/sink.ts';
import { recordId } from '../../../../common/record-id.ts';
import type { WireRecord } from '../../../../common/schema/index.ts';
import { startTestAggregator } from '../../../helpers/aggregator.ts';
import { deleteIndices } from '../../../helpers/elasticsearch.ts';
import { testEnv } from '../../../helpers/env.ts';

const answer = (statuses: number[]) => `{"items":[${statuses.map((s) => `{"create":{"status":${s}}}`).join(',')}]}`;

/** A `_bulk` request of `ids` as the writer sends it (create by id, its filter), answered as text. */
async function bulkText(index: string, ids: string[]): Promise<string> {
  const body = ids.map((id) => `{"create":{"_index":"${index}","_id":"${id}"}}\n{"message":"${id}"}\n`).join('');
  const auth = Buffer.from(`${testEnv.esAdminUsername}:${testEnv.esAdminPassword}`).toString('base64');
  const res = await fetch(`${testEnv.esUrl}/_bulk?filter_path=${encodeURIComponent(BULK_FILTER)}`, {
    method: 'POST',
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/x-ndjson' },
    body,
  });
  return res.text();
}

test("the real Elasticsearch's answer to an all-created request is recognised; one with a 409 is not", async (t) => {
  const index = `bulk-answer-${randomBytes(4).toString('hex')}`;
  t.teardown(() => deleteIndices(index));
  const ids = Array.from({ length: 300 }, (_, i) => `doc-${i}`);
  const created = await bulkText(index, ids);
  t.is(createdCount(created), 300, created.slice(0, 80));
  const again = await bulkText(index, [...ids.slice(0, 2), 'doc-new']);
  t.is(createdCount(again), 0);
  t.deepEqual(
    (JSON.parse(again) as { items: Array<{ create: { status: number } }> }).items.map((i) => i.create.status),
    [409, 409, 201],
  );
});

test('only the exact all-created text is recognised', (t) => {
  t.is(createdCount(answer([201])), 1);
  t.is(createdCount(answer(new Array(10_000).fill(201))), 10_000);
  t.is(createdCount(answer(new Array(10_001).fill(201))), 0, 'past the bound: parsed');
  const statuses = new Array(500).fill(201);
  for (const at of [0, 250, 499]) {
    for (const other of [200, 409, 429, 500]) {
      const s = [...statuses];
      s[at] = other;
      t.is(createdCount(answer(s)), 0, `status ${other} at ${at}`);
    }
  }
  const text = answer(statuses);
  for (const edited of [
    `${text} `,
    ` ${text}`,
    text.replace('"create"', '"index"'),
    text.replace('{"create":{"status":201}},', '{"create":{"status":201} },'),
    text.slice(0, -2) + ',{}]}',
    text.slice(0, -1),
    '{"items":[]}',
    '{}',
  ])
    t.is(createdCount(edited), 0, edited.slice(0, 40));
});

test('through the writer, created and duplicate documents are counted apart', async (t) => {
  const agg = await startTestAggregator();
  t.teardown(async () => {
    await agg.close();
    await deleteIndices(`${agg.indexPrefix}-*`);
  });
  const sink = agg.sink as ElasticsearchSink;
  const line = (i: number): WireRecord => ({
    kind: 'log',
    id: recordId('bulk-answer', i),
    time: new Date().toISOString(),
    node: { id: '', hostname: 'n1' },
    container: { id: 'c'.repeat(64), name: 'answer', image: 'i', labels: {} },
    stream: 'stdout',
    message: `line ${i}`,
    origin: { source: 'json-file', file: '/f', offset: i * 10 },
  });
  const first = Array.from({ length: 50 }, (_, i) => line(i));
  const before = { ...sink.writer.counters };
  t.deepEqual(await sink.write(first, 'first'), { held: 50, setAside: 0 });
  t.is(sink.writer.counters.created - before.created, 50);
  // The same 50 and 10 new: 50 duplicates, 10 created.
  const second = [...first, ...Array.from({ length: 10 }, (_, i) => line(50 + i))];
  t.deepEqual(await sink.write(second, 'second'), { held: 60, setAside: 0 });
  t.is(sink.writer.counters.created - before.created, 60);
  t.is(sink.writer.counters.duplicate - before.duplicate, 50);
});
