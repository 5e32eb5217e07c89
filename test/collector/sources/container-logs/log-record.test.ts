// Building records on message fixtures: the same line always gets the same id (file identity and
// offset, or API time and index), the id changes with the node, and truncation, multiline, losses
// and JSON labels show in the record and the counters.
import test from 'ava';
import { containerMeta } from '../../../../collector/sources/container-logs/container-metadata.ts';
import { LogRecordBuilder, type FileNaming } from '../../../../collector/sources/container-logs/log-record.ts';
import type { Message } from '../../../../collector/sources/container-logs/message-assembler.ts';
import { createLogger } from '../../../../common/logger.ts';
import { prefixedIds, recordId, type IdScheme } from '../../../../common/record-id.ts';

const ID = 'c'.repeat(64);
const log = createLogger({ name: 'test', level: 'silent' });
const metaOpts = { maxMessageBytes: 1024, multilineMaxLines: 50, multilineFlushMs: 2000, selector: undefined, log };
const cfg = { name: 'web', image: 'nginx', tty: false };
const message = (over: Partial<Message> = {}): Message => ({
  stream: 'stdout',
  text: 'hello',
  time: '2026-01-01T00:00:00.000000001Z',
  file: '8:1',
  offset: 0,
  truncated: false,
  originalLength: 5,
  lines: 1,
  ...over,
});

/** A tailer's naming of every file as `identity`, its lines under `scheme`. */
const naming = (identity: string, scheme: IdScheme = 'ordered'): FileNaming => ({
  identity: () => identity,
  idScheme: () => scheme,
});

test('a file line gets the same id whenever it is read again, and another at another offset, file or node', (t) => {
  const counts = { truncated: 0, jsonErrors: 0 };
  const meta = containerMeta(ID, cfg, {}, metaOpts);
  const b = new LogRecordBuilder(() => ({ id: 'node1', hostname: 'h1' }), counts);
  const id = b.fromFile(meta, message(), naming('print-a')).id;
  // The scheme itself is fixed (record-id.ts): a line read again by another collector run gets the same id.
  t.is(id, prefixedIds(['node1', 'log', ID, 'print-a'], 'ordered').of(0));
  t.is(b.fromFile(meta, message(), naming('print-a')).id, id);
  t.not(b.fromFile(meta, message({ offset: 1 }), naming('print-a')).id, id);
  t.not(b.fromFile(meta, message(), naming('print-b')).id, id);
  const other = new LogRecordBuilder(() => ({ id: 'node2', hostname: 'h1' }), counts);
  t.not(other.fromFile(meta, message(), naming('print-a')).id, id);
  t.like(b.fromFile(meta, message(), naming('print-a')), {
    kind: 'log',
    container: { id: ID, name: 'web', image: 'nginx' },
    origin: { source: 'json-file', file: '8:1', offset: 0 },
  });
});

test('a line of a file an older collector had read gets the id that collector gave it', (t) => {
  const meta = containerMeta(ID, cfg, {}, metaOpts);
  const b = new LogRecordBuilder(() => ({ id: 'node1', hostname: 'h1' }), { truncated: 0, jsonErrors: 0 });
  for (const offset of [0, 1234])
    t.is(
      b.fromFile(meta, message({ offset }), naming('print-a', 'sha256')).id,
      recordId('node1', 'log', ID, 'print-a', offset),
    );
  // The same file named the other way in between: each line still under its own file's scheme.
  t.not(b.fromFile(meta, message(), naming('print-a')).id, recordId('node1', 'log', ID, 'print-a', 0));
  t.is(b.fromFile(meta, message(), naming('print-a', 'sha256')).id, recordId('node1', 'log', ID, 'print-a', 0));
});

test('an API line is named by its time and index; a node outside a swarm by its hostname', (t) => {
  const meta = containerMeta(ID, cfg, {}, metaOpts);
  const b = new LogRecordBuilder(() => ({ id: '', hostname: 'h1' }), { truncated: 0, jsonErrors: 0 });
  const r = b.fromApi(meta, { ...message(), index: 0 });
  t.deepEqual(r.origin, { source: 'api' });
  t.is(b.fromApi(meta, { ...message(), index: 0 }).id, r.id);
  t.not(b.fromApi(meta, { ...message(), index: 1 }).id, r.id);
});

test('truncation, multiline, partial_lost and JSON labels show in the record, and bad JSON is counted', (t) => {
  const counts = { truncated: 0, jsonErrors: 0 };
  const meta = containerMeta(ID, cfg, { 'swarmscope.json': 'true' }, metaOpts);
  const b = new LogRecordBuilder(() => ({ id: 'n', hostname: 'h' }), counts);
  const r = b.fromFile(
    meta,
    message({ truncated: true, originalLength: 9000, lines: 3, partialLost: true }),
    naming('p'),
  );
  t.like(r, { truncated: true, originalLength: 9000, multiline: { lines: 3 }, flags: ['partial_lost'] });
  t.is(counts.truncated, 1);
  t.deepEqual(b.fromFile(meta, message({ text: '{"a":1}' }), naming('p')).json, { a: 1 });
  t.is(b.fromFile(meta, message({ text: '{"a":' }), naming('p')).json, undefined);
  t.is(b.fromFile(meta, message({ text: '[1]' }), naming('p')).json, undefined, 'only objects are decoded');
  t.is(counts.jsonErrors, 1);
});
