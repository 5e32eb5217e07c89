// Property tests of batch encoding version 2: any records round-trip exactly (as records and as
// the version 1 lines a journal stores), and any bytes sent as version 2 get records or a reason
// naming the line, never a throw; what is accepted reads back the same as version 1 lines.
import test from 'ava';
import fc from 'fast-check';
import { decodeLinesV2 } from '../../common/wire-v2.ts';
import { encodeLinesV2 } from '../../common/wire-v2-encoder.ts';
import type { LogRecord, WireRecord } from '../../common/schema/index.ts';

const RUNS = { numRuns: 300 };
const nodes = [
  { id: 'n0d3idpropertytest', hostname: 'prop-node' },
  { id: '', hostname: 'h\u00e9 "2"' },
];
const containers = [
  { id: 'a'.repeat(64), name: 'web.1', image: 'img:1', labels: { 'com.docker.swarm.service.name': 'web' } },
  { id: 'b'.repeat(12), name: 'x"\\\n', image: '\u2028', labels: { 'k\u0000': 'v🎉' } },
];
const text = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  // What JSON escapes or UTF-8 encodes apart: lone surrogates, a pair, controls, quote, backslash.
  fc
    .array(fc.oneof(fc.constantFrom('\ud800', '\udc00', '\ud83d\ude00', '\u0001', '"', '\\', '\u2028'), fc.string()), {
      maxLength: 6,
    })
    .map((parts) => parts.join('')),
);

const log = fc.record(
  {
    kind: fc.constant('log' as const),
    id: fc.stringMatching(/^[A-Za-z0-9_-]{8,40}$/),
    time: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('2999-12-31') }).map((d) => d.toISOString()),
    node: fc.constantFrom(...nodes),
    container: fc.constantFrom(...containers),
    stream: fc.constantFrom('stdout' as const, 'stderr' as const),
    message: text,
    origin: fc.oneof(
      fc.record({ source: fc.constant('json-file'), file: fc.constantFrom('f1', 'f"2'), offset: fc.nat() }),
      fc.record({ source: fc.constant('api') }),
    ),
    truncated: fc.boolean(),
    originalLength: fc.nat(),
    multiline: fc.record({ lines: fc.integer({ min: 1, max: 50 }) }),
    flags: fc.constant(['partial_lost' as const]),
    json: fc.dictionary(text, fc.oneof(text, fc.integer(), fc.constant(null))),
  },
  { requiredKeys: ['kind', 'id', 'time', 'node', 'container', 'stream', 'message', 'origin'] },
) as fc.Arbitrary<LogRecord>;
const agent = fc.record({
  kind: fc.constant('agent' as const),
  id: fc.stringMatching(/^[A-Za-z0-9_-]{8,40}$/),
  time: fc.constant('2026-01-01T00:00:00Z'),
  node: fc.constantFrom(...nodes),
  counters: fc.constant({}),
  gauges: fc.constant({}),
}) as fc.Arbitrary<WireRecord>;

/** The line defining group 0: the first node, a container, stdout, file `f`. */
const groupLine = (container: (typeof containers)[number]) =>
  JSON.stringify({ group: 0, node: nodes[0], container, stream: 'stdout', origin: { source: 'json-file', file: 'f' } });

const linesOf = (b: Buffer) =>
  b
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);

test('version 2: any records come back exactly, as records and as version 1 lines', (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(log, log, agent), { minLength: 1, maxLength: 30 }), (records) => {
      const d = decodeLinesV2(encodeLinesV2(records));
      if ('reason' in d) return false;
      t.deepEqual(d.records, records);
      t.deepEqual(linesOf(d.v1()), records);
      return true;
    }),
    RUNS,
  );
});

test('version 2: any bytes get records or a reason naming the line, never a throw; accepted ones read back as version 1', (t) => {
  const group = groupLine(containers[1]!);
  const piece = fc.oneof(
    fc.constant(group),
    fc.constant('[0,"abcdefgh","2026-01-01T00:00:00Z",0,"m"]'),
    fc.constant('[0,"abcdefgh","2026-01-01T00:00:00Z",0,"m",{}]'),
    fc.constant('[0,"abcdefgh","2026-01-01T00:00:00Z",0,"m",{"truncated":true}]'),
    fc.string({ maxLength: 60 }),
    fc.json().map((j) => `[0,"abcdefgh","2026-01-01T00:00:00Z",0,${j}]`),
    fc.json().map((j) => `[0,"abcdefgh","2026-01-01T00:00:00Z",0,"m",${j}]`),
    fc.json(),
  );
  let accepted = 0;
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), fc.constantFrom('\n', '\r\n', ' \n'), (lines, sep) => {
      const d = decodeLinesV2(Buffer.from(lines.join(sep)));
      if ('reason' in d) return /^(line \d+: |empty batch)/.test(d.reason);
      accepted++;
      t.deepEqual(linesOf(d.v1()), d.records);
      return true;
    }),
    { numRuns: 1000 },
  );
  t.true(accepted > 0, 'some batches were accepted');
});

/** Bytes an edit puts in: JSON's punctuation, escapes, controls, digits, a multi-byte lead, letters. */
const edit = fc.tuple(
  fc.noBias(fc.nat()), // anywhere in the batch (a biased nat mostly edits its first bytes)
  fc.constantFrom(
    0x22,
    0x5c,
    0x00,
    0x1f,
    0x2c,
    0x20,
    0x30,
    0x39,
    0x2d,
    0x5b,
    0x5d,
    0x7b,
    0x7d,
    0xc3,
    0xe2,
    0x41,
    0x2e,
    0x3a,
    0x5a,
  ),
  fc.constantFrom('set' as const, 'insert' as const, 'delete' as const),
);
/** Log lines as the collector writes most: no extras, a json-file origin, a short printable message. */
const plainLog = fc.record({
  kind: fc.constant('log' as const),
  id: fc.stringMatching(/^[A-Za-z0-9_-]{8,12}$/),
  time: fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-01T00:00:00.123456789Z', '2026-01-01T00:00:00+01:00'),
  node: fc.constantFrom(...nodes),
  container: fc.constantFrom(...containers),
  stream: fc.constant('stdout' as const),
  message: fc.stringMatching(/^[ -~]{0,12}$/),
  origin: fc.record({ source: fc.constant('json-file'), file: fc.constant('f1'), offset: fc.nat(12_000) }),
}) as fc.Arbitrary<LogRecord>;
const ID = /^[A-Za-z0-9_-]{8,128}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

test('version 2: an edited batch is refused if JSON refuses a line; accepted, each log line is what JSON.parse reads', (t) => {
  let accepted = 0;
  fc.assert(
    fc.property(
      fc.array(fc.oneof(plainLog, plainLog, log), { minLength: 1, maxLength: 10 }),
      fc.array(edit, { maxLength: 3 }),
      (records, edits) => {
        let bytes = Buffer.from(encodeLinesV2(records));
        for (const [at, c, how] of edits) {
          const i = at % (bytes.length + 1);
          if (how === 'set' && i < bytes.length) bytes[i] = c;
          if (how === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), Buffer.of(c), bytes.subarray(i)]);
          if (how === 'delete') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
        }
        const d = decodeLinesV2(bytes);
        let lines: unknown[];
        try {
          lines = bytes
            .toString('utf8')
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as unknown);
        } catch {
          return 'reason' in d;
        }
        if ('reason' in d) return true; // refused for more than JSON's syntax: the other tests hold those reasons
        accepted++;
        // Records come in line order, one per line but the group definitions.
        const values = lines.filter((l) => Array.isArray(l) || (typeof l === 'object' && l !== null && 'kind' in l));
        if (values.length !== d.records.length) return false;
        return values.every((v, k) => {
          if (!Array.isArray(v)) return true;
          const r = d.records[k] as LogRecord & { origin: { offset: number } };
          const [, id, time, offset, message] = v as [number, string, string, number, string];
          return (
            typeof id === 'string' &&
            ID.test(id) &&
            typeof time === 'string' &&
            TIME.test(time) &&
            Number.isInteger(offset) &&
            offset >= 0 &&
            r.id === id &&
            r.time === time &&
            r.origin.offset === offset &&
            r.message === message
          );
        });
      },
    ),
    { numRuns: 3000 },
  );
  t.true(accepted > 0, 'some edited batches were accepted');
});

test('version 2: log lines at the edges of reading by bytes read as JSON.parse reads them, or are refused', (t) => {
  const group = groupLine(containers[0]!);
  const id = 'abcdefgh';
  const time = '2026-01-01T00:00:00Z';
  const accepted = [
    `[0,"${id}","${time}",0,""]`,
    `[0,"${id}","${time}",123456789012345,"m"]`,
    `[0,"${id}","${time}",1234567890123456,"m"]`, // 16 digits: read by JSON.parse
    `[ 0 , "${id}" , "${time}" , 7 , "m" ]`,
    `[0,"${id}","${time}",1e3,"m"]`,
    `[0,"${id}","${time}",7,"\\u0041\\"q\\\\"]`,
    `[0,"${'x'.repeat(128)}","${time}",7,"m"]`,
    `[0,"${id}","2026-01-01T00:00:00.123456789+01:00",7,"é 🎉"]`,
  ];
  for (const line of accepted) {
    const d = decodeLinesV2(Buffer.from(`${group}\n${line}\n`));
    if ('reason' in d) t.fail(`${line}: ${d.reason}`);
    else {
      const [, i, tm, offset, message] = JSON.parse(line) as [number, string, string, number, string];
      t.like(d.records[0], { id: i, time: tm, message, origin: { offset } }, line);
    }
  }
  const refused = [
    `[00,"${id}","${time}",7,"m"]`,
    `[0,"${id}","${time}",07,"m"]`,
    `[0,"${id}","${time}",-7,"m"]`,
    `[0,"${id}","${time}",7.5,"m"]`,
    `[1,"${id}","${time}",7,"m"]`,
    `[0,"abcdefg","${time}",7,"m"]`,
    `[0,"${'x'.repeat(129)}","${time}",7,"m"]`,
    `[0,"abc.defgh","${time}",7,"m"]`,
    `[0,"${id}","2026-01-01 00:00:00Z",7,"m"]`,
    `[0,"${id}","${time}",7,"a"b"]`,
    `[0,"${id}","${time}",7,"a\\qb"]`,
    `[0,"${id}","${time}",7,"a\u0001b"]`,
    `[0,"${id}","${time}",7,"m"`,
    `[0,"${id}","${time}",7,"m"]]`,
    `[0,"${id}","${time}",7,m"]`,
  ];
  for (const line of refused) t.true('reason' in decodeLinesV2(Buffer.from(`${group}\n${line}\n`)), line);
});
