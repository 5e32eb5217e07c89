// The host readers beyond the basics, as pure functions over fixture trees copied from a real host
// (test/fixtures/proc, test/fixtures/sys): kernel counters under node-exporter's names, interface
// attributes, mounts as node-exporter filters them, and what the host is.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseMountinfo, statFilesystems } from '../../../../collector/sources/host/filesystems.ts';
import {
  parseConntrackStat,
  parseNetstat,
  parsePressure,
  parseSnmp6,
  parseSockstat,
  parseSoftnet,
  parseVmstat,
  readKernelCounters,
} from '../../../../collector/sources/host/kernel-counters.ts';
import { parseLimit, readExporterProcess } from '../../../../collector/sources/host/exporter-process.ts';
import { readNetClass } from '../../../../collector/sources/host/net-class.ts';
import { parseOsRelease } from '../../../../collector/sources/host/system-info.ts';

const proc = fileURLToPath(new URL('../../../fixtures/proc', import.meta.url));
const sys = fileURLToPath(new URL('../../../fixtures/sys', import.meta.url));
const read = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};
const fixture = (name: string) => readFileSync(`${proc}/${name}`, 'utf8');

test('vmstat keeps the fields node-exporter keeps by default', (t) => {
  const v = parseVmstat(fixture('vmstat'));
  t.deepEqual(Object.keys(v).sort(), [
    'vmstat_oom_kill',
    'vmstat_pgfault',
    'vmstat_pgmajfault',
    'vmstat_pgpgin',
    'vmstat_pgpgout',
    'vmstat_pswpin',
    'vmstat_pswpout',
  ]);
  t.is(v.vmstat_pgfault, Number(/^pgfault (\d+)$/m.exec(fixture('vmstat'))![1]));
});

test('netstat and snmp pair header and value lines into netstat_<Proto>_<field>', (t) => {
  const n = { ...parseNetstat(fixture('1/net/netstat')), ...parseNetstat(fixture('1/net/snmp')) };
  const tcp = fixture('1/net/snmp')
    .split('\n')
    .filter((l) => l.startsWith('Tcp:'))
    .map((l) => l.split(/\s+/));
  t.is(n.netstat_Tcp_InSegs, Number(tcp[1]![tcp[0]!.indexOf('InSegs')]));
  t.is(n.netstat_Tcp_MaxConn, -1);
  t.true('netstat_TcpExt_ListenDrops' in n && 'netstat_IpExt_InOctets' in n && 'netstat_Udp_NoPorts' in n);
  t.false('netstat_Tcp_RtoAlgorithm' in n, 'fields outside the default filter are left out');
  t.deepEqual(parseSnmp6('Ip6InOctets 12\nIp6InReceives 3\nUdpLite6InErrors 0\n'), {
    netstat_Ip6_InOctets: 12,
    netstat_UdpLite6_InErrors: 0,
  });
});

test('sockstat, pressure, conntrack and softnet under node-exporter names and units', (t) => {
  t.deepEqual(parseSockstat('sockets: used 290\nTCP: inuse 5 orphan 0 tw 1 alloc 8 mem 3\nFRAG: inuse 0 memory 0\n'), {
    sockstat_sockets_used: 290,
    sockstat_TCP_inuse: 5,
    sockstat_TCP_orphan: 0,
    sockstat_TCP_tw: 1,
    sockstat_TCP_alloc: 8,
    sockstat_TCP_mem: 3,
    sockstat_TCP_mem_bytes: 3 * 4096,
    sockstat_FRAG_inuse: 0,
    sockstat_FRAG_memory: 0,
  });
  t.deepEqual(
    parsePressure(
      'io',
      'some avg10=0.00 avg60=0.00 avg300=0.00 total=2500000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=500\n',
    ),
    { pressure_io_waiting_seconds_total: 2.5, pressure_io_stalled_seconds_total: 0.0005 },
  );
  const ct = parseConntrackStat(
    'entries searched found insert drop\n0000000a 00000000 00000002 00000001 00000000\n0000000a 00000000 00000003 00000000 00000004\n',
  );
  t.deepEqual(ct, {
    nf_conntrack_entries: 10,
    nf_conntrack_stat_found: 5,
    nf_conntrack_stat_insert: 1,
    nf_conntrack_stat_drop: 4,
  });
  const sn = parseSoftnet(fixture('1/net/softnet_stat'));
  t.is(sn.length, fixture('1/net/softnet_stat').trim().split('\n').length);
  t.is(sn[0]!.processed, parseInt(fixture('1/net/softnet_stat').split(/\s+/)[0]!, 16));
});

test('every kernel reader finds its files under a proc directory', (t) => {
  const k = readKernelCounters(proc, read, 'HugePages_Total:       0\nHugePages_Free:        0\n');
  for (const [reader, ok] of Object.entries(k.outcomes)) t.true(ok, `${reader} read nothing`);
  t.is(k.kernel.filefd_maximum, Number(fixture('sys/fs/file-nr').trim().split(/\s+/)[2]));
  t.is(k.kernel.entropy_pool_size_bits, Number(fixture('sys/kernel/random/poolsize')));
  t.is(k.kernel.nf_conntrack_entries_limit, Number(fixture('sys/net/netfilter/nf_conntrack_max')));
  t.true(k.kernel.pressure_cpu_waiting_seconds_total! > 0);
  t.is(k.kernel.memory_HugePages_Total, 0);
  t.is(k.kernel.udp_queues_v4_rx, 0);
  t.true(k.kernel.sockstat_sockets_used! > 0);
  t.truthy(k.arp);
});

test('interfaces carry up, mtu, speed in bytes and info labels; unreadable attributes are left out', (t) => {
  const devs = readNetClass(sys);
  t.deepEqual(
    devs.map((d) => d.device),
    ['eth0', 'lo'],
  );
  const eth0 = devs[0]!;
  t.is(eth0.values.up, readFileSync(`${sys}/class/net/eth0/operstate`, 'utf8').trim() === 'up' ? 1 : 0);
  t.is(eth0.values.mtu_bytes, Number(readFileSync(`${sys}/class/net/eth0/mtu`, 'utf8')));
  t.is(eth0.values.flags, parseInt(readFileSync(`${sys}/class/net/eth0/flags`, 'utf8'), 16));
  t.is(eth0.address, readFileSync(`${sys}/class/net/eth0/address`, 'utf8').trim());
  const lo = devs[1]!;
  t.false('speed_bytes' in lo.values, 'the kernel refuses speed for lo');
  t.is(lo.values.up, 0, 'lo has operstate unknown, which node-exporter reports as not up');
});

test('mounts as node-exporter reports them: virtual, overlay and docker mounts out, escapes decoded, last mount wins', async (t) => {
  const mounts = parseMountinfo(fixture('1/mountinfo'));
  t.deepEqual(
    mounts.map((m) => [m.mountpoint, m.device, m.fstype, m.readonly]),
    [
      ['/', '/dev/vda', 'ext4', false],
      ['/boot', '/dev/vda1', 'ext4', true],
      ['/mnt/my data', '/dev/vdb', 'xfs', false],
      ['/var/lib/docker', '/dev/vda', 'ext4', false],
      ['/run', 'tmpfs2', 'tmpfs', false],
    ],
  );
  // statfs through a host root directory: '/' of the host is statfs(<hostRoot>/).
  const [root] = await statFilesystems([mounts[0]!], proc);
  t.is(root!.mountpoint, '/');
  t.true(root!.sizeBytes > 0 && !root!.deviceError);
  const [missing] = await statFilesystems([mounts[2]!], proc);
  t.true(missing!.deviceError, 'a mountpoint not visible under the host root is a device error');
  const [prefixed] = await statFilesystems([mounts[0]!], proc, '/rootfs');
  t.is(prefixed!.mountpoint, '/rootfs', "swarmprom's /rootfs for the host root");
});

test('os-release values are unquoted and keyed in lower case', (t) => {
  t.deepEqual(
    parseOsRelease('NAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n# comment\nPRETTY_NAME=\'A \\"b\\"\'\n'),
    {
      name: 'Debian GNU/Linux',
      version_id: '12',
      id: 'debian',
      pretty_name: 'A "b"',
    },
  );
});

test("the exporter's own limits: soft values, unlimited as -1", (t) => {
  const limits = [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max open files            1024                 4096                 files     ',
    'Max address space         unlimited            unlimited            bytes     ',
  ].join('\n');
  t.is(parseLimit(limits, 'Max open files'), 1024);
  t.is(parseLimit(limits, 'Max address space'), -1);
  const self = readExporterProcess(1_700_000_000)!;
  t.true(self.openFds > 0 && self.residentBytes > 0 && self.startTimeSeconds > 1_700_000_000);
});
