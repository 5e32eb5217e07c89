// Per-container block I/O counters on cgroup v1 hosts. With blk-mq schedulers the v1 blkio
// controller counts a cgroup's I/O (blkio.throttle.io_service_bytes) only on devices where
// blk-throttle is active, i.e. some cgroup has a throttle rule for that device; otherwise every
// container reads 0 bytes (cAdvisor shows the same). One empty cgroup of ours holds a read limit
// of 1 PiB/s per disk, which throttles nothing and turns the counting on. cgroup v2 (io.stat)
// always counts: nothing to do there.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const BLKIO = '/sys/fs/cgroup/blkio';
const GROUP = join(BLKIO, 'swarmscope-test-io-accounting');
const UNLIMITED_BPS = 2 ** 50;

/** Returns the devices (major:minor) accounting was turned on for; [] where none is needed or possible. */
export async function ensureBlockIoAccounting(): Promise<string[]> {
  if (!existsSync(join(BLKIO, 'blkio.throttle.read_bps_device'))) return [];
  await mkdir(GROUP, { recursive: true });
  const rules = join(GROUP, 'blkio.throttle.read_bps_device');
  const have = await readFile(rules, 'utf8');
  const devices: string[] = [];
  for (const name of await readdir('/sys/block')) {
    // Whole disks only: loop, RAM and compressed-RAM devices back no container's files here.
    if (/^(loop|ram|zram)/.test(name)) continue;
    const dev = (await readFile(join('/sys/block', name, 'dev'), 'utf8')).trim();
    devices.push(dev);
    if (!have.includes(`${dev} `)) await writeFile(rules, `${dev} ${UNLIMITED_BPS}\n`);
  }
  return devices;
}
