// What a container's labels decide for its logs, on label fixtures: opt-out, the selector (`key` or
// `key=value`), the multiline pattern with its line bound, and an invalid pattern (lines not merged);
// and the json-file rotation options read from the container's files.
import test from 'ava';
import { containerMeta, logsWanted } from '../../../../collector/sources/container-logs/container-metadata.ts';
import {
  generationsKept,
  parseByteSize,
  parseContainerFiles,
} from '../../../../collector/sources/container-logs/log-files.ts';
import { createLogger } from '../../../../common/logger.ts';

const ID = 'c'.repeat(64);
const log = createLogger({ name: 'test', level: 'silent' });
const metaOpts = { maxMessageBytes: 1024, multilineMaxLines: 50, multilineFlushMs: 2000, selector: undefined, log };
const cfg = { name: 'web', image: 'nginx', tty: false };

test('labels decide: opt-out, the selector (key or key=value), the multiline pattern and its bound', (t) => {
  t.true(logsWanted({}, undefined));
  t.false(logsWanted({ 'swarmscope.logs': 'false' }, undefined));
  t.true(logsWanted({ team: 'a' }, 'team'));
  t.false(logsWanted({}, 'team'));
  t.true(logsWanted({ team: 'a' }, 'team=a'));
  t.false(logsWanted({ team: 'b' }, 'team=a'));
  const multiline = (maxLines: string) =>
    containerMeta(
      ID,
      cfg,
      { 'swarmscope.multiline.pattern': '^\\S', 'swarmscope.multiline.max_lines': maxLines },
      metaOpts,
    ).assembler.multiline;
  t.like(multiline('7'), { maxLines: 7, flushTimeoutMs: 2000 });
  t.is(multiline('x')?.maxLines, 50, 'an unusable bound falls back to SWARMSCOPE_MULTILINE_MAX_LINES');
  t.is(containerMeta(ID, cfg, { 'swarmscope.multiline.pattern': '(' }, metaOpts).assembler.multiline, undefined);
});

test("json-file's max-file and max-size are read as the engine reads them (binary multiples)", (t) => {
  const files = (logConfig: Record<string, string> | null) =>
    parseContainerFiles({
      config: JSON.stringify({ Name: '/web', State: { Running: true }, Config: { Image: 'nginx' } }),
      hostconfig: JSON.stringify({ LogConfig: { Type: 'json-file', Config: logConfig } }),
    });
  t.like(files({ 'max-size': '64k', 'max-file': '3' }), { maxFiles: 3, maxSize: 64 * 1024 });
  t.like(files({ 'max-size': '1.5m' }), { maxFiles: 1, maxSize: 1.5 * 1024 * 1024 });
  // Engine 20.10 (API 1.41) keeps `.1` with max-file=1; later engines unlink the live file.
  t.is(generationsKept(1, '1.41'), 2);
  t.is(generationsKept(1, '1.43'), 1);
  t.is(generationsKept(1, undefined), 1);
  t.is(generationsKept(3, '1.41'), 3);
  t.is(parseByteSize('10MiB'), 10 * 1024 * 1024);
  t.is(parseByteSize('2 GB'), 2 * 1024 ** 3);
  t.is(parseByteSize('100'), 100);
  t.is(parseByteSize('lots'), undefined);
  const none = files(null);
  t.is(none?.maxFiles, Number.POSITIVE_INFINITY);
  t.is(none?.maxSize, undefined);
});
