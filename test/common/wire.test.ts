// The batch encoding: every line decodes to exactly the record given, whatever its kind, with the
// container and node references shared between records serialised once.
import test from 'ava';
import { gunzipSync } from 'node:zlib';
import { BATCH_COMPRESSIONS, compressBatch, decompressBatch, encodeBatch } from '../../common/wire.ts';
import { decodeLinesV2, linesV2ToV1 } from '../../common/wire-v2.ts';
import { encodeLinesV2 } from '../../common/wire-v2-encoder.ts';
import type { LogRecord, WireRecord } from '../../common/schema/index.ts';

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

const node2 = { id: 'n2', hostname: 'h2' };
const other = { ...container, id: 'd'.repeat(64), labels: {} };
const fileLog = (i: number, over: Partial<LogRecord> = {}): LogRecord => ({
  kind: 'log',
  id: `file-log-${i}0000`,
  time: `2026-01-01T00:00:0${i % 10}.5Z`,
  node,
  container: i % 3 === 2 ? other : container,
  stream: i % 2 ? 'stderr' : 'stdout',
  message: `line ${i} "q" \\ \u2028 é 🎉`,
  origin: { source: 'json-file', file: i < 6 ? 'f1' : 'f2', offset: i * 100 },
  ...over,
});

/** A mixed batch: json-file logs of two containers, streams and files, extras, an API log, a metric, another node. */
const mixed = (): WireRecord[] => [
  ...[0, 1, 2, 3].map((i) => fileLog(i)),
  { kind: 'agent', id: 'agent-id-1', time: '2026-01-01T00:00:00Z', node, counters: {}, gauges: {} },
  fileLog(4, { truncated: true, originalLength: 99, multiline: { lines: 3 }, flags: ['partial_lost'] }),
  fileLog(5, { json: { a: [1, { b: null }], 'k"': 'v' } }),
  { ...fileLog(6), origin: { source: 'api' } },
  fileLog(7),
  fileLog(8, { node: node2 }),
  fileLog(9),
];

test('version 2: a batch decodes to exactly the records given, in order, each container group defined once', (t) => {
  const records = mixed();
  const text = encodeLinesV2(records).toString('utf8');
  const decoded = decodeLinesV2(Buffer.from(text));
  if ('reason' in decoded) return t.fail(decoded.reason);
  t.deepEqual(decoded.records, records);
  const lines = text.split('\n');
  // Groups: (container, stdout, f1), (container, stderr, f1), (other, stdout, f1), (other, stderr, f1),
  // (container, stderr, f2), and (other, stdout, f2) of node2.
  t.is(lines.filter((l) => l.startsWith('{"group"')).length, 6);
  t.is(lines.filter((l) => l.startsWith('[')).length, 9);
  // Container metadata appears in group lines and the one version 1 log record (read through the API) only.
  t.is(text.split('"labels"').length - 1, 7);
});

test('version 2: its version 1 lines are the records, and transcoding a queued batch gives version 1', (t) => {
  const records = mixed();
  const decoded = decodeLinesV2(encodeLinesV2(records));
  if ('reason' in decoded) return t.fail(decoded.reason);
  const v1 = decoded.v1().toString('utf8').split('\n');
  t.is(v1.pop(), '');
  t.deepEqual(
    v1.map((l) => JSON.parse(l) as unknown),
    records,
  );
  t.true(v1.every((l) => l.startsWith('{"kind":')));
  const again = linesV2ToV1(encodeLinesV2(records)).toString('utf8').split('\n');
  again.pop();
  t.deepEqual(
    again.map((l) => JSON.parse(l) as unknown),
    records,
  );
});

test('each compression gives back the lines, zstd smaller than gzip on log lines', async (t) => {
  const lines = encodeLinesV2(mixed());
  const sizes: Record<string, number> = {};
  for (const c of BATCH_COMPRESSIONS) {
    const body = await compressBatch(lines, c);
    t.true(decompressBatch(body, c).equals(lines), c);
    sizes[c] = body.length;
  }
  t.true(sizes.zstd! < sizes.gzip!, JSON.stringify(sizes));
  t.throws(() => decompressBatch(Buffer.from('not a frame'), 'zstd'));
});

test('version 2: malformed lines are refused naming the line and the field', (t) => {
  const group = JSON.stringify({
    group: 0,
    node,
    container,
    stream: 'stdout',
    origin: { source: 'json-file', file: 'f' },
  });
  const reason = (text: string) => {
    const d = decodeLinesV2(Buffer.from(text));
    return 'reason' in d ? d.reason : 'accepted';
  };
  const ok = `[0,"abcdefgh","2026-01-01T00:00:00Z",0,"m"]`;
  t.is(reason(`${group}\n${ok}\n`), 'accepted');
  // Whitespace and escapes wherever JSON allows them: the version 1 line still holds the same record.
  const spaced = decodeLinesV2(
    Buffer.from(`${group}\n[ 0 , "abc\\u0064efgh" ,"2026-01-01T00:00:00Z", 7,\t"m\\"\\u00e9," ]  \n`),
  );
  if ('reason' in spaced) return t.fail(spaced.reason);
  t.deepEqual(JSON.parse(spaced.v1().toString('utf8')) as unknown, spaced.records[0]);
  t.is((spaced.records[0] as LogRecord).message, 'm"é,');
  const empty = decodeLinesV2(Buffer.from(`${group}\n[0,"abcdefgh","2026-01-01T00:00:00Z",0,"m",{}]\n`));
  if ('reason' in empty) return t.fail(empty.reason);
  t.deepEqual(JSON.parse(empty.v1().toString('utf8')) as unknown, empty.records[0]);
  t.regex(reason(`${ok}\n`), /^line 1: log line: \/0 group 0 is not defined/);
  t.regex(reason(`${group}\n[0,"bad id!","2026-01-01T00:00:00Z",0,"m"]\n`), /^line 2: log line: \/1 id/);
  t.regex(reason(`${group}\n[0,"abcdefgh","yesterday",0,"m"]\n`), /^line 2: log line: \/2 time/);
  t.regex(reason(`${group}\n[0,"abcdefgh","2026-01-01T00:00:00Z",-1,"m"]\n`), /^line 2: log line: \/3 offset/);
  t.regex(reason(`${group}\n[0,"abcdefgh","2026-01-01T00:00:00Z",0,7]\n`), /^line 2: log line: \/4 message/);
  t.regex(reason(`${group}\n[0,"abcdefgh","2026-01-01T00:00:00Z",0,"m",{"kind":"x"}]\n`), /^line 2: log line: \/5/);
  t.regex(reason(`${group}\n[0,"abcdefgh","2026-01-01T00:00:00Z",0]\n`), /^line 2: log line: has 4 elements/);
  t.regex(reason(group.replace('"group":0', '"group":1')), /^line 1: group: \/group is 1, expected 0/);
  t.regex(reason(group.replace('"stdout"', '"stdin"')), /^line 1: group: \/stream/);
  t.regex(reason(`${group.slice(0, -1)},"extra":1}`), /^line 1: group: /);
  t.regex(reason('{"kind":"log"}\n'), /^line 1: log record: /);
  t.regex(reason('[0,\n'), /^line 1: not JSON/);
  t.is(reason('\n\n'), 'empty batch: no records');
});
