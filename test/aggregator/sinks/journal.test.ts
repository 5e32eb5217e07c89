// The local journal on a real file system: each batch is written as it was received (frames), read
// back as the records it carried; a frame cut short by a crash ends a segment's reading and is
// reported; a full disk leaves no frame cut short behind; journals of version 1 lines from before
// frames are still replayed, oldest first.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { LogRecord, WireRecord } from '../../../common/schema/index.ts';
import { encodeBatch, encodeBatchV2 } from '../../../common/wire.ts';
import { JournalSink } from '../../../aggregator/sinks/journal/journal.ts';
import { SinkUnavailable } from '../../../aggregator/sinks/sink.ts';
import { readSegment } from '../../../aggregator/sinks/journal/journal-segments.ts';
import { replayJournal } from '../../../aggregator/sinks/journal/replay.ts';
import { recordId } from '../../../common/record-id.ts';

const node = { id: 'node1', hostname: 'host-1' };
const container = {
  id: 'c'.repeat(64),
  name: 'web.1',
  image: 'nginx',
  labels: { 'com.docker.swarm.service.name': 'web' },
};

function logs(tag: string, n: number, bytes = 40): LogRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'log',
    id: recordId(tag, i),
    time: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000000001Z`,
    node,
    container,
    stream: 'stdout',
    message: `${tag} ${i} ${'x'.repeat(bytes)}`,
    origin: { source: 'json-file', file: 'gen-1', offset: i * 100 },
  }));
}

const inventory = (tag: string): WireRecord => ({
  kind: 'inventory',
  id: recordId(tag, 'inv'),
  time: '2026-01-01T00:00:00.000Z',
  node,
  intervalMs: 1000,
  containerIds: [],
});

/** Version 1 lines, as a collector of version 1 sends them before gzip. */
const v1Lines = (records: readonly WireRecord[]) => Buffer.from(records.map((r) => JSON.stringify(r) + '\n').join(''));

async function journalIn(dir: string): Promise<JournalSink> {
  const j = new JournalSink({ dir, maxBytes: 1 << 30 });
  await j.start();
  return j;
}

async function recordsOf(path: string): Promise<{ records: WireRecord[]; torn: string[]; invalid: number }> {
  const out = { records: [] as WireRecord[], torn: [] as string[], invalid: 0 };
  for await (const c of readSegment(path)) {
    out.records.push(...c.records);
    out.invalid += c.invalid;
    if (c.torn) out.torn.push(c.torn);
  }
  return out;
}

async function segments(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort().map((n) => join(dir, n));
}

test('each batch is held as it came (gzip or zstd version 2, plain version 1, or records alone) and read back as its records', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-journal-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const j = await journalIn(dir);
  const a = [...logs('a', 50), inventory('a')];
  const b = logs('b', 20);
  const c = [inventory('c')];
  const d = logs('d', 30);
  const v2 = await encodeBatchV2(a);
  const zst = await encodeBatchV2(d, 'zstd');
  await j.write(a, 'a', { body: v2, compression: 'gzip' });
  await j.write(b, 'b', { body: v1Lines(b), compression: undefined });
  await j.write(c, 'c');
  await j.write(d, 'd', { body: zst, compression: 'zstd' });
  await j.close();
  const [segment, ...more] = await segments(dir);
  t.deepEqual(more, [], 'one segment');
  t.regex(segment!, /journal-000000000001\.frames$/);
  t.is((await stat(segment!)).size, j.usedBytes(), 'the bound counts what is on disk');
  t.is(
    j.usedBytes(),
    4 * 17 + v2.length + v1Lines(b).length + v1Lines(c).length + zst.length,
    'each body as it came, not re-encoded',
  );
  const back = await recordsOf(segment!);
  t.deepEqual(back.records, [...a, ...b, ...c, ...d]);
  t.deepEqual(back.torn, []);
  const logFrames: number[] = [];
  for await (const ch of readSegment(segment!, { logsOnly: true })) logFrames.push(ch.records.length);
  t.deepEqual(logFrames, [51, 20, 30], 'a frame without log records is skipped by its header');
  const newest: string[] = [];
  for await (const ch of readSegment(segment!, { newestFirst: true })) newest.push(ch.records[0]!.id);
  t.deepEqual(newest, [d[0]!.id, c[0]!.id, b[0]!.id, a[0]!.id]);
});

test('a frame cut short by a crash ends the reading of its segment, is reported, and the journal goes on in a new segment', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-journal-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const j = await journalIn(dir);
  const batches = [logs('p', 10), logs('q', 10), logs('r', 10)];
  for (const [i, b] of batches.entries()) await j.write(b, String(i), { body: encodeBatch(b), compression: 'gzip' });
  await j.close();
  const [first] = await segments(dir);
  // What a crash between the write and its fsync can leave: the last frame without its end.
  await truncate(first!, (await stat(first!)).size - 7);
  const back = await recordsOf(first!);
  t.deepEqual(back.records, [...batches[0]!, ...batches[1]!]);
  t.is(back.torn.length, 1);
  t.regex(back.torn[0]!, /cut short/);

  const again = await journalIn(dir);
  const s = logs('s', 5);
  await again.write(s, 's', { body: encodeBatch(s), compression: 'gzip' });
  await again.close();
  const names = await segments(dir);
  t.is(names.length, 2, 'a restarted journal never appends after a cut frame');

  const target = await journalIn(await mkdtemp(join(tmpdir(), 'swarmscope-journal-target-')));
  const result = await replayJournal(dir, target);
  await target.close();
  t.is(result.records, 25);
  t.is(result.segments, 2);
  t.is(result.torn.length, 1);
  t.regex(result.torn[0]!, /^journal-000000000001\.frames: frame at byte \d+ cut short/);
  t.deepEqual((await recordsOf((await segments(target.dir))[0]!)).records, [...batches[0]!, ...batches[1]!, ...s]);
});

test('journals of version 1 lines from before frames are replayed first, their bad lines counted', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-journal-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const old = logs('old', 30);
  await writeFile(
    join(dir, 'journal-000000000001.ndjson'),
    old.map((r) => JSON.stringify(r)).join('\n') + '\nnot json\n{"kind":"log"}\n',
  );
  const j = await journalIn(dir);
  const fresh = logs('new', 5);
  await j.write(fresh, 'new', { body: await encodeBatchV2(fresh), compression: 'gzip' });
  await j.close();
  t.deepEqual(
    (await readdir(dir)).sort(),
    ['journal-000000000001.ndjson', 'journal-000000000002.frames'],
    'the sequence goes on after the old segments',
  );
  const target = await journalIn(await mkdtemp(join(tmpdir(), 'swarmscope-journal-target-')));
  const result = await replayJournal(dir, target);
  await target.close();
  t.like(result, { records: 35, invalid: 2, segments: 2, torn: [] });
  t.deepEqual((await recordsOf((await segments(target.dir))[0]!)).records, [...old, ...fresh]);
  t.deepEqual(await readdir(dir), [], 'replayed segments are removed');
});

test('a replay leaves the segment a running journal appends to; a segment a crash left open is completed at the next start', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-journal-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const j = await journalIn(dir);
  const first = logs('open1', 10);
  await j.write(first, '1', { body: encodeBatch(first), compression: 'gzip' });
  t.deepEqual(await readdir(dir), ['journal-000000000001.frames.open']);
  const target = await journalIn(await mkdtemp(join(tmpdir(), 'swarmscope-journal-target-')));
  const during = await replayJournal(dir, target);
  t.like(during, { records: 0, segments: 0, open: ['journal-000000000001.frames.open'] });
  // Written after the replay looked: still there, not taken with a deleted segment.
  const second = logs('open2', 10);
  await j.write(second, '2', { body: encodeBatch(second), compression: 'gzip' });
  await j.close();
  t.deepEqual(await readdir(dir), ['journal-000000000001.frames']);
  const after = await replayJournal(dir, target);
  t.like(after, { records: 20, segments: 1, open: [] });

  // A journal that never closed (SIGKILL): its segment keeps `.open` until the next start completes it.
  const crashed = await journalIn(dir);
  const third = logs('open3', 5);
  await crashed.write(third, '3', { body: encodeBatch(third), compression: 'gzip' });
  t.deepEqual(await readdir(dir), ['journal-000000000001.frames.open'], 'numbered from 1 again once replayed');
  const restarted = await journalIn(dir);
  t.deepEqual(await readdir(dir), ['journal-000000000001.frames']);
  const fourth = logs('open4', 5);
  await restarted.write(fourth, '4', { body: encodeBatch(fourth), compression: 'gzip' });
  await restarted.close();
  const last = await replayJournal(dir, target);
  await target.close();
  t.like(last, { records: 10, segments: 2, open: [] });
  t.deepEqual((await recordsOf((await segments(target.dir))[0]!)).records, [...first, ...second, ...third, ...fourth]);
});

test('a full disk refuses the batch for retry (503) and leaves no frame cut short: every frame before it reads back whole', async (t) => {
  if (process.getuid?.() !== 0) return t.pass('needs root to mount a small tmpfs');
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-journal-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
  t.teardown(async () => {
    execFileSync('umount', ['-l', dir]);
    await rm(dir, { recursive: true, force: true });
  });
  const j = await journalIn(dir);
  const held: WireRecord[] = [];
  let failure: unknown;
  // Incompressible bodies of ~6 KB: about ten fit, the last one partly.
  for (let i = 0; i < 40 && !failure; i++) {
    const b = logs(`full${i}`, 3, 2000).map((r) => ({ ...r, message: r.message.replace(/x+/, randomText(2000)) }));
    try {
      await j.write(b, String(i), { body: gzipSync(v1Lines(b), { level: 0 }), compression: 'gzip' });
      held.push(...b);
    } catch (err) {
      failure = err;
    }
  }
  t.true(failure instanceof SinkUnavailable, String(failure));
  t.regex((failure as Error).message, /disk is full/);
  await j.close();
  const [segment] = await segments(dir);
  t.is((await stat(segment!)).size, j.usedBytes(), 'cut back to its last whole frame');
  const back = await recordsOf(segment!);
  t.deepEqual(back.torn, []);
  t.is(back.records.length, held.length);
  t.deepEqual(back.records, held);
});

function randomText(n: number): string {
  let s = '';
  while (s.length < n) s += Math.random().toString(36).slice(2);
  return s.slice(0, n);
}
