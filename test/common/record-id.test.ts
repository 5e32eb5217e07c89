// Record ids made from a prefix's bytes and an offset's digits are the ids of the joined origin,
// whatever the prefix's characters and the number.
import test from 'ava';
import fc from 'fast-check';
import { PrefixedIds, recordId } from '../../common/record-id.ts';

const part = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.nat());

test('an id of a prefix and a number is recordId of the prefix and that number', (t) => {
  fc.assert(
    fc.property(
      fc.array(part, { maxLength: 5 }),
      fc.array(fc.oneof(fc.nat(), fc.maxSafeNat(), fc.integer(), fc.double())),
      (prefix, numbers) => {
        const ids = new PrefixedIds(...prefix);
        for (const n of numbers) if (ids.of(n) !== recordId(...prefix, n)) return false;
        return true;
      },
    ),
    { numRuns: 500 },
  );
  // Digit counts up and down again over one prefix (each length has its own view).
  const ids = new PrefixedIds('node', 'log', 'c'.repeat(64), '8:1');
  for (const n of [0, 9, 10, 99, 100, 7, 123_456_789, Number.MAX_SAFE_INTEGER, 1, -1, 0.5])
    t.is(ids.of(n), recordId('node', 'log', 'c'.repeat(64), '8:1', n), String(n));
});
