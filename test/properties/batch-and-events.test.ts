// Property tests of what the aggregator and the collector read from the network: the NDJSON ingest
// batch with its schema validation (any text is answered with records or a reason naming the
// line, never a throw), and Docker event frames (any event the engine can send becomes a record
// the wire schema accepts).
import test from 'ava';
import fc from 'fast-check';
import { parseBatch } from '../../aggregator/routes/ingest.ts';
import { toEventRecord, type DockerEvent } from '../../collector/sources/docker-events/event-record.ts';
import { validateRecord } from '../../common/schema/index.ts';

const RUNS = { numRuns: 300 };
const node = { id: 'n0d3idpropertytest', hostname: 'prop-node' };

const event = fc.record(
  {
    Type: fc.oneof(fc.constantFrom('container', 'image', 'network', 'service', 'node'), fc.string({ maxLength: 50 })),
    Action: fc.oneof(
      fc.constantFrom('start', 'die', 'health_status: healthy', 'exec_start: sh', 'destroy'),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
    ),
    Actor: fc.record(
      {
        ID: fc.oneof(
          fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
          fc.string({ maxLength: 200 }),
          fc.string({ minLength: 60, maxLength: 200 }),
        ),
        Attributes: fc
          .tuple(
            fc.record(
              { name: fc.string({ maxLength: 300 }), image: fc.string({ maxLength: 600 }) },
              { requiredKeys: [] },
            ),
            fc.dictionary(
              fc.string({ unit: 'grapheme', maxLength: 300 }),
              fc.oneof(
                fc.string({ unit: 'grapheme', maxLength: 50 }),
                fc.string({ maxLength: 5000 }),
                fc.integer().map(String),
              ),
              { maxKeys: 12 },
            ),
          )
          .map(([named, rest]) => ({ ...rest, ...named })),
      },
      { requiredKeys: [] },
    ),
    scope: fc.constantFrom('local', 'swarm', 'a-scope-longer-than-sixteen'),
    time: fc.integer({ min: 0, max: 253402300799 }),
    timeNano: fc.bigInt({ min: 0n, max: 253402300799999999999n }).map(String),
  },
  { requiredKeys: ['Type', 'Action'] },
);

test('Docker events: every event frame the engine could send becomes a record the wire schema accepts', (t) => {
  fc.assert(
    fc.property(event, (e) => {
      // Through JSON both ways, as the stream delivers it and as the shipper sends it.
      const record = toEventRecord(node, JSON.parse(JSON.stringify(e)) as DockerEvent);
      const v = validateRecord(JSON.parse(JSON.stringify(record)));
      if (!v.ok) throw new Error(v.reason);
      return true;
    }),
    RUNS,
  );
  t.pass();
});

test('NDJSON batch: any text gets records or a reason naming the line, never a throw', (t) => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 2000 }),
        fc
          .array(
            fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
            { maxLength: 20 },
          )
          .map((l) => l.join('\n')),
        fc.array(fc.string({ unit: 'binary', maxLength: 100 }), { maxLength: 20 }).map((l) => l.join('\n')),
      ),
      (text) => {
        const r = parseBatch(text);
        return 'records' in r ? r.records.length > 0 : /^(line \d+: |empty batch)/.test(r.reason);
      },
    ),
    RUNS,
  );
  t.pass();
});

test('NDJSON batch: valid records pass whatever blank lines surround them; one bad line names its number', (t) => {
  fc.assert(
    fc.property(fc.array(event, { minLength: 1, maxLength: 10 }), fc.nat(), fc.jsonValue(), (events, at, junk) => {
      const lines = events.map((e) =>
        JSON.stringify(toEventRecord(node, JSON.parse(JSON.stringify(e)) as DockerEvent)),
      );
      const good = parseBatch(['', ...lines, '  '].join('\n'));
      if (!('records' in good) || good.records.length !== events.length) return false;
      const i = at % lines.length;
      const bad = [...lines];
      // Not an event record: a JSON value that is not an object, or an object without a valid kind.
      bad[i] = JSON.stringify(
        typeof junk === 'object' && junk !== null && !Array.isArray(junk) ? { ...junk, kind: 'nope' } : junk,
      );
      const refused = parseBatch(bad.join('\n'));
      return 'reason' in refused && refused.reason.startsWith(`line ${i + 1}: `);
    }),
    RUNS,
  );
  t.pass();
});

test('schema validation: any JSON value is accepted or refused with a reason, never a throw', (t) => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.jsonValue({ maxDepth: 8 }),
        fc
          .record({
            kind: fc.constantFrom('metric', 'log', 'event', 'swarm', 'agent', 'inventory'),
            rest: fc.jsonValue(),
          })
          .map(({ kind, rest }) => (typeof rest === 'object' && rest !== null ? { ...rest, kind } : { kind, rest })),
      ),
      (value) => {
        const v = validateRecord(value);
        return v.ok || v.reason.length > 0;
      },
    ),
    RUNS,
  );
  t.pass();
});
