// File identity across inode reuse: ext4 gives a deleted file's inode to the next new file, and the
// key a look, a checkpoint or an acknowledgement names a generation by must not then name the new one.
import test from 'ava';
import { closeSync, openSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileKey, scanGenerations } from '../../../../collector/sources/container-logs/generation-scan.ts';

test('a new file given a deleted generation’s inode has another key', async (t) => {
  const dir = await mkdtemp(join(process.env.SWARMSCOPE_MODEL_DIR ?? tmpdir(), 'swarmscope-key-'));
  try {
    const path = join(dir, 'x-json.log');
    closeSync(openSync(path, 'w'));
    const old = statSync(path, { bigint: true });
    unlinkSync(path);
    let reused = false;
    for (let i = 0; i < 20 && !reused; i++) {
      const name = join(dir, `x-json.log.${i}`);
      closeSync(openSync(name, 'w'));
      const st = statSync(name, { bigint: true });
      if (st.ino !== old.ino) continue;
      reused = true;
      t.not(fileKey(st), fileKey(old));
    }
    if (!reused) t.log('this file system did not reuse the inode: nothing to tell apart');
    t.pass();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a listing with a name gone when opened is not consistent', async (t) => {
  // CI, paced row: a look in the middle of a rotation (the oldest deleted, `.1` renamed to `.2`, the
  // live file not renamed yet) found `.2` and `.1` gone when it opened them and listed the live file
  // alone as consistent. Here `.1` is a name that cannot be opened.
  const dir = await mkdtemp(join(process.env.SWARMSCOPE_MODEL_DIR ?? tmpdir(), 'swarmscope-scan-'));
  const pinned = new Map<string, number>();
  try {
    closeSync(openSync(join(dir, 'x-json.log'), 'w'));
    symlinkSync(join(dir, 'gone'), join(dir, 'x-json.log.1'));
    const s = scanGenerations(dir, 'x-json.log', pinned);
    t.deepEqual(
      s.positions.map((p) => p.n),
      [0],
    );
    t.false(s.consistent);
  } finally {
    for (const fd of pinned.values()) closeSync(fd);
    await rm(dir, { recursive: true, force: true });
  }
});
