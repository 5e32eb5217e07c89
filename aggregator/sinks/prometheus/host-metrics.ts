// Host series under node-exporter's metric and label names (node_cpu_seconds_total, node_load1,
// node_memory_*_bytes, node_filesystem_*, node_disk_*, node_network_*, …), plus a node label,
// from each node's latest host record, so node-exporter dashboards carry over.
import type { Registry } from 'prom-client';
import type { HostDisk, HostFilesystem, HostMetricRecord, NetworkInterface } from '../../../common/schema/index.ts';
import type { ClusterState } from './cluster-state.ts';
import { registerTable, type Labelled, type Sample, type TableRow } from './metric-table.ts';

type Row = TableRow<HostMetricRecord>;

const counter = (name: string, help: string, value: Row['value']): Row => ({ name, help, type: 'counter', value });
const gauge = (name: string, help: string, value: Row['value']): Row => ({ name, help, type: 'gauge', value });

const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/** The /proc/meminfo keys exposed as node_memory_<Key>_bytes (node-exporter's names; a fixed set keeps the catalog static). */
const MEMINFO = [
  'MemTotal',
  'MemFree',
  'MemAvailable',
  'Buffers',
  'Cached',
  'SwapCached',
  'Active',
  'Inactive',
  'Active(anon)',
  'Inactive(anon)',
  'Active(file)',
  'Inactive(file)',
  'Unevictable',
  'Mlocked',
  'SwapTotal',
  'SwapFree',
  'Dirty',
  'Writeback',
  'AnonPages',
  'Mapped',
  'Shmem',
  'KReclaimable',
  'Slab',
  'SReclaimable',
  'SUnreclaim',
  'KernelStack',
  'PageTables',
  'CommitLimit',
  'Committed_AS',
  'VmallocUsed',
  'Hugepagesize',
];

const fs =
  (k: 'sizeBytes' | 'freeBytes' | 'availBytes' | 'files' | 'filesFree' | 'readonly') => (r: HostMetricRecord) =>
    r.host.filesystems?.flatMap((f: HostFilesystem): Sample[] => {
      const v = f[k];
      return v === undefined
        ? []
        : [{ labels: { device: f.device, mountpoint: f.mountpoint, fstype: f.fstype }, value: Number(v) }];
    });

const disk = (k: keyof Omit<HostDisk, 'device'>) => (r: HostMetricRecord) =>
  r.host.disks?.map((d): Sample => ({ labels: { device: d.device }, value: d[k] }));
const net = (k: keyof Omit<NetworkInterface, 'interface'>) => (r: HostMetricRecord) =>
  r.host.network?.map((i): Sample => ({ labels: { device: i.interface }, value: i[k] }));

export const HOST_SERIES: Row[] = [
  counter('node_cpu_seconds_total', 'Seconds the CPUs spent in each mode.', (r) =>
    r.host.cpus.flatMap((c) => CPU_MODES.map((mode): Sample => ({ labels: { cpu: c.cpu, mode }, value: c[mode] }))),
  ),
  gauge('node_load1', '1m load average.', (r) => r.host.load?.load1),
  gauge('node_load5', '5m load average.', (r) => r.host.load?.load5),
  gauge('node_load15', '15m load average.', (r) => r.host.load?.load15),
  ...MEMINFO.map((key) =>
    gauge(
      `node_memory_${key.replace(/[()]/g, '_').replace(/_$/, '')}_bytes`,
      `Memory information field ${key}.`,
      (r) => r.host.memory[key],
    ),
  ),
  gauge('node_boot_time_seconds', 'Node boot time, in unixtime.', (r) => r.host.bootTimeSeconds),
  gauge('node_time_seconds', 'System time in seconds since epoch (1970).', (r) => Date.parse(r.time) / 1000),
  counter('node_context_switches_total', 'Total number of context switches.', (r) => r.host.contextSwitches),
  counter('node_forks_total', 'Total number of forks.', (r) => r.host.forks),
  gauge('node_procs_running', 'Number of processes in runnable state.', (r) => r.host.procsRunning),
  gauge('node_procs_blocked', 'Number of processes blocked waiting for I/O to complete.', (r) => r.host.procsBlocked),

  gauge('node_filesystem_size_bytes', 'Filesystem size in bytes.', fs('sizeBytes')),
  gauge('node_filesystem_free_bytes', 'Filesystem free space in bytes.', fs('freeBytes')),
  gauge('node_filesystem_avail_bytes', 'Filesystem space available to non-root users in bytes.', fs('availBytes')),
  gauge('node_filesystem_files', 'Filesystem total file nodes.', fs('files')),
  gauge('node_filesystem_files_free', 'Filesystem total free file nodes.', fs('filesFree')),
  gauge('node_filesystem_readonly', 'Filesystem read-only status.', fs('readonly')),

  counter('node_disk_reads_completed_total', 'The total number of reads completed successfully.', disk('reads')),
  counter('node_disk_read_bytes_total', 'The total number of bytes read successfully.', disk('readBytes')),
  counter('node_disk_read_time_seconds_total', 'The total number of seconds spent by all reads.', disk('readSeconds')),
  counter('node_disk_writes_completed_total', 'The total number of writes completed successfully.', disk('writes')),
  counter('node_disk_written_bytes_total', 'The total number of bytes written successfully.', disk('writtenBytes')),
  counter(
    'node_disk_write_time_seconds_total',
    'This is the total number of seconds spent by all writes.',
    disk('writeSeconds'),
  ),
  gauge('node_disk_io_now', 'The number of I/Os currently in progress.', disk('ioNow')),
  counter('node_disk_io_time_seconds_total', 'Total seconds spent doing I/Os.', disk('ioSeconds')),
  counter(
    'node_disk_io_time_weighted_seconds_total',
    'The weighted # of seconds spent doing I/Os.',
    disk('ioWeightedSeconds'),
  ),

  counter('node_network_receive_bytes_total', 'Network device statistic receive_bytes.', net('rxBytes')),
  counter('node_network_receive_packets_total', 'Network device statistic receive_packets.', net('rxPackets')),
  counter('node_network_receive_errs_total', 'Network device statistic receive_errs.', net('rxErrors')),
  counter('node_network_receive_drop_total', 'Network device statistic receive_drop.', net('rxDropped')),
  counter('node_network_transmit_bytes_total', 'Network device statistic transmit_bytes.', net('txBytes')),
  counter('node_network_transmit_packets_total', 'Network device statistic transmit_packets.', net('txPackets')),
  counter('node_network_transmit_errs_total', 'Network device statistic transmit_errs.', net('txErrors')),
  counter('node_network_transmit_drop_total', 'Network device statistic transmit_drop.', net('txDropped')),
];

export function registerHostMetrics(registry: Registry, state: ClusterState): void {
  registerTable(registry, HOST_SERIES, () => {
    state.sweep();
    const items: Labelled<HostMetricRecord>[] = [];
    for (const node of state.nodes.values())
      if (node.host) items.push({ item: node.host, labels: { node: node.hostname, node_id: node.nodeId } });
    return items;
  });
}
