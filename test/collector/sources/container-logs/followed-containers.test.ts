// Which containers are followed, on a containers directory of fixtures: a list the inventory took
// before a container was created (it does not name it) does not make a followed container removed
// while its directory is there; once the directory is gone, it does.
import test from 'ava';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DockerApi } from '../../../../collector/docker-api.ts';
import { CheckpointStore } from '../../../../collector/sources/container-logs/checkpoint-store.ts';
import { FollowedContainers } from '../../../../collector/sources/container-logs/followed-containers.ts';
import { createLogger } from '../../../../common/logger.ts';

const ID = 'e'.repeat(64);

test('a list taken before a container was created does not make it removed; its directory gone does', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'swarmscope-followed-'));
  const containersDir = join(root, 'containers');
  const dir = join(containersDir, ID);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'config.v2.json'),
    JSON.stringify({ Name: '/w', State: { Running: true }, Config: { Image: 'i', Labels: {} } }),
  );
  writeFileSync(
    join(dir, 'hostconfig.json'),
    JSON.stringify({ LogConfig: { Type: 'json-file', Config: { 'max-size': '64k', 'max-file': '3' } } }),
  );
  writeFileSync(join(dir, `${ID}-json.log`), `${JSON.stringify({ log: 'a\n', stream: 'stdout', time: 't' })}\n`);
  const store = new CheckpointStore(join(root, 'checkpoints.json'));
  await store.load();
  const followed = new FollowedContainers({
    api: {} as DockerApi, // asked nothing here: no event, no API-read container
    containersDir,
    store,
    counts: { readErrors: 0, unwatched: 0 },
    rescanIntervalMs: 60_000,
    isClosed: () => false,
    readSoon: () => undefined,
    shipApiStep: () => Promise.resolve(),
    maxMessageBytes: 1 << 20,
    multilineMaxLines: 50,
    multilineFlushMs: 2000,
    selector: undefined,
    log: createLogger({ name: 'test', level: 'silent' }),
  });
  try {
    await followed.start();
    await followed.followIfNew(ID);
    const tailer = followed.fileFollow(ID)?.tailer;
    t.truthy(tailer);
    await followed.reconcile([]);
    t.false(tailer!.removed, 'created after the list was taken: still followed as running');
    rmSync(dir, { recursive: true });
    await followed.reconcile([]);
    t.true(tailer!.removed);
  } finally {
    await followed.close();
    await store.close();
    await rm(root, { recursive: true, force: true });
  }
});
