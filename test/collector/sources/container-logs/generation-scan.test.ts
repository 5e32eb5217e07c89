// File identity across inode reuse: ext4 gives a deleted file's inode to the next new file, and the
// key a look, a checkpoint or an acknowledgement names a generation by must not then name the new one.
import test from 'ava';
import { closeSync, openSync, statSync, unlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileKey } from '../../../../collector/sources/container-logs/generation-scan.ts';

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
