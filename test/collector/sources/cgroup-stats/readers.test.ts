// The v1 and v2 readers over fixture trees in the kernel's exact formats (v2 cannot be switched
// on here; the v1 tree was copied from a live container of the test engine).
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { detectCgroupVersion, locateCgroup } from '../../../../collector/sources/cgroup-stats/locate.ts';
import { FdBudget, KeptFiles } from '../../../../collector/readers/kept-files.ts';
import { readCgroupV1 } from '../../../../collector/sources/cgroup-stats/v1.ts';
import { readCgroupV2 } from '../../../../collector/sources/cgroup-stats/v2.ts';
import {
  parseBlkioV1,
  parseCpuMax,
  parsePsi,
  weightToShares,
} from '../../../../collector/sources/cgroup-stats/parse.ts';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const v2Root = `${fixtures}cgroup-v2`;
const v1Root = `${fixtures}cgroup-v1`;
const LIMITED = 'a'.repeat(64);
const UNLIMITED = 'b'.repeat(64);

function files(max = 100) {
  return new KeptFiles(new FdBudget(max));
}

test('detects v2 by cgroup.controllers at the root, v1 otherwise', async (t) => {
  t.is(await detectCgroupVersion(v2Root), 2);
  t.is(await detectCgroupVersion(v1Root), 1);
});

test('locates v2 containers under the systemd and the cgroupfs layouts', async (t) => {
  t.deepEqual(await locateCgroup(v2Root, 2, LIMITED), {
    version: 2,
    dir: `${v2Root}/system.slice/docker-${LIMITED}.scope`,
  });
  t.deepEqual(await locateCgroup(v2Root, 2, UNLIMITED), { version: 2, dir: `${v2Root}/docker/${UNLIMITED}` });
  t.is(await locateCgroup(v2Root, 2, 'c'.repeat(64)), undefined);
});

test('v2: a limited container gives CPU with throttling, full memory, limits, OOM events, IO per device, pids and PSI', async (t) => {
  const loc = await locateCgroup(v2Root, 2, LIMITED);
  if (loc?.version !== 2) return t.fail('not located');
  const s = readCgroupV2(loc.dir, files().read);
  t.deepEqual(s.cpu, {
    usageSeconds: 12.5,
    userSeconds: 10,
    systemSeconds: 2.5,
    periods: 250,
    throttledPeriods: 120,
    throttledSeconds: 6,
  });
  t.is(s.memory.usageBytes, 41943040);
  t.is(s.memory.workingSetBytes, 41943040 - 6291456);
  t.is(s.memory.rssBytes, 33554432);
  t.is(s.memory.cacheBytes, 8388608);
  t.is(s.memory.mappedFileBytes, 2097152);
  t.is(s.memory.limitBytes, 67108864);
  t.is(s.memory.maxUsageBytes, 67108864);
  t.is(s.memory.failcnt, 57);
  t.is(s.memory.swapBytes, 0);
  t.is(s.memory.kernelBytes, 786432);
  t.is(s.memory.pgmajfault, 7);
  t.deepEqual(s.spec, {
    cpuPeriodUs: 100000,
    cpuQuotaUs: 50000,
    cpuShares: 2597,
    memoryReservationBytes: 33554432,
    memorySwapLimitBytes: undefined,
  });
  t.is(s.oomKills, 2);
  t.is(s.oomEvents, 3);
  t.deepEqual(s.pids, { current: 3, limit: 100, processes: 2 });
  t.deepEqual(s.blkio, [
    { major: 254, minor: 0, readBytes: 1048576, writeBytes: 16777216, readOps: 64, writeOps: 128 },
    { major: 8, minor: 16, readBytes: 4096, writeBytes: 0, readOps: 1, writeOps: 0 },
  ]);
  t.deepEqual(s.psi?.cpu, {
    some: { avg10: 12.5, avg60: 8.01, avg300: 2.33, totalSeconds: 7.25 },
    full: { avg10: 1, avg60: 0.5, avg300: 0.1, totalSeconds: 1.25 },
  });
  t.is(s.psi?.memory?.full?.totalSeconds, 0.3);
  t.is(s.psi?.io?.some.totalSeconds, 0.000015);
});

test('v2: a container without limits has no limit, quota or pids bound, and no PSI when the kernel lacks it', async (t) => {
  const loc = await locateCgroup(v2Root, 2, UNLIMITED);
  if (loc?.version !== 2) return t.fail('not located');
  const s = readCgroupV2(loc.dir, files().read);
  t.is(s.memory.limitBytes, undefined);
  t.is(s.spec.cpuQuotaUs, undefined);
  t.is(s.spec.cpuPeriodUs, 100000);
  t.is(s.spec.memoryReservationBytes, undefined);
  t.is(s.memory.swapBytes, undefined);
  t.is(s.memory.maxUsageBytes, undefined);
  t.is(s.memory.workingSetBytes, 540672);
  t.deepEqual(s.pids, { current: 1, limit: undefined, processes: 1 });
  t.deepEqual(s.blkio, []);
  t.is(s.psi, undefined);
  t.is(s.oomKills, 0);
});

test('v1: reads every controller of a container copied from the live engine', async (t) => {
  const id = readFileSync(`${v1Root}/ID`, 'utf8').trim();
  const loc = await locateCgroup(v1Root, 1, id);
  if (loc?.version !== 1) return t.fail('not located');
  t.is(loc.dirs.unified, `${v1Root}/unified/docker/${id}`);
  const s = readCgroupV1(loc.dirs, files().read);
  const text = (p: string) => readFileSync(`${v1Root}/${p.replace('@', `docker/${id}`)}`, 'utf8').trim();
  t.is(s.cpu.usageSeconds, Number(text('cpuacct/@/cpuacct.usage')) / 1e9);
  t.is(s.memory.usageBytes, Number(text('memory/@/memory.usage_in_bytes')));
  const inactive = Number(/total_inactive_file (\d+)/.exec(text('memory/@/memory.stat'))![1]);
  t.is(s.memory.workingSetBytes, s.memory.usageBytes - inactive);
  t.is(s.memory.limitBytes, 64 * 1024 * 1024);
  t.is(s.spec.memoryReservationBytes, 32 * 1024 * 1024);
  t.is(s.spec.cpuQuotaUs, 50000);
  t.is(s.spec.cpuPeriodUs, 100000);
  t.is(s.spec.cpuShares, 1024);
  t.is(s.oomKills, 0);
  t.is(s.pids?.limit, 100);
  t.true((s.pids?.processes ?? 0) >= 1);
  t.deepEqual(s.blkio, [
    { major: 254, minor: 0, readBytes: 1032192, writeBytes: 4 * 1024 * 1024, readOps: 71, writeOps: 4 },
  ]);
  t.truthy(s.psi?.cpu?.some);
});

test('kernel-format parsers: v1 blkio tables, cpu.max, PSI without a full line, weight → shares', (t) => {
  t.deepEqual(
    parseBlkioV1(
      '8:0 Read 10\n8:0 Write 20\n8:0 Sync 30\n8:0 Total 30\nTotal 30\n',
      '8:0 Read 1\n8:0 Write 2\nTotal 3\n',
    ),
    [{ major: 8, minor: 0, readBytes: 10, writeBytes: 20, readOps: 1, writeOps: 2 }],
  );
  t.deepEqual(parseBlkioV1('Total 0\n', 'Total 0\n'), []);
  t.deepEqual(parseCpuMax('max 100000\n'), { quotaUs: undefined, periodUs: 100000 });
  t.deepEqual(parsePsi('some avg10=1.00 avg60=0.00 avg300=0.00 total=2000000\n'), {
    some: { avg10: 1, avg60: 0, avg300: 0, totalSeconds: 2 },
  });
  t.is(weightToShares(1), 2);
  t.is(weightToShares(10000), 262144);
});

test('kept files: a missing file reads as undefined, and past the descriptor budget reads still work and are counted', (t) => {
  const budget = new FdBudget(1);
  const f = new KeptFiles(budget);
  t.is(f.read(`${v2Root}/nope`), undefined);
  t.is(f.read(`${v2Root}/cgroup.controllers`), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  t.is(budget.open, 1);
  t.is(f.read(`${v2Root}/docker/${UNLIMITED}/pids.current`), '1\n');
  t.is(budget.open, 1);
  t.is(budget.uncachedReads, 1);
  f.close();
  t.is(budget.open, 0);
});
