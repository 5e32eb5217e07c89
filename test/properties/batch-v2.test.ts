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
  const group = JSON.stringify({
    group: 0,
    node: nodes[0],
    container: containers[1],
    stream: 'stdout',
    origin: { source: 'json-file', file: 'f' },
  });
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
