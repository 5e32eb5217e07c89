// The tailer on a container without max-size: the engine never rotates its log, so no generation
// can have been deleted before a look, whatever the look saw. A look the pinning code could not take
// cleanly (a listing torn by a failed open, 4 attempts in a row) is made up here: the real scan
// cannot be made to fail on demand. Its first line must still ship unflagged and nothing be counted.
import test from 'ava';
import { closeSync, openSync, writeFileSync, fstatSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointStore } from '../../../../collector/sources/container-logs/checkpoint-store.ts';
import { fileKey, type Snapshot } from '../../../../collector/sources/container-logs/generation-scan.ts';
import { JsonFileTailer, type GenerationPins } from '../../../../collector/sources/container-logs/json-file-tailer.ts';
import type { Message } from '../../../../collector/sources/container-logs/message-assembler.ts';

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
