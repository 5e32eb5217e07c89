// Log records whose messages stay in the batch's bytes (the ingest route's decoding): the same
// records and JSON as strings give, and a message read or kept no longer depends on the batch.
import test from 'ava';
import { ByteLog } from '../../common/byte-log.ts';
import { decodeLinesV2 } from '../../common/wire-v2.ts';
import { encodeLinesV2 } from '../../common/wire-v2-encoder.ts';
import type { LogRecord, WireRecord } from '../../common/schema/index.ts';

const node = { id: 'n1', hostname: 'h1' };
const container = { id: 'c'.repeat(64), name: 'web.1', image: 'img:1', labels: { a: 'b' } };
const messages = ['plain ascii', 'é and 🎉 in UTF-8', '', 'x'.repeat(5000), 'needs "escapes" \\ \n', 'last one'];
const records = (): LogRecord[] =>
  messages.map((message, i) => ({
    kind: 'log',
    id: `byte-log-${i}0000`,
    time: `2026-01-01T00:00:0${i}.5Z`,
    node,
    container,
    stream: i % 2 ? 'stderr' : 'stdout',
    message,
    origin: { source: 'json-file', file: '/f', offset: i * 100 },
  }));

function decode(bytes: Buffer, messagesAsBytes: boolean): WireRecord[] {
  const d = decodeLinesV2(bytes, { messagesAsBytes });
  if ('reason' in d) throw new Error(d.reason);
  return d.records;
}

test('decoded with messages left as bytes, a batch gives the same records and the same JSON as decoded to strings', (t) => {
  const bytes = encodeLinesV2(records());
  const strings = decode(bytes, false);
  const lazy = decode(bytes, true);
  t.deepEqual(strings, records());
  t.is(lazy.length, strings.length);
  for (let i = 0; i < lazy.length; i++) {
    const r = lazy[i]! as LogRecord;
    // A message JSON has to unescape is read the old way; every other one stays as bytes.
    t.is(r instanceof ByteLog, !messages[i]!.includes('"'), messages[i]);
    if (r instanceof ByteLog) t.is(r.messageBytes, Buffer.byteLength(messages[i]!), 'its length without a string');
    t.is(JSON.stringify(r), JSON.stringify(strings[i]), 'serialised alike, field order and all');
    t.deepEqual({ ...r, message: r.message }, strings[i]);
  }
});

test('a message once read no longer depends on the batch: its buffer can be reused', (t) => {
  const bytes = encodeLinesV2(records());
  const lazy = decode(bytes, true).filter((r): r is ByteLog => r instanceof ByteLog);
  t.is(lazy.length, 5);
  t.true(
    lazy.every((r) => r.batch === bytes.buffer),
    'each keeps its batch alive until read',
  );
  const [read, ...rest] = lazy;
  t.is(read!.message, messages[0]!);
  t.is(read!.batch, undefined, 'read, it lets go');
  bytes.fill(0x21);
  t.is(read!.message, messages[0]!);
  t.is(read!.messageBytes, Buffer.byteLength(messages[0]!));
  t.not(rest[0]!.message, messages[1], 'one not read yet reads what its batch now holds');
});
