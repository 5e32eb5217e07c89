// The batch encoding: every line decodes to exactly the record given, whatever its kind, with the
// container and node references shared between records serialised once.
import test from 'ava';
import { gunzipSync } from 'node:zlib';
import { encodeBatch } from '../../common/wire.ts';
import type { WireRecord } from '../../common/schema/index.ts';

const node = { id: 'n1', hostname: 'h1' };
const container = { id: 'c'.repeat(64), name: 'web.1', image: 'img:1', labels: { a: 'b', 'x"y': 'z\n' } };

test('encodeBatch: each line is the record, shared references and all', (t) => {
  const records = [
    ...[0, 1, 2].map((i): WireRecord => ({
      kind: 'log',
      id: `log-id-${i}000`,
      time: '2026-01-01T00:00:00.123456789Z',
      node,
      container,
      stream: 'stdout',
      message: `line ${i} "quoted" \u2028`,
      origin: { source: 'json-file', file: '/x', offset: i * 10 },
      ...(i === 1 ? { truncated: true, originalLength: 99 } : {}),
    })),
    { kind: 'agent', id: 'agent-id-1', time: '2026-01-01T00:00:00Z', node, counters: {}, gauges: {} } as WireRecord,
  ];
  const lines = gunzipSync(encodeBatch(records)).toString('utf8').split('\n');
  t.is(lines.pop(), '');
  t.deepEqual(
    lines.map((l) => JSON.parse(l) as unknown),
    records,
  );
});
