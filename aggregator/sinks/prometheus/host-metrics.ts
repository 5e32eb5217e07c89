// Host series under node-exporter's metric and label names (node_cpu_seconds_total, node_load1,
// node_memory_*_bytes, node_filesystem_*, node_disk_*, node_network_*, …), plus a node label,
// from each node's latest host record, so node-exporter dashboards carry over; the node's labels
// (node, node_id, instance) come with the record.
import type {
  HostDisk,
  HostFilesystem,
  HostMetricRecord,
  HostSoftnet,
  NetworkInterface,
} from '../../../common/schema/index.ts';
import type { NodeState } from './cluster-state.ts';
import { KERNEL_SERIES } from './host-kernel-metrics.ts';
import type { Sample, Table, TableRow } from './metric-table.ts';

type Row = TableRow<HostMetricRecord>;

const counter = (name: string, help: string, value: Row['value']): Row => ({ name, help, type: 'counter', value });
const gauge = (name: string, help: string, value: Row['value']): Row => ({ name, help, type: 'gauge', value });

const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/** The /proc/meminfo keys exposed as node_memory_<Key>_bytes (node-exporter 1.5's set; a fixed set keeps the catalog static). */
const MEMINFO = [
  'Active',
  'Active(anon)',
  'Active(file)',
  'AnonHugePages',
  'AnonPages',
  'Balloon',
  'Bounce',
  'Buffers',
  'Cached',
  'CommitLimit',
  'Committed_AS',
  'DirectMap1G',
  'DirectMap2M',
  'DirectMap4k',
  'Dirty',
  'FileHugePages',
  'FilePmdMapped',
  'HardwareCorrupted',
  'Hugepagesize',
  'Hugetlb',
  'Inactive',
  'Inactive(anon)',
  'Inactive(file)',
  'KReclaimable',
  'KernelStack',
  'Mapped',
  'MemAvailable',
  'MemFree',
  'MemTotal',
  'Mlocked',
  'NFS_Unstable',
  'PageTables',
  'Percpu',
  'SReclaimable',
  'SUnreclaim',
  'SecPageTables',
  'Shmem',
  'ShmemHugePages',
  'ShmemPmdMapped',
  'Slab',
  'SwapCached',
  'SwapFree',
  'SwapTotal',
  'Unevictable',
  'VmallocChunk',
  'VmallocTotal',
  'VmallocUsed',
  'Writeback',
  'WritebackTmp',
  'Zswap',
  'Zswapped',
];

const fs =
  (k: 'sizeBytes' | 'freeBytes' | 'availBytes' | 'files' | 'filesFree' | 'readonly' | 'deviceError') =>
  (r: HostMetricRecord) =>
    r.host.filesystems?.flatMap((f: HostFilesystem): Sample[] => {
      const v = k === 'deviceError' ? (f.deviceError ?? false) : f[k];
      // node-exporter leaves sizes out for a filesystem whose statfs failed.
      return v === undefined || (f.deviceError && k !== 'deviceError' && k !== 'readonly')
        ? []
        : [{ labels: { device: f.device, mountpoint: f.mountpoint, fstype: f.fstype }, value: Number(v) }];
    });

const disk = (k: keyof Omit<HostDisk, 'device'>) => (r: HostMetricRecord) =>
  r.host.disks?.flatMap((d): Sample[] => (d[k] === undefined ? [] : [{ labels: { device: d.device }, value: d[k] }]));
const net = (k: keyof Omit<NetworkInterface, 'interface'>) => (r: HostMetricRecord) =>
  r.host.network?.flatMap((i): Sample[] =>
    i[k] === undefined ? [] : [{ labels: { device: i.interface }, value: i[k] }],
  );
const netClass = (key: string) => (r: HostMetricRecord) =>
  r.host.netDevices?.flatMap((d): Sample[] => {
    const v = d.values[key];
    return v === undefined ? [] : [{ labels: { device: d.device }, value: v }];
  });
const softnet = (k: keyof Omit<HostSoftnet, 'cpu'>) => (r: HostMetricRecord) =>
  r.host.softnet?.flatMap((c): Sample[] => (c[k] === undefined ? [] : [{ labels: { cpu: c.cpu }, value: c[k] }]));
const reader = (k: 'seconds' | 'success') => (r: HostMetricRecord) =>
  r.host.readers?.map((x): Sample => ({ labels: { collector: x.collector }, value: Number(x[k]) }));
const info = (labels: Record<string, string> | undefined): Sample[] | undefined =>
  labels === undefined ? undefined : [{ labels, value: 1 }];

/** node_os_info's labels: the os-release keys node-exporter reads, '' when absent. */
const OS_KEYS = [
  'build_id',
  'id',
  'id_like',
  'image_id',
  'image_version',
  'name',
  'pretty_name',
  'variant',
  'variant_id',
  'version',
  'version_codename',
  'version_id',
];

/** /sys/class/net attributes as node_network_<key> (net-class.ts reads them): [key, type, help]. */
const NET_CLASS: Array<[string, 'counter' | 'gauge', string]> = [
  ['up', 'gauge', "Value is 1 if operstate is 'up', 0 otherwise."],
  ['address_assign_type', 'gauge', 'Network device property: address_assign_type'],
  ['carrier', 'gauge', 'Network device property: carrier'],
  ['carrier_changes_total', 'counter', 'Network device property: carrier_changes_total'],
  ['carrier_up_changes_total', 'counter', 'Network device property: carrier_up_changes_total'],
  ['carrier_down_changes_total', 'counter', 'Network device property: carrier_down_changes_total'],
  ['device_id', 'gauge', 'Network device property: device_id'],
  ['dormant', 'gauge', 'Network device property: dormant'],
  ['flags', 'gauge', 'Network device property: flags'],
  ['iface_id', 'gauge', 'Network device property: iface_id'],
  ['iface_link', 'gauge', 'Network device property: iface_link'],
  ['iface_link_mode', 'gauge', 'Network device property: iface_link_mode'],
  ['mtu_bytes', 'gauge', 'Network device property: mtu_bytes'],
  ['name_assign_type', 'gauge', 'Network device property: name_assign_type'],
  ['net_dev_group', 'gauge', 'Network device property: net_dev_group'],
  ['protocol_type', 'gauge', 'Network device property: protocol_type'],
  ['speed_bytes', 'gauge', 'Network device property: speed_bytes'],
  ['transmit_queue_length', 'gauge', 'Network device property: transmit_queue_length'],
  ['receive_nohandler_total', 'counter', 'Network device statistic receive_nohandler.'],
];

/** cAdvisor's machine_* labels: which machine and boot the figures belong to. */
const machine = (r: HostMetricRecord) => ({
  boot_id: r.host.system?.bootId ?? '',
  machine_id: r.host.system?.machineId ?? '',
  system_uuid: r.host.system?.systemUuid ?? '',
});

export const HOST_SERIES: Row[] = [
  // swarmprom's node-exporter wrote this info series from a textfile; joins on instance pick node_name from it.
  gauge('node_meta', 'Always 1: the Swarm node id and hostname of this instance, as swarmprom labels them.', (r) => [
    {
      labels: { node_id: r.node.id, node_name: r.node.hostname, container_label_com_docker_swarm_node_id: r.node.id },
      value: 1,
    },
  ]),
  counter('node_cpu_seconds_total', 'Seconds the CPUs spent in each mode.', (r) =>
    r.host.cpus.flatMap((c) => CPU_MODES.map((mode): Sample => ({ labels: { cpu: c.cpu, mode }, value: c[mode] }))),
  ),
  counter('node_cpu_guest_seconds_total', 'Seconds the CPUs spent in guests (VMs) for each mode.', (r) =>
    r.host.cpus.flatMap((c): Sample[] =>
      c.guest === undefined
        ? []
        : [
            { labels: { cpu: c.cpu, mode: 'user' }, value: c.guest },
            { labels: { cpu: c.cpu, mode: 'nice' }, value: c.guestNice ?? 0 },
          ],
    ),
  ),
  counter('node_intr_total', 'Total number of interrupts serviced.', (r) => r.host.interrupts),
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
  gauge(
    'node_filesystem_device_error',
    'Whether an error occurred while getting statistics for the given device.',
    fs('deviceError'),
  ),

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
  counter('node_disk_reads_merged_total', 'The total number of reads merged.', disk('readsMerged')),
  counter('node_disk_writes_merged_total', 'The number of writes merged.', disk('writesMerged')),
  counter(
    'node_disk_discards_completed_total',
    'The total number of discards completed successfully.',
    disk('discards'),
  ),
  counter('node_disk_discards_merged_total', 'The total number of discards merged.', disk('discardsMerged')),
  counter(
    'node_disk_discarded_sectors_total',
    'The total number of sectors discarded successfully.',
    disk('discardedSectors'),
  ),
  counter(
    'node_disk_discard_time_seconds_total',
    'This is the total number of seconds spent by all discards.',
    disk('discardSeconds'),
  ),
  counter(
    'node_disk_flush_requests_total',
    'The total number of flush requests completed successfully',
    disk('flushes'),
  ),
  counter(
    'node_disk_flush_requests_time_seconds_total',
    'This is the total number of seconds spent by all flush requests.',
    disk('flushSeconds'),
  ),
  gauge('node_disk_info', 'Info of /sys/block/<block_device>.', (r) =>
    r.host.disks?.map((d): Sample => ({
      labels: { device: d.device, major: String(d.major ?? ''), minor: String(d.minor ?? '') },
      value: 1,
    })),
  ),

  counter('node_network_receive_bytes_total', 'Network device statistic receive_bytes.', net('rxBytes')),
  counter('node_network_receive_packets_total', 'Network device statistic receive_packets.', net('rxPackets')),
  counter('node_network_receive_errs_total', 'Network device statistic receive_errs.', net('rxErrors')),
  counter('node_network_receive_drop_total', 'Network device statistic receive_drop.', net('rxDropped')),
  counter('node_network_transmit_bytes_total', 'Network device statistic transmit_bytes.', net('txBytes')),
  counter('node_network_transmit_packets_total', 'Network device statistic transmit_packets.', net('txPackets')),
  counter('node_network_transmit_errs_total', 'Network device statistic transmit_errs.', net('txErrors')),
  counter('node_network_transmit_drop_total', 'Network device statistic transmit_drop.', net('txDropped')),
  counter('node_network_receive_fifo_total', 'Network device statistic receive_fifo.', net('rxFifo')),
  counter('node_network_receive_frame_total', 'Network device statistic receive_frame.', net('rxFrame')),
  counter('node_network_receive_compressed_total', 'Network device statistic receive_compressed.', net('rxCompressed')),
  counter('node_network_receive_multicast_total', 'Network device statistic receive_multicast.', net('rxMulticast')),
  counter('node_network_transmit_fifo_total', 'Network device statistic transmit_fifo.', net('txFifo')),
  counter('node_network_transmit_colls_total', 'Network device statistic transmit_colls.', net('txColls')),
  counter('node_network_transmit_carrier_total', 'Network device statistic transmit_carrier.', net('txCarrier')),
  counter(
    'node_network_transmit_compressed_total',
    'Network device statistic transmit_compressed.',
    net('txCompressed'),
  ),
  ...NET_CLASS.map(([key, type, help]): Row => ({ name: `node_network_${key}`, help, type, value: netClass(key) })),
  gauge('node_network_info', 'Non-numeric data from /sys/class/net/<iface>, value is always 1.', (r) =>
    r.host.netDevices?.map((d): Sample => ({
      labels: {
        device: d.device,
        address: d.address,
        broadcast: d.broadcast,
        duplex: d.duplex,
        ifalias: d.ifalias,
        operstate: d.operstate,
      },
      value: 1,
    })),
  ),
  gauge('node_arp_entries', 'ARP entries by device', (r) =>
    r.host.arp?.map((a): Sample => ({ labels: { device: a.device }, value: a.entries })),
  ),
  counter('node_softnet_processed_total', 'Number of processed packets', softnet('processed')),
  counter('node_softnet_dropped_total', 'Number of dropped packets', softnet('dropped')),
  counter(
    'node_softnet_times_squeezed_total',
    'Number of times processing packets ran out of quota',
    softnet('timesSqueezed'),
  ),
  counter('node_softnet_received_rps_total', 'Number of times cpu woken up received_rps', softnet('receivedRps')),
  counter(
    'node_softnet_flow_limit_count_total',
    'Number of times flow limit has been reached',
    softnet('flowLimitCount'),
  ),
  ...KERNEL_SERIES,
  gauge('node_udp_queues', 'Number of allocated memory in the kernel for UDP datagrams in bytes.', (r) =>
    (['v4', 'v6'] as const).flatMap((ip) =>
      (['rx', 'tx'] as const).flatMap((queue): Sample[] => {
        const v = r.host.kernel?.[`udp_queues_${ip}_${queue}`];
        return v === undefined ? [] : [{ labels: { ip, queue }, value: v }];
      }),
    ),
  ),

  gauge('node_uname_info', 'Labeled system information as provided by the uname system call.', (r) =>
    info(r.host.system?.uname),
  ),
  gauge(
    'node_os_info',
    "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.",
    (r) => info(r.host.system && Object.fromEntries(OS_KEYS.map((k) => [k, r.host.system!.os[k] ?? '']))),
  ),
  gauge('node_os_version', 'Metric containing the major.minor part of the OS version.', (r) => {
    const os = r.host.system?.os;
    const v = parseFloat(os?.version_id ?? '');
    return os && Number.isFinite(v)
      ? [{ labels: { id: os.id ?? '', id_like: os.id_like ?? '', name: os.name ?? '' }, value: v }]
      : undefined;
  }),
  gauge('node_time_clocksource_current_info', "Current clocksource read from '/sys/devices/system/clocksource'.", (r) =>
    info(r.host.system?.clocksource && { clocksource: r.host.system.clocksource.current, device: '0' }),
  ),
  gauge(
    'node_time_clocksource_available_info',
    "Available clocksources read from '/sys/devices/system/clocksource'.",
    (r) =>
      r.host.system?.clocksource?.available.map((c): Sample => ({ labels: { clocksource: c, device: '0' }, value: 1 })),
  ),
  gauge('node_selinux_enabled', 'SELinux is enabled, 1 is true, 0 is false', (r) =>
    r.host.system === undefined ? undefined : Number(r.host.system.selinuxEnabled),
  ),
  gauge('node_scrape_collector_duration_seconds', 'node_exporter: Duration of a collector scrape.', reader('seconds')),
  gauge('node_scrape_collector_success', 'node_exporter: Whether a collector succeeded.', reader('success')),

  // The node's exporter is the collector: its own process, as node-exporter reports itself.
  counter(
    'process_cpu_seconds_total',
    'Total user and system CPU time spent in seconds.',
    (r) => r.host.exporter?.cpuSeconds,
  ),
  gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', (r) => r.host.exporter?.residentBytes),
  gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.', (r) => r.host.exporter?.virtualBytes),
  gauge(
    'process_virtual_memory_max_bytes',
    'Maximum amount of virtual memory available in bytes.',
    (r) => r.host.exporter?.virtualMaxBytes,
  ),
  gauge('process_open_fds', 'Number of open file descriptors.', (r) => r.host.exporter?.openFds),
  gauge('process_max_fds', 'Maximum number of open file descriptors.', (r) => r.host.exporter?.maxFds),
  gauge(
    'process_start_time_seconds',
    'Start time of the process since unix epoch in seconds.',
    (r) => r.host.exporter?.startTimeSeconds,
  ),

  // cAdvisor's machine-level series.
  gauge('machine_cpu_cores', 'Number of logical CPU cores.', (r) => [
    { labels: machine(r), value: r.host.cpus.length },
  ]),
  gauge('machine_cpu_physical_cores', 'Number of physical CPU cores.', (r) => {
    const t = r.host.system?.cpuTopology;
    return t === undefined ? undefined : [{ labels: machine(r), value: t.physicalCores }];
  }),
  gauge('machine_cpu_sockets', 'Number of CPU sockets.', (r) => {
    const t = r.host.system?.cpuTopology;
    return t === undefined ? undefined : [{ labels: machine(r), value: t.sockets }];
  }),
  gauge('machine_memory_bytes', 'Amount of memory installed on the machine.', (r) =>
    r.host.memory.MemTotal === undefined ? undefined : [{ labels: machine(r), value: r.host.memory.MemTotal }],
  ),
  gauge('machine_swap_bytes', 'Amount of swap memory available on the machine.', (r) =>
    r.host.memory.SwapTotal === undefined ? undefined : [{ labels: machine(r), value: r.host.memory.SwapTotal }],
  ),
];

/** Each node's latest host record, with the node's labels. */
export const HOST_TABLE: Table<HostMetricRecord, NodeState> = {
  rows: HOST_SERIES,
  itemsOf: (node) => (node.host ? [node.host] : []),
};
