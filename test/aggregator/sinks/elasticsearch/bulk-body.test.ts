import test from 'ava';
import type { LogRecord } from '../../../../common/schema/index.ts';
import {
  actionLine,
  bulkBody,
  docText,
  type BulkItem,
} from '../../../../aggregator/sinks/elasticsearch/bulk-writer.ts';
import { bulkItems } from '../../../../aggregator/sinks/elasticsearch/sink.ts';

const node = { id: 'n0d3id', hostname: 'worker-1' };
const container = { id: 'c'.repeat(64), name: 'web.1.t4sk', image: 'web:1', labels: {} };
const batch = (name: string, n: number): BulkItem[] =>
  bulkItems(
    'p',
    Array.from({ length: n }, (_, i): LogRecord => ({
      kind: 'log',
      id: `${name}-line-${i}`.padEnd(12, 'x'),
      time: `2026-12-0${1 + (i % 2)}T10:00:00Z`,
      node,
      container,
      stream: 'stdout',
      message: `${name} ${i} ✓ "quoted"`,
      origin: { source: 'json-file', file: `/f/${name}`, offset: i * 40 },
    })),
  );

/** What a body must hold: each item's action line and document, in order. */
const expected = (items: readonly BulkItem[]) =>
  items.map((it) => `${actionLine(it.index, it.id)}${docText(it)}\n`).join('');

test('a bulk body holds each item’s action line and document in order, whatever runs they come in', (t) => {
  const a = batch('a', 5);
  const b = batch('b', 3);
  const cases: Record<string, BulkItem[]> = {
    'one batch whole': a,
    'two batches (a shared request)': [...a, ...b],
    'a retry of some items': [a[1]!, a[3]!, a[4]!, b[0]!],
    'items out of order': [b[2]!, a[0]!, b[1]!],
  };
  for (const [name, items] of Object.entries(cases)) t.is(bulkBody(items).toString(), expected(items), name);
  // Each day's items go to that day's index (the records alternate days).
  t.deepEqual([...new Set(a.map((it) => it.index))], ['p-logs-2026.12.01', 'p-logs-2026.12.02']);
});

test("one batch's items in order are sent as the bytes they were written in, not a copy", (t) => {
  const a = batch('a', 4);
  // The same memory: one backing store, at the first item's action line (small buffers share a pool).
  const inPlace = (body: Buffer) =>
    body.buffer === a[0]!.text.buffer && body.byteOffset === a[0]!.text.byteOffset + a[0]!.action;
  t.true(inPlace(bulkBody(a)));
  t.false(inPlace(bulkBody([a[0]!, a[2]!])));
});
