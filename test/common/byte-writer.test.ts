// The writer's JSON pieces write what JSON.stringify would, encoded as UTF-8, for any string and
// any number, including the buffer growing under them.
import test from 'ava';
import fc from 'fast-check';
import { ByteWriter } from '../../common/byte-writer.ts';

/** Pieces JSON escapes or UTF-8 encodes apart: lone surrogates, a pair, controls, quote, backslash. */
const tricky = fc.constantFrom(
  '\ud800',
  '\udc00',
  '\ud83d\ude00',
  '\u0001',
  '\u001f',
  '"',
  '\\',
  '\u2028',
  '\u007f',
  'é',
);
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.array(fc.oneof(tricky, fc.string()), { maxLength: 8 }).map((parts) => parts.join('')),
);

/** Any number; integers on both sides of 2^31 (digits are written in 32-bit arithmetic below it). */
const number = fc.oneof(
  fc.double(),
  fc.maxSafeNat(),
  fc.nat(),
  fc.nat(20),
  fc.integer({ min: 2 ** 31 - 9, max: 2 ** 31 + 9 }),
);

test('json() and number() write what JSON.stringify gives', (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(text, number)), (values) => {
      const out = new ByteWriter(1); // grows at every step
      for (const v of values) {
        if (typeof v === 'string') out.json(v);
        else out.number(v);
        out.byte(0x2c);
      }
      const want = values.map((v) => `${JSON.stringify(v)},`).join('');
      return out.written().equals(Buffer.from(want));
    }),
    { numRuns: 1000 },
  );
  t.pass();
});
