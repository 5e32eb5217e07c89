// A file's line ids: under 'sha256' the ids of the joined origin (what collectors before ordered ids
// gave), whatever the prefix's characters and the number; under 'ordered' the prefix's hash and the
// offset, in the order of the offsets, with no two offsets or prefixes alike.
import test from 'ava';
import fc from 'fast-check';
import { prefixedIds, recordId } from '../../common/record-id.ts';

const part = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.nat());
const ORDERED_DIGITS = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';

test("'sha256': an id of a prefix and a number is recordId of the prefix and that number", (t) => {
  fc.assert(
    fc.property(
      fc.array(part, { maxLength: 5 }),
      fc.array(fc.oneof(fc.nat(), fc.maxSafeNat(), fc.integer(), fc.double())),
      (prefix, numbers) => {
        const ids = prefixedIds(prefix, 'sha256');
        for (const n of numbers) if (ids.of(n) !== recordId(...prefix, n)) return false;
        return true;
      },
    ),
    { numRuns: 500 },
  );
  // Digit counts up and down again over one prefix (each length has its own view).
  const ids = prefixedIds(['node', 'log', 'c'.repeat(64), '8:1'], 'sha256');
  for (const n of [0, 9, 10, 99, 100, 7, 123_456_789, Number.MAX_SAFE_INTEGER, 1, -1, 0.5])
    t.is(ids.of(n), recordId('node', 'log', 'c'.repeat(64), '8:1', n), String(n));
});

test("'ordered': 18 characters of the prefix's hash, then the offset in 9 base64url digits in byte order", (t) => {
  fc.assert(
    fc.property(fc.array(part, { maxLength: 5 }), fc.maxSafeNat(), (prefix, n) => {
      const id = prefixedIds(prefix, 'ordered').of(n);
      let decoded = 0;
      for (const c of id.slice(18)) decoded = decoded * 64 + ORDERED_DIGITS.indexOf(c);
      return (
        id.length === 27 &&
        /^[A-Za-z0-9_-]+$/.test(id) &&
        id.slice(0, 18) === recordId(...prefix, '').slice(0, 18) &&
        decoded === n
      );
    }),
    { numRuns: 500 },
  );
  // What a number that is no offset gets: still an id, never one of an offset's.
  const ids = prefixedIds(['node', 'log', 'c'.repeat(64), '8:1'], 'ordered');
  for (const n of [-1, 0.5, 2 ** 60]) t.is(ids.of(n), recordId('node', 'log', 'c'.repeat(64), '8:1', n));
});

test("'ordered': a larger offset gives a larger id in a file, another file or offset another id", (t) => {
  fc.assert(
    fc.property(
      fc.array(part, { maxLength: 4 }),
      fc.array(part, { maxLength: 4 }),
      fc.maxSafeNat(),
      fc.maxSafeNat(),
      (a, b, m, n) => {
        const ids = prefixedIds(a, 'ordered');
        const sameFile = m < n ? ids.of(m) < ids.of(n) : m > n ? ids.of(m) > ids.of(n) : ids.of(m) === ids.of(n);
        const sameJoin = [...a, ''].join('\u001f') === [...b, ''].join('\u001f');
        return sameFile && (sameJoin || prefixedIds(b, 'ordered').of(m) !== ids.of(m));
      },
    ),
    { numRuns: 500 },
  );
  // Made again (another run of the collector), the same.
  t.is(
    prefixedIds(['n', 'log', 'c', 'f'], 'ordered').of(4242),
    prefixedIds(['n', 'log', 'c', 'f'], 'ordered').of(4242),
  );
});
