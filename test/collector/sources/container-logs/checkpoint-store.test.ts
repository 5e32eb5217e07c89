// The log source's checkpoint store on a real directory: positions written by temp file + rename,
// a torn temp file from a crash ignored on load, positions that only move forward, an older
// collector's files marked as named by its ids.
import test from 'ava';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointStore } from '../../../../collector/sources/container-logs/checkpoint-store.ts';

async function freshPath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'swarmscope-ckpt-')), 'checkpoints', 'logs.json');
}

test('a position written and flushed is what the next run loads; no temp file is left behind', async (t) => {
  const path = await freshPath();
  const s = new CheckpointStore(path);
  await s.load();
  s.advanceFile('8:123', 'c1', 4096, { fingerprint: 'abc' });
  s.advanceApiCursor('c2', { time: '2026-01-01T00:00:00.000000001Z', count: 2 });
  await s.close();
  t.deepEqual(await readdir(join(path, '..')), ['logs.json']);
  const again = new CheckpointStore(path);
  await again.load();
  t.like(again.fileCheckpoint('8:123'), { container: 'c1', offset: 4096, done: false, fingerprint: 'abc' });
  t.like(again.apiCursor('c2'), { time: '2026-01-01T00:00:00.000000001Z', count: 2 });
  t.deepEqual(again.fileByFingerprint('abc')?.[0], '8:123');
});

test('a torn temp file left by a crash mid-write is ignored: the last complete state loads', async (t) => {
  const path = await freshPath();
  const s = new CheckpointStore(path);
  await s.load();
  s.advanceFile('8:1', 'c', 100);
  await s.close();
  const complete = await readFile(path, 'utf8');
  // The crash: the next state's temp file half written, never renamed.
  await writeFile(`${path}.tmp`, complete.slice(0, Math.floor(complete.length / 2)).replace('100', '999'));
  const after = new CheckpointStore(path);
  await after.load();
  t.is(after.fileCheckpoint('8:1')?.offset, 100);
  // And the next write replaces the torn temp file rather than appending to it.
  after.advanceFile('8:1', 'c', 200);
  await after.close();
  t.is(JSON.parse(await readFile(path, 'utf8')).files['8:1'].offset, 200);
});

test('a missing file is a fresh start; a corrupt checkpoint file is an error, not silently reset', async (t) => {
  const path = await freshPath();
  const s = new CheckpointStore(path);
  await s.load();
  t.deepEqual(s.fileCheckpoints(), []);
  await writeFile(path, '{"version":1,"files":{');
  await t.throwsAsync(new CheckpointStore(path).load(), { instanceOf: SyntaxError });
});

test('positions only move forward; done and the fingerprint, once set, stay', async (t) => {
  const s = new CheckpointStore(await freshPath());
  await s.load();
  s.advanceFile('k', 'c', 500);
  s.advanceFile('k', 'c', 300);
  t.is(s.fileCheckpoint('k')?.offset, 500);
  s.advanceFile('k', 'c', 400, { done: true, fingerprint: 'fp' });
  t.like(s.fileCheckpoint('k'), { offset: 500, done: true, fingerprint: 'fp' });
  s.advanceFile('k', 'c', 600);
  t.like(s.fileCheckpoint('k'), { offset: 600, done: true, fingerprint: 'fp' });
  s.advanceApiCursor('c', { time: 'b', count: 1 });
  s.advanceApiCursor('c', { time: 'a', count: 9 });
  s.advanceApiCursor('c', { time: 'b', count: 0 });
  t.like(s.apiCursor('c'), { time: 'b', count: 1 });
  await s.close();
});

test('writes are coalesced: many advances within the delay make one write', async (t) => {
  const s = new CheckpointStore(await freshPath(), { delayMs: 50 });
  await s.load();
  for (let i = 1; i <= 100; i++) s.advanceFile('k', 'c', i);
  await s.close();
  t.is(s.writes, 1);
});

test("an older collector's files keep its SHA-256 ids through later runs; files read since do not", async (t) => {
  const path = await freshPath();
  const s = new CheckpointStore(path);
  await s.load();
  // What a collector before ordered ids left: version 1, no `ids` mark.
  await s.close();
  const older = { version: 1, files: { '8:1': { container: 'c', offset: 100, done: false, updatedAt: 1 } }, api: {} };
  await writeFile(path, JSON.stringify(older));
  const upgraded = new CheckpointStore(path);
  await upgraded.load();
  t.true(upgraded.fileCheckpoint('8:1')?.sha256Ids);
  upgraded.advanceFile('8:1', 'c', 200, { done: true, size: 200 });
  upgraded.advanceFile('8:2', 'c', 50);
  t.true(upgraded.fileCheckpoint('8:1')?.sha256Ids, 'kept as the file moves on');
  t.is(upgraded.fileCheckpoint('8:2')?.sha256Ids, undefined);
  await upgraded.close();
  const next = new CheckpointStore(path);
  await next.load();
  t.like(next.fileCheckpoint('8:1'), { offset: 200, done: true, sha256Ids: true });
  t.is(next.fileCheckpoint('8:2')?.sha256Ids, undefined, "this collector's store: its own files stay ordered");
  t.is((JSON.parse(await readFile(path, 'utf8')) as { version: number }).version, 1, 'still readable by an older one');
});
