// Property test of the json-file path's text handling: any message the engine wrote (its JSON
// encoding, with Go's escapes of < > & U+2028 U+2029 or without) read from the file bytes, joined,
// built into a record, batch-encoded, decoded and made an Elasticsearch document is exactly the
// message written, whether the collector found it free of escapes (quoted as it is) or not, and
// whether the document copies the message's JSON text from the batch or serialises the string. And a
// damaged file's entry (its text written raw, control characters and all, which the engine never
// does) still makes a batch the aggregator decodes, with the text as the file has it.
import test from 'ava';
import fc from 'fast-check';
import { containerMeta } from '../../collector/sources/container-logs/container-metadata.ts';
import { scanEntries } from '../../collector/sources/container-logs/json-file-entries.ts';
import { LogRecordBuilder } from '../../collector/sources/container-logs/log-record.ts';
import { MessageAssembler, type Message } from '../../collector/sources/container-logs/message-assembler.ts';
import { docText, type BulkItem } from '../../aggregator/sinks/elasticsearch/bulk-writer.ts';
import { bulkItems } from '../../aggregator/sinks/elasticsearch/sink.ts';
import { createLogger } from '../../common/logger.ts';
import { isEscapeFree } from '../../common/escape-free.ts';
import type { LogRecord } from '../../common/schema/index.ts';
import { decodeLinesV2 } from '../../common/wire-v2.ts';
import { BatchEncoderV2 } from '../../common/wire-v2-encoder.ts';

const log = createLogger({ name: 'test', level: 'silent' });
const meta = containerMeta(
  'd'.repeat(64),
  { name: 'web', image: 'nginx', tty: false },
  {},
  { maxMessageBytes: 1 << 20, multilineMaxLines: 50, multilineFlushMs: 2000, selector: undefined, log },
);
const TIME = '2026-01-01T00:00:00.000000001Z';

/** Go's encoding/json also escapes these (HTML safety); JSON.stringify does not. */
const goJson = (s: string) =>
  JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const message = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.stringMatching(/^[ -~]{0,80}$/),
  fc
    .array(fc.constantFrom('a', ' ', '"', '\\', '\t', '\u0001', '<', '&', 'é', '🎉', '\u2028', '\n'), { maxLength: 40 })
    .map((a) => a.join('')),
  // Long (checked a word at a time): mostly plain, now and then an escape.
  fc
    .tuple(fc.stringMatching(/^[ !#-[\]-~]{250,400}$/), fc.constantFrom('', '"', '\\', '\t', 'é', '🎉', '\u2028', '<'))
    .map(([s, c]) => s + c),
  // Long, with a control character inside: escaped by the engine, raw in a damaged file.
  fc
    .tuple(
      fc.stringMatching(/^[ !#-[\]-~]{250,400}$/),
      fc.constantFrom('\u0000', '\u0001', '\u001f', '\t'),
      fc.nat(400),
    )
    .map(([s, c, at]) => s.slice(0, at) + c + s.slice(at)),
);

/**
 * An entry as the engine writes it (JSON, or Go's JSON), or with its text raw as a damaged file can
 * hold it (for a text without quote, backslash or newline whose UTF-8 decodes back to it).
 */
function entryOf(m: string, how: 'json' | 'go' | 'raw'): string {
  const raw = how === 'raw' && !/["\\\n]/.test(m) && Buffer.from(m).toString() === m;
  const text = raw ? `"${m}\\n"` : (how === 'go' ? goJson : JSON.stringify)(m + '\n');
  return `{"log":${text},"stream":"stdout","time":"${TIME}"}\n`;
}

test('messages read from json-file bytes decode from a version 2 batch exactly as written', (t) => {
  let escapeFree = 0;
  let built = 0;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(message, fc.constantFrom('json', 'go', 'raw')), { minLength: 1, maxLength: 20 }),
      (lines) => {
        const file = lines.map(([m, how]) => entryOf(m, how)).join('');
        const bytes = Buffer.from(file);
        const assembler = new MessageAssembler({ maxMessageBytes: 1 << 20 });
        const messages: Message[] = [];
        const r = scanEntries(bytes, bytes.length, 0, 'f1', (p) => assembler.push(p, messages));
        if (r.bad !== 0 || messages.length !== lines.length) return false;
        escapeFree += messages.filter((m) => m.escapeFree).length;
        const builder = new LogRecordBuilder(() => ({ id: 'node1', hostname: 'h1' }), { truncated: 0, jsonErrors: 0 });
        // Each record encoded as soon as it is built, as the collector does (the mark is the last record built).
        const encoder = new BatchEncoderV2();
        for (const m of messages) {
          const r = builder.fromFile(meta, m, { identity: () => '8:1', idScheme: () => 'ordered' });
          if (isEscapeFree(r)) built++;
          encoder.add(r);
        }
        const decoded = decodeLinesV2(encoder.finish());
        if ('reason' in decoded) return false;
        const v1 = decoded
          .v1()
          .toString()
          .trimEnd()
          .split('\n')
          .map((l) => (JSON.parse(l) as LogRecord).message);
        const doc = (x: BulkItem) => (JSON.parse(docText(x)) as LogRecord).message;
        const copied = bulkItems('p', decoded.records, decoded.messages).map(doc);
        const serialised = bulkItems('p', decoded.records).map(doc);
        const want = JSON.stringify(lines.map(([m]) => m));
        return (
          JSON.stringify(decoded.records.map((x) => (x as LogRecord).message)) === want &&
          JSON.stringify(v1) === want &&
          JSON.stringify(copied) === want &&
          JSON.stringify(serialised) === want
        );
      },
    ),
    { numRuns: 500 },
  );
  t.true(escapeFree > 0, 'some messages were read free of escapes');
  t.true(built > 0, 'some were quoted as they are');
});
