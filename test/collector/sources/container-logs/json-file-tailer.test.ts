// The tailer on a container without max-size: the engine never rotates its log, so no generation
// can have been deleted before a look, whatever the look saw. A look the pinning code could not take
// cleanly (a listing torn by a failed open, 4 attempts in a row) is made up here: the real scan
// cannot be made to fail on demand. Its first line must still ship unflagged and nothing be counted.
// And a file an older collector had read (its store without the ids mark) keeps that collector's ids.
import test from 'ava';
import { closeSync, openSync, writeFileSync, fstatSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointStore } from '../../../../collector/sources/container-logs/checkpoint-store.ts';
import { fileKey, type Snapshot } from '../../../../collector/sources/container-logs/generation-scan.ts';
import { JsonFileTailer, type GenerationPins } from '../../../../collector/sources/container-logs/json-file-tailer.ts';
import type { Message } from '../../../../collector/sources/container-logs/message-assembler.ts';
import { containerMeta } from '../../../../collector/sources/container-logs/container-metadata.ts';
import { fingerprintOf } from '../../../../collector/sources/container-logs/log-files.ts';
import { LogRecordBuilder } from '../../../../collector/sources/container-logs/log-record.ts';
import { createLogger } from '../../../../common/logger.ts';
import { prefixedIds, recordId } from '../../../../common/record-id.ts';

const ID = 'd'.repeat(64);
const BASE = `${ID}-json.log`;

/** Pins that hand the tailer one look of the live file, consistent or not as the test says. */
function pinsWithOneLook(dir: string, consistent: boolean): { pins: GenerationPins; close: () => void } {
  const fd = openSync(join(dir, BASE), 'r');
  const key = fileKey(fstatSync(fd, { bigint: true }));
  let looks: Snapshot[] = [
    { positions: [{ n: 0, keys: [key] }], consistent, pins: [{ key, fd, name: BASE }], disturbed: [] },
  ];
  const pins: GenerationPins = {
    takeLooks: () => {
      const l = looks;
      looks = [];
      return l;
    },
    heldFd: (_dir, k) => (k === key ? fd : undefined),
    unpin: () => undefined,
    lookAndWait: () => Promise.resolve(),
  };
  return { pins, close: () => closeSync(fd) };
}

/** A tailer of the container without max-size in `dir`, opened, and what its first step read. */
async function readOnce(
  dir: string,
  store: CheckpointStore,
  pins: GenerationPins,
): Promise<{ tailer: JsonFileTailer; messages: Message[] }> {
  const tailer = new JsonFileTailer({
    id: ID,
    dir,
    store,
    assembler: { maxMessageBytes: 1 << 20 },
    pins,
    maxFiles: Number.POSITIVE_INFINITY,
    compress: false,
  });
  await tailer.open();
  const messages: Message[] = [];
  await tailer.step({ b: Buffer.allocUnsafe(4096) }, messages);
  return { tailer, messages };
}

for (const consistent of [true, false])
  test(`no max-size: the first line ships unflagged after a ${consistent ? 'consistent' : 'torn'} first look`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'tailer-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const time = '2026-11-30T08:00:00.000000001Z';
    writeFileSync(
      join(dir, BASE),
      `${JSON.stringify({ log: 'first\n', stream: 'stdout', time })}\n${JSON.stringify({ log: 'second\n', stream: 'stdout', time })}\n`,
    );
    const { pins, close } = pinsWithOneLook(dir, consistent);
    t.teardown(close);
    const store = new CheckpointStore(join(dir, 'checkpoints.json'), { delayMs: 2 ** 31 - 1 });
    const { tailer, messages } = await readOnce(dir, store, pins);
    t.deepEqual(
      messages.map((m) => [m.text, m.partialLost ?? false]),
      [
        ['first', false],
        ['second', false],
      ],
    );
    t.deepEqual(tailer.losses, { partialLostLines: 0, unprovenBoundaries: 0, lostGenerations: 0, lostBytes: 0 });
    await tailer.close();
  });

test("a file an older collector had read goes on under that collector's ids; a file new to this run under ordered ones", async (t) => {
  const time = '2026-11-30T08:00:00.000000001Z';
  const entries = ['first\n', 'second\n', 'third\n'].map(
    (log) => `${JSON.stringify({ log, stream: 'stdout', time })}\n`,
  );
  const meta = containerMeta(
    ID,
    { name: 'web', image: 'nginx', tty: false },
    {},
    {
      maxMessageBytes: 1 << 20,
      multilineMaxLines: 50,
      multilineFlushMs: 2000,
      selector: undefined,
      log: createLogger({ name: 'test', level: 'silent' }),
    },
  );
  const builder = new LogRecordBuilder(() => ({ id: 'node1', hostname: 'h1' }), { truncated: 0, jsonErrors: 0 });
  /** The records of what a tailer reads of a fresh copy of the file, under `checkpoints` as a store file. */
  const read = async (checkpoints: (key: string) => object | undefined) => {
    const dir = await mkdtemp(join(tmpdir(), 'tailer-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, BASE), entries.join(''));
    const { pins, close } = pinsWithOneLook(dir, true);
    t.teardown(close);
    const key = fileKey(statSync(join(dir, BASE), { bigint: true }));
    const stored = checkpoints(key);
    if (stored) writeFileSync(join(dir, 'checkpoints.json'), JSON.stringify(stored));
    const store = new CheckpointStore(join(dir, 'checkpoints.json'), { delayMs: 2 ** 31 - 1 });
    await store.load();
    const { tailer, messages } = await readOnce(dir, store, pins);
    await tailer.close();
    return messages.map((m) => ({
      m,
      id: builder.fromFile(meta, m, tailer).id,
      file: tailer.identity(m.file, m.offset),
    }));
  };
  // What such a collector left: version 1, no `ids` mark, the file acknowledged up to its second line.
  const fingerprint = fingerprintOf(Buffer.from(entries[0]!), entries[0]!.length);
  const older = await read((key) => ({
    version: 1,
    files: { [key]: { container: ID, offset: entries[0]!.length, done: false, fingerprint, updatedAt: 1 } },
    api: {},
  }));
  t.deepEqual(
    older.map((r) => r.m.text),
    ['second', 'third'],
  );
  for (const r of older) t.is(r.id, recordId('node1', 'log', ID, r.file, r.m.offset), r.m.text);
  const fresh = await read(() => undefined);
  t.is(fresh.length, 3);
  for (const r of fresh) t.is(r.id, prefixedIds(['node1', 'log', ID, r.file], 'ordered').of(r.m.offset), r.m.text);
});
