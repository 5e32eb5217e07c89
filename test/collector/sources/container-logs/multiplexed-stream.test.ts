// The Engine's log stream decoder on byte fixtures: 8-byte frame headers split anywhere across
// chunks, unknown stream types skipped and counted, TTY streams as raw lines.
import test from 'ava';
import {
  MultiplexedDecoder,
  splitTimestamp,
  toSince,
  type StreamLine,
} from '../../../../collector/sources/container-logs/multiplexed-stream.ts';

function frame(type: number, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

test('frames split at every possible byte across chunks decode to the same lines with their streams', (t) => {
  const bytes = Buffer.concat([
    frame(1, 'out one\n'),
    frame(2, 'err one\n'),
    frame(1, 'piece without newline'),
    frame(1, ' end\n'),
  ]);
  const expected: StreamLine[] = [
    { stream: 'stdout', text: 'out one\n', partial: false },
    { stream: 'stderr', text: 'err one\n', partial: false },
    { stream: 'stdout', text: 'piece without newline', partial: true },
    { stream: 'stdout', text: ' end\n', partial: false },
  ];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const d = new MultiplexedDecoder({ tty: false });
    const out: StreamLine[] = [];
    d.push(bytes.subarray(0, cut), out);
    d.push(bytes.subarray(cut), out);
    d.end(out);
    t.deepEqual(out, expected, `cut at ${cut}`);
  }
});

test('a stream fed one byte at a time decodes whole', (t) => {
  const bytes = Buffer.concat([frame(2, 'a\n'), frame(1, 'b\n')]);
  const d = new MultiplexedDecoder({ tty: false });
  const out: StreamLine[] = [];
  for (const byte of bytes) d.push(Buffer.from([byte]), out);
  t.deepEqual(
    out.map((l) => [l.stream, l.text]),
    [
      ['stderr', 'a\n'],
      ['stdout', 'b\n'],
    ],
  );
});

test('a frame of an unknown stream type (stdin) is skipped and counted, the next one still decodes', (t) => {
  const d = new MultiplexedDecoder({ tty: false });
  const out: StreamLine[] = [];
  d.push(Buffer.concat([frame(0, 'stdin echo\n'), frame(1, 'kept\n')]), out);
  t.is(d.skipped, 1);
  t.deepEqual(
    out.map((l) => l.text),
    ['kept\n'],
  );
});

test('a TTY stream is raw stdout split at newlines; the unfinished tail comes out at the end as partial', (t) => {
  const d = new MultiplexedDecoder({ tty: true });
  const out: StreamLine[] = [];
  d.push(Buffer.from('first\nsec'), out);
  d.push(Buffer.from('ond\nno newline'), out);
  t.deepEqual(out, [
    { stream: 'stdout', text: 'first\n', partial: false },
    { stream: 'stdout', text: 'second\n', partial: false },
  ]);
  d.end(out);
  t.deepEqual(out[2], { stream: 'stdout', text: 'no newline', partial: true });
});

test('a TTY line whose multi-byte character is split across chunks is decoded intact', (t) => {
  const bytes = Buffer.from('grüße 🎉\n');
  const d = new MultiplexedDecoder({ tty: true });
  const out: StreamLine[] = [];
  d.push(bytes.subarray(0, 3), out); // inside "ü"
  d.push(bytes.subarray(3, 10), out); // inside the emoji
  d.push(bytes.subarray(10), out);
  t.deepEqual(
    out.map((l) => l.text),
    ['grüße 🎉\n'],
  );
});

test('a multi-byte character cut between two partial frames of one line is joined intact, per stream', (t) => {
  const line = Buffer.from('é€🎉\n');
  const d = new MultiplexedDecoder({ tty: false });
  const out: StreamLine[] = [];
  // Cut inside each character, with a stderr frame between the pieces of the stdout line.
  d.push(
    Buffer.concat([
      frame(1, line.subarray(0, 1)),
      frame(2, 'e\n'),
      frame(1, line.subarray(1, 3)),
      frame(1, line.subarray(3, 7)),
      frame(1, line.subarray(7)),
    ]),
    out,
  );
  t.is(
    out
      .filter((l) => l.stream === 'stdout')
      .map((l) => l.text)
      .join(''),
    'é€🎉\n',
  );
  t.deepEqual(
    out.filter((l) => l.stream === 'stderr').map((l) => l.text),
    ['e\n'],
  );
});

test('with timestamps, each partial frame keeps its own time and the character cut between frames is joined in the text', (t) => {
  const ts = '2024-05-01T10:00:00.123456789Z ';
  const line = Buffer.from('ça\n');
  const d = new MultiplexedDecoder({ tty: false, timestamps: true });
  const out: StreamLine[] = [];
  d.push(
    Buffer.concat([
      frame(1, Buffer.concat([Buffer.from(ts), line.subarray(0, 1)])),
      frame(1, Buffer.concat([Buffer.from(ts), line.subarray(1)])),
    ]),
    out,
  );
  t.deepEqual(
    out.map((l) => splitTimestamp(l.text)?.text),
    ['', 'ça\n'],
  );
  t.deepEqual(
    out.map((l) => l.partial),
    [true, false],
  );
});

test('invalid UTF-8 before a newline still becomes U+FFFD, as a whole-buffer decode would', (t) => {
  const d = new MultiplexedDecoder({ tty: false });
  const out: StreamLine[] = [];
  d.push(frame(1, Buffer.from([0xff, 0xfe, 0x61, 0x0a])), out);
  t.deepEqual(
    out.map((l) => l.text),
    ['\ufffd\ufffda\n'],
  );
});

test('a timestamped API line splits into its RFC 3339 time and its text; since keeps nanoseconds', (t) => {
  t.deepEqual(splitTimestamp('2024-05-01T10:00:00.123456789Z hello world'), {
    time: '2024-05-01T10:00:00.123456789Z',
    text: 'hello world',
  });
  t.is(splitTimestamp('no timestamp here'), undefined);
  t.is(toSince('2024-05-01T10:00:00.123456789Z'), `${Date.parse('2024-05-01T10:00:00Z') / 1000}.123456789`);
  t.is(toSince('2024-05-01T10:00:00.5Z'), `${Date.parse('2024-05-01T10:00:00Z') / 1000}.500000000`);
});
