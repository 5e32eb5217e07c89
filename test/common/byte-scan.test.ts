// The word-at-a-time control byte test agrees with a byte loop for any bytes, at any alignment of
// the view and of the range, and sees nothing outside the range.
import test from 'ava';
import fc from 'fast-check';
import { hasControlByte } from '../../common/byte-scan.ts';

/** Bytes rich in the edge of what it looks for (0x1f/0x20) and in high ones. */
const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xff));

test('hasControlByte: any byte below 0x20 in the range, at any alignment, and none outside it', (t) => {
  fc.assert(
    fc.property(fc.array(byte, { maxLength: 64 }), fc.nat(7), fc.nat(64), fc.nat(64), (values, shift, a, b) => {
      // A view at any byte offset of a larger buffer, as read buffers and batches are.
      const bytes = Uint8Array.from(values);
      const buf = Buffer.alloc(bytes.length + 8).subarray(shift, shift + bytes.length);
      buf.set(bytes);
      const start = Math.min(a, b, bytes.length);
      const end = Math.min(Math.max(a, b), bytes.length);
      return hasControlByte(buf, start, end) === bytes.subarray(start, end).some((c) => c < 0x20);
    }),
    { numRuns: 5000 },
  );
  t.pass();
});
