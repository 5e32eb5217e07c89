// The nesting scan that refuses deep batch lines before parsing: for any JSON text, exactly the
// depth of the value it encodes, whatever its strings hold (quotes, backslashes, brackets).
import test from 'ava';
import fc from 'fast-check';
import { nestsDeeperThan } from '../../aggregator/json-depth.ts';

function depth(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depth));
  if (v && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depth));
  return 0;
}

test('any JSON value: the scan says deeper than d exactly when the value nests deeper than d', (t) => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 12 }), fc.nat(14), (v, d) => {
      const text = JSON.stringify(v);
      return nestsDeeperThan(text, d) === depth(v) > d;
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

test('strings full of brackets, quotes and backslashes do not count as nesting', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit: fc.constantFrom('[', '{', '"', '\\', 'a', ']') }), { maxLength: 8 }),
      (xs) => nestsDeeperThan(JSON.stringify({ k: xs }), 2) === false,
    ),
  );
  t.true(nestsDeeperThan('['.repeat(100_000) + ']'.repeat(100_000), 32));
});
