// The message assembler on piece fixtures: the engine's 16 KiB pieces joined per stream (also
// across a rotation), the size bound (truncated once, flagged, original length kept, cut at a
// character boundary), and the multiline merger's bounds and flushes.
import test from 'ava';
import {
  MessageAssembler,
  truncateUtf8,
  type Message,
  type Piece,
} from '../../../../collector/sources/container-logs/message-assembler.ts';

const T = '2026-01-01T00:00:00.000000001Z';
const piece = (
  stream: Piece['stream'],
  text: string,
  file: string,
  offset: number,
  partial = !text.endsWith('\n'),
): Piece => ({ stream, text: partial ? text : text.replace(/\n$/, ''), time: T, partial, file, offset });
const MiB = 1024 * 1024;

test('16 KiB pieces of interleaved stdout and stderr lines join per stream, in the order each ends', (t) => {
  const a = new MessageAssembler({ maxMessageBytes: MiB });
  const out: Message[] = [];
  const outA = 'o'.repeat(16384);
  const errA = 'e'.repeat(16384);
  a.push(piece('stdout', outA, 'f', 0), out);
  a.push(piece('stderr', errA, 'f', 100), out);
  a.push(piece('stdout', 'O-end\n', 'f', 200), out);
  t.is(out.length, 1);
  a.push(piece('stderr', 'E-end\n', 'f', 300), out);
  t.deepEqual(
    out.map((m) => [m.stream, m.text, m.offset, m.truncated === true]),
    [
      ['stdout', `${outA}O-end`, 0, false],
      ['stderr', `${errA}E-end`, 100, false],
    ],
  );
  t.false(a.holdsPieces);
});

test('a line whose pieces straddle a rotation is one message from its first file and offset; both files are held until it ends', (t) => {
  const a = new MessageAssembler({ maxMessageBytes: MiB });
  const out: Message[] = [];
  a.push(piece('stdout', 'x'.repeat(16384), 'old', 5000), out);
  a.push(piece('stdout', 'y'.repeat(16384), 'new', 0), out);
  const held = new Map<string, number>();
  a.earliestHeldOffsets(held);
  t.deepEqual(Object.fromEntries(held), { old: 5000, new: 0 });
  a.push(piece('stdout', 'z\n', 'new', 16500), out);
  t.is(out.length, 1);
  t.deepEqual([out[0]!.file, out[0]!.offset, out[0]!.text.length], ['old', 5000, 16384 * 2 + 1]);
  const after = new Map<string, number>();
  a.earliestHeldOffsets(after);
  t.is(after.size, 0);
});

test('a message over the size limit is truncated once, flagged, and keeps its original length', (t) => {
  const a = new MessageAssembler({ maxMessageBytes: 40_000 });
  const out: Message[] = [];
  for (let i = 0; i < 4; i++) a.push(piece('stdout', 'a'.repeat(16384), 'f', i * 17000), out);
  a.push(piece('stdout', 'tail\n', 'f', 68000), out);
  t.is(out.length, 1);
  t.true(out[0]!.truncated);
  t.is(Buffer.byteLength(out[0]!.text), 40_000);
  t.is(out[0]!.originalLength, 4 * 16384 + 4);
});

test('truncation never cuts a UTF-8 character in two', (t) => {
  t.is(truncateUtf8('aaaa€€', 5), 'aaaa');
  t.is(truncateUtf8('aaaa€€', 7), 'aaaa€');
  t.is(truncateUtf8('🎉🎉', 7), '🎉');
  t.is(truncateUtf8('short', 10), 'short');
  const a = new MessageAssembler({ maxMessageBytes: 10 });
  const out: Message[] = [];
  a.push(piece('stdout', `${'é'.repeat(8)}\n`, 'f', 0), out);
  t.deepEqual([out[0]!.text, out[0]!.truncated, out[0]!.originalLength], ['ééééé', true, 16]);
});

const stackTrace = { pattern: /^\S/, maxLines: 3, flushTimeoutMs: 1000 };

test('multiline: continuation lines merge into the event that the pattern starts', (t) => {
  const a = new MessageAssembler({ maxMessageBytes: MiB, multiline: stackTrace });
  const out: Message[] = [];
  let off = 0;
  for (const l of ['Error: boom\n', '  at a\n', '  at b\n', 'next event\n'])
    a.push(piece('stdout', l, 'f', (off += 10)), out);
  t.deepEqual(
    out.map((m) => [m.text, m.lines, m.offset]),
    [['Error: boom\n  at a\n  at b', 3, 10]],
  );
  a.flush(out, true);
  t.deepEqual(
    out.map((m) => m.text),
    ['Error: boom\n  at a\n  at b', 'next event'],
  );
});

test('multiline: an event reaching max lines ends there and the next continuation starts a new one', (t) => {
  const a = new MessageAssembler({ maxMessageBytes: MiB, multiline: stackTrace });
  const out: Message[] = [];
  for (const l of ['E\n', ' 1\n', ' 2\n', ' 3\n', ' 4\n']) a.push(piece('stdout', l, 'f', 0), out);
  a.flush(out, true);
  t.deepEqual(
    out.map((m) => [m.text, m.lines]),
    [
      ['E\n 1\n 2', 3],
      [' 3\n 4', 2],
    ],
  );
});

test('multiline: an event reaching max bytes is truncated once and flagged; what follows starts a new event', (t) => {
  const a = new MessageAssembler({ maxMessageBytes: 12, multiline: { ...stackTrace, maxLines: 100 } });
  const out: Message[] = [];
  for (const l of ['Error\n', '  at aaaa\n', '  at bbbb\n']) a.push(piece('stdout', l, 'f', 0), out);
  a.flush(out, true);
  t.deepEqual(
    out.map((m) => [m.text, m.truncated, m.originalLength]),
    [
      ['Error\n  at a', true, 5 + 1 + 9],
      ['  at bbbb', undefined, undefined], // not truncated: no original length to keep
    ],
  );
  t.true(out.every((m) => Buffer.byteLength(m.text) <= 12));
});

test('multiline: a waiting event is flushed after the timeout, not before; an unfinished line waits for the container', (t) => {
  let now = 0;
  const a = new MessageAssembler({ maxMessageBytes: MiB, multiline: stackTrace, now: () => now });
  const out: Message[] = [];
  a.push(piece('stdout', 'Error\n', 'f', 0), out);
  a.push(piece('stderr', 'no newline yet', 'f', 10), out);
  now = 999;
  a.flush(out, false);
  t.is(out.length, 0);
  now = 1000;
  a.flush(out, false);
  t.deepEqual(
    out.map((m) => m.text),
    ['Error'],
  );
  t.true(a.holdsPieces, 'the unfinished line is still held');
});

test('multiline: on container exit everything held comes out, the unfinished line as its own message', (t) => {
  const a = new MessageAssembler({ maxMessageBytes: MiB, multiline: stackTrace, now: () => 0 });
  const out: Message[] = [];
  a.push(piece('stdout', 'Error\n', 'f', 0), out);
  a.push(piece('stdout', '  at x\n', 'f', 10), out);
  a.push(piece('stdout', 'last words', 'f', 20), out);
  a.flush(out, true);
  t.deepEqual(
    out.map((m) => m.text),
    ['Error\n  at x', 'last words'],
  );
  t.false(a.holdsPieces);
});

test('json-file: a 16 KiB split followed by a piece of another time ends its line flagged, and the next line may have lost its head', (t) => {
  const a = new MessageAssembler({ maxMessageBytes: MiB, piecesShareTime: true });
  const out: Message[] = [];
  const T2 = '2026-01-01T00:00:01.000000001Z';
  const T3 = '2026-01-01T00:00:02.000000001Z';
  const T4 = '2026-01-01T00:00:03.000000001Z';
  const head = 's'.repeat(16384);
  // An open stderr line: whatever was lost may have held its rest too.
  a.push({ ...piece('stderr', 'e'.repeat(16384), 'f', 0) }, out);
  // The rest of this line was due (a full split) and never came: the next piece has another time,
  // and may be the tail of a line whose head sat in the same lost stretch.
  a.push(piece('stdout', head, 'f', 50), out);
  a.push({ ...piece('stdout', 'tail\n', 'f', 100), time: T2 }, out);
  // "abc" ended a container's output without a newline (shorter than a split): whole as written.
  a.push({ ...piece('stdout', 'abc', 'f', 200), time: T3 }, out);
  a.push({ ...piece('stdout', 'next\n', 'f', 300), time: T4 }, out);
  a.push({ ...piece('stderr', 'err\n', 'f', 400), time: T4 }, out);
  t.deepEqual(
    out.map((m) => [m.stream, m.text.length, m.partialLost === true]),
    [
      ['stderr', 16384, true],
      ['stdout', 16384, true],
      ['stdout', 4, true],
      ['stdout', 3, false],
      ['stdout', 4, false],
      ['stderr', 3, true],
    ],
  );
});

test('json-file: at the exit a line whose last piece was a full 16 KiB split is flagged; a shorter unterminated one is whole', (t) => {
  const a = new MessageAssembler({ maxMessageBytes: MiB, piecesShareTime: true });
  const out: Message[] = [];
  a.push(piece('stdout', 's'.repeat(16384), 'f', 0), out);
  a.push(piece('stderr', 'e'.repeat(100), 'f', 50), out);
  a.flush(out, true);
  t.deepEqual(
    out.map((m) => [m.stream, m.text.length, m.partialLost === true]),
    [
      ['stdout', 16384, true],
      ['stderr', 100, false],
    ],
  );
});
