// Property tests of the parsers that read container logs from outside: json-file entries as the
// engine writes them and the Engine API's multiplexed stream. Any bytes must be survivable (no
// throw, nothing consumed past a line end), and what the engine writes must come back exactly,
// however the bytes are cut into reads.
import test from 'ava';
import fc from 'fast-check';
import { scanEntries } from '../../collector/sources/container-logs/json-file-entries.ts';
import { MultiplexedDecoder, type StreamLine } from '../../collector/sources/container-logs/multiplexed-stream.ts';
import type { Piece } from '../../collector/sources/container-logs/message-assembler.ts';

const RUNS = { numRuns: 300 };

/** Cut points of a buffer of `length` bytes into reads. */
const cuts = (length: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 8 })
    .map((a) => a.sort((x, y) => x - y));

function chunks(buf: Buffer, at: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of at) if (c > prev && c < buf.length) out.push(buf.subarray(prev, (prev = c)));
  out.push(buf.subarray(prev));
  return out;
}

test('json-file: any bytes are scanned without throwing, and only whole lines are consumed', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
      const buf = Buffer.from(bytes);
      const pieces: Piece[] = [];
      const r = scanEntries(buf, buf.length, 0, 'f', (p) => pieces.push(p));
      const lines = buf.toString('latin1').split('\n').length - 1;
      return (
        r.consumed <= buf.length &&
        (r.consumed === 0 || buf[r.consumed - 1] === 10) &&
        r.bad + pieces.length <= lines &&
        pieces.every((p) => p.offset >= 0 && p.offset < r.consumed)
      );
    }),
    RUNS,
  );
  t.pass();
});

const entry = fc.record({
  log: fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ maxLength: 80 }).map((s) => s + '\n'),
  ),
  stream: fc.constantFrom('stdout', 'stderr'),
  time: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('2999-12-31') }).map((d) => d.toISOString()),
});

test('json-file: entries as the engine writes them come back exactly, with offsets, however reads cut them', (t) => {
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 30 }), fc.nat(), (entries, seed) => {
      const lines = entries.map((e) => JSON.stringify(e) + '\n');
      const file = Buffer.from(lines.join(''));
      const offsets: number[] = [];
      lines.reduce((o, l) => (offsets.push(o), o + Buffer.byteLength(l)), 0);
      // Read like a tailer: whatever was consumed is dropped, the rest is read again with more bytes.
      const pieces: Piece[] = [];
      let base = 0;
      let end = 0;
      while (base < file.length) {
        end = Math.min(file.length, end + 1 + ((seed + end) % 97));
        const buf = file.subarray(base, end);
        const r = scanEntries(buf, buf.length, base, 'f', (p) => pieces.push(p));
        if (r.bad) return false;
        base += r.consumed;
      }
      return (
        pieces.length === entries.length &&
        pieces.every(
          (p, i) =>
            p.text + (p.partial ? '' : '\n') === entries[i]!.log &&
            p.stream === entries[i]!.stream &&
            p.time === entries[i]!.time &&
            p.offset === offsets[i] &&
            p.partial === !entries[i]!.log.endsWith('\n'),
        )
      );
    }),
    RUNS,
  );
  t.pass();
});

function frame(stream: 1 | 2, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

test('multiplexed stream: any bytes are decoded without throwing, in either mode', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.boolean(), fc.boolean(), (bytes, tty, timestamps) => {
      const d = new MultiplexedDecoder({ tty, timestamps });
      const out: StreamLine[] = [];
      const buf = Buffer.from(bytes);
      for (const c of chunks(buf, [7, 100, 1000])) d.push(c, out);
      d.end(out);
      return out.every((l) => (l.stream === 'stdout' || l.stream === 'stderr') && typeof l.text === 'string');
    }),
    RUNS,
  );
  t.pass();
});

test('multiplexed stream: each stream’s text comes back exactly, characters cut across frames and reads included', (t) => {
  const framed = fc.array(
    fc.record({ stream: fc.constantFrom<1 | 2>(1, 2), text: fc.string({ unit: 'grapheme', maxLength: 60 }) }),
    {
      maxLength: 20,
    },
  );
  fc.assert(
    fc.property(framed, fc.nat({ max: 7 }), (frames, split) => {
      // The engine cuts text wherever the byte count falls: split each UTF-8 payload in two frames.
      const wire: Buffer[] = [];
      const want = { stdout: '', stderr: '' };
      for (const f of frames) {
        const bytes = Buffer.from(f.text);
        const at = Math.min(bytes.length, split);
        wire.push(frame(f.stream, bytes.subarray(0, at)), frame(f.stream, bytes.subarray(at)));
        want[f.stream === 2 ? 'stderr' : 'stdout'] += f.text;
      }
      const all = Buffer.concat(wire);
      return decodeAll(all, [3, 9, 17, 40]).stdout === want.stdout && decodeAll(all, [1, 2, 5]).stderr === want.stderr;
    }),
    RUNS,
  );
  t.pass();
});

function decodeAll(buf: Buffer, at: number[]): { stdout: string; stderr: string } {
  const d = new MultiplexedDecoder({ tty: false });
  const out: StreamLine[] = [];
  for (const c of chunks(buf, at)) d.push(c, out);
  d.end(out);
  const got = { stdout: '', stderr: '' };
  for (const l of out) got[l.stream] += l.text;
  return got;
}

test('multiplexed stream with a TTY: raw bytes come back as lines of stdout', (t) => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }), { maxLength: 20 }), cuts(400), (lines, at) => {
      const text = lines.join('\n');
      const d = new MultiplexedDecoder({ tty: true });
      const out: StreamLine[] = [];
      for (const c of chunks(Buffer.from(text), at)) d.push(c, out);
      d.end(out);
      return out.map((l) => l.text).join('') === text && out.every((l) => l.stream === 'stdout');
    }),
    RUNS,
  );
  t.pass();
});
