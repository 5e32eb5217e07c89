// json-file entries on byte fixtures: one {log, stream, time} per line with its file offset (a
// whole line's text without its newline), and whether its text was free of JSON escapes; a line without its newline is left for the next read;
// lines that are not entries are counted, skipped.
import test from 'ava';
import { parseEntry, scanEntries } from '../../../../collector/sources/container-logs/json-file-entries.ts';
import type { Piece } from '../../../../collector/sources/container-logs/message-assembler.ts';

const entry = (log: string, stream: string, time = '2026-01-01T00:00:00.000000001Z') =>
  `${JSON.stringify({ log, stream, time })}\n`;

test('each entry comes with its stream, time, partial flag and the file offset of its first byte', (t) => {
  const a = entry('hello\n', 'stdout');
  const b = entry('x'.repeat(300), 'stderr');
  const buf = Buffer.from(a + b);
  const pieces: Piece[] = [];
  const r = scanEntries(buf, buf.length, 1000, 'f1', (p) => pieces.push(p));
  t.deepEqual(r, { consumed: buf.length, bad: 0 });
  t.deepEqual(pieces, [
    {
      stream: 'stdout',
      text: 'hello',
      time: '2026-01-01T00:00:00.000000001Z',
      partial: false,
      file: 'f1',
      offset: 1000,
      escapeFree: true,
    },
    {
      stream: 'stderr',
      text: 'x'.repeat(300),
      time: '2026-01-01T00:00:00.000000001Z',
      partial: true,
      file: 'f1',
      offset: 1000 + Buffer.byteLength(a),
      escapeFree: true,
    },
  ]);
});

test('a trailing line without its newline is not consumed, so the next read starts at it', (t) => {
  const a = entry('done\n', 'stdout');
  const half = entry('half\n', 'stdout').slice(0, 20);
  const buf = Buffer.from(a + half);
  const pieces: Piece[] = [];
  const r = scanEntries(buf, buf.length, 0, 'f', (p) => pieces.push(p));
  t.is(r.consumed, Buffer.byteLength(a));
  t.is(pieces.length, 1);
});

test('only the first len bytes of the buffer are read (a reused read buffer)', (t) => {
  const a = entry('one\n', 'stdout');
  const buf = Buffer.from(a + entry('stale\n', 'stdout'));
  const pieces: Piece[] = [];
  scanEntries(buf, Buffer.byteLength(a), 0, 'f', (p) => pieces.push(p));
  t.deepEqual(
    pieces.map((p) => p.text),
    ['one'],
  );
});

test('lines that are not json-file entries are counted and skipped, empty lines are not counted', (t) => {
  const buf = Buffer.from(`not json\n{"log":1,"time":"t"}\n\n${entry('ok\n', 'stdout')}`);
  const pieces: Piece[] = [];
  const r = scanEntries(buf, buf.length, 0, 'f', (p) => pieces.push(p));
  t.is(r.bad, 2);
  t.deepEqual(
    pieces.map((p) => p.text),
    ['ok'],
  );
});

test('an entry with an unknown stream name counts as stdout; one without time is refused', (t) => {
  t.is(parseEntry(JSON.stringify({ log: 'a\n', stream: 'weird', time: 't' }), 'f', 0)?.stream, 'stdout');
  t.is(parseEntry(JSON.stringify({ log: 'a\n', stream: 'stdout' }), 'f', 0), undefined);
  t.is(parseEntry('null', 'f', 0), undefined);
});

test("unicode, ANSI escapes and the engine's U+FFFD replacement come through unchanged", (t) => {
  const text = 'héllo 🎉 \u001b[31mred\u001b[0m \uFFFD\n';
  const buf = Buffer.from(entry(text, 'stdout'));
  const pieces: Piece[] = [];
  scanEntries(buf, buf.length, 0, 'f', (p) => pieces.push(p));
  t.is(pieces[0]!.text, text.slice(0, -1));
});

test("the engine's own escapes and layouts decode as JSON.parse would: \\u003c, quotes, tabs, attrs, field order", (t) => {
  const lines = [
    String.raw`{"log":"a \u003cb\u003e \u0026 \"q\" \t \\n\\\n","stream":"stderr","time":"2026-01-01T00:00:00.1Z"}`,
    String.raw`{"log":"plain\n","stream":"stdout","time":"2026-01-01T00:00:00.2Z"}`,
    String.raw`{"log":"no newline","stream":"stdout","time":"2026-01-01T00:00:00.3Z"}`,
    String.raw`{"log":"ends in a backslash \\","stream":"stdout","time":"2026-01-01T00:00:00.4Z"}`,
    String.raw`{"log":"with attrs\n","stream":"stdout","attrs":{"tag":"x"},"time":"2026-01-01T00:00:00.5Z"}`,
    String.raw`{"stream":"stderr","log":"reordered\n","time":"2026-01-01T00:00:00.6Z"}`,
    String.raw`{"log":"escaped time\n","stream":"stdout","time":"2026-01-01T00:00:00.7\u005a"}`,
    String.raw`{"log":"","stream":"stdout","time":""}`,
    String.raw`{"log":"cut","stream":"stdout","time":"2026-01-01T00:00:00.8Z"`,
    String.raw`{"log":"x","stream":"stdoux","time":"t"}`,
  ];
  const buf = Buffer.from(lines.join('\n') + '\n');
  const pieces: Piece[] = [];
  const r = scanEntries(buf, buf.length, 0, 'f', (p) => pieces.push(p));
  const expected = lines
    .map((l, i) => ({ l, offset: Buffer.byteLength(lines.slice(0, i).join('\n')) + (i ? 1 : 0) }))
    .flatMap(({ l, offset }) => {
      const p = parseEntry(l, 'f', offset);
      return p ? [p] : [];
    });
  t.deepEqual(
    pieces.map(({ escapeFree: _, ...p }) => p),
    expected,
  );
  // Free of escapes: those read in place without a backslash but the final newline's.
  t.deepEqual(
    pieces.map((p) => p.escapeFree),
    [false, true, true, false, undefined, undefined, undefined, undefined, undefined],
  );
  t.is(pieces.length, 9);
  t.is(r.bad, 1);
  t.is(pieces[0]!.text, 'a <b> & "q" \t \\n\\');
  t.false(pieces[0]!.partial);
  t.true(pieces[3]!.partial);
});

test('a text is free of escapes only without a backslash and without a raw control byte (a damaged file)', (t) => {
  const long = 'y'.repeat(300);
  // What the engine never writes: raw control bytes inside the string, as a block zeroed in a crash leaves them.
  const damaged = (text: string) => `{"log":"${text}\\n","stream":"stdout","time":"2026-01-01T00:00:00.000000001Z"}\n`;
  const lines = [
    entry(`${long}\n`, 'stdout'),
    entry(`${long}\t\n`, 'stdout'),
    damaged(`${long}\u0000\u0000${long}`),
    damaged(`\u001f${long}`),
    damaged(`${long}\u0001`),
    entry('short\n', 'stdout'),
    damaged('sh\u0002rt'),
    entry('short\ttab\n', 'stdout'),
  ];
  const buf = Buffer.from(lines.join(''));
  const pieces: Piece[] = [];
  scanEntries(buf, buf.length, 0, 'f', (p) => pieces.push(p));
  t.deepEqual(
    pieces.map((p) => p.escapeFree),
    [true, false, false, false, false, true, false, false],
  );
  t.is(pieces[2]!.text, `${long}\u0000\u0000${long}`, 'its text kept as the file has it');
});

test('a time with a raw control byte (a damaged file) is refused, never taken as free of escapes', (t) => {
  const buf = Buffer.from('{"log":"ok\\n","stream":"stdout","time":"2026-01-01T00:00:\u000100Z"}\n');
  const pieces: Piece[] = [];
  const r = scanEntries(buf, buf.length, 0, 'f', (p) => pieces.push(p));
  t.deepEqual(pieces, []);
  t.is(r.bad, 1);
});

test('text and time come out exact around multi-byte and damaged (invalid UTF-8) text, line ended or not', (t) => {
  const time = '2026-01-01T00:00:00.000000001Z';
  const texts = [
    Buffer.from('héllo 🎉 wörld'),
    Buffer.from([0x61, 0x62, 0x63, 0xe2, 0x82]), // a character cut short by a damaged file
    Buffer.from([0xf0, 0x9f, 0x8e]),
    Buffer.from([0xff, 0x61, 0xc3]),
  ];
  for (const text of texts) {
    for (const end of ['\\n', '']) {
      const buf = Buffer.concat([
        Buffer.from('{"log":"'),
        text,
        Buffer.from(`${end}","stream":"stderr","time":"${time}"}\n`),
      ]);
      const pieces: Piece[] = [];
      scanEntries(buf, buf.length, 0, 'f', (p) => pieces.push(p));
      t.is(pieces.length, 1);
      t.is(pieces[0]!.text, text.toString(), `${text.toString('hex')} ${end}`);
      t.is(pieces[0]!.time, time);
      t.is(pieces[0]!.partial, end === '');
    }
  }
});
