// Property tests of durations and sizes in the configuration: every value with a unit reads as
// the number times that unit; every bare number other than 0 is refused with a suggestion; and
// nothing else is read as a number at all.
import test from 'ava';
import fc from 'fast-check';
import { parseBytes, parseDurationMs } from '../../common/env.ts';

const RUNS = { numRuns: 500 };
const DURATION: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE: Record<string, number> = {
  b: 1,
  k: 1024,
  KiB: 1024,
  MiB: 1024 ** 2,
  mb: 1024 ** 2,
  GiB: 1024 ** 3,
  g: 1024 ** 3,
};

test('a duration with its unit reads as the number times the unit', (t) => {
  fc.assert(
    fc.property(
      fc.nat({ max: 1_000_000 }),
      fc.constantFrom(...Object.keys(DURATION)),
      (n, unit) => parseDurationMs(`${n}${unit}`) === n * DURATION[unit]!,
    ),
    RUNS,
  );
  t.pass();
});

test('a size with its unit reads as the number times the unit', (t) => {
  fc.assert(
    fc.property(
      fc.nat({ max: 1_000_000 }),
      fc.constantFrom(...Object.keys(SIZE)),
      (n, unit) => parseBytes(`${n}${unit}`) === n * SIZE[unit]!,
    ),
    RUNS,
  );
  t.pass();
});

test('a bare number other than 0 is refused, and the refusal suggests the unit', (t) => {
  fc.assert(
    fc.property(
      fc
        .oneof(fc.integer({ min: 1 }), fc.double({ min: 0.001, max: 1e9, noNaN: true }))
        .map(String)
        .filter((s) => /^\d+(\.\d+)?$/.test(s)),
      (s) => {
        const d = (() => {
          try {
            parseDurationMs(s);
            return '';
          } catch (e) {
            return (e as Error).message;
          }
        })();
        const b = (() => {
          try {
            parseBytes(s);
            return '';
          } catch (e) {
            return (e as Error).message;
          }
        })();
        return d.includes(`did you mean ${s}s?`) && b.includes(`did you mean ${s}b?`);
      },
    ),
    RUNS,
  );
  t.is(parseDurationMs('0'), 0);
  t.is(parseBytes('0'), 0);
});

test('any other text is either refused or read as a finite, non-negative whole number', (t) => {
  const unitish = fc
    .tuple(
      fc.stringMatching(/^[0-9.]{1,30}$/),
      fc.constantFrom('', ' ', '  '),
      fc.constantFrom('ms', 's', 'd', 'b', 'GiB', 'x', 'S', 'Ms'),
    )
    .map(([n, sp, u]) => n + sp + u);
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 20 }), unitish), (s) => {
      for (const parse of [parseDurationMs, parseBytes]) {
        let v: number;
        try {
          v = parse(s);
        } catch {
          continue;
        }
        if (!Number.isSafeInteger(v) || v < 0) return false;
      }
      return true;
    }),
    RUNS,
  );
  t.pass();
});
