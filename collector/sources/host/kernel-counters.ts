// Kernel counters node-exporter reads from /proc beyond CPU, memory, disks and interfaces: vmstat,
// netstat/snmp/snmp6, sockstat, pressure, file descriptors, entropy, conntrack, softnet, arp and
// huge pages. Pure functions over text, keyed by node-exporter's series name without `node_`.
import type { HostSoftnet } from '../../../common/schema/index.ts';
import type { ReadFn } from '../../readers/kept-files.ts';

export type Scalars = Record<string, number>;

/** Bytes per page for sockstat's "mem" (pages); every architecture Docker runs on uses 4 KiB pages. */
const PAGE_BYTES = 4096;
const ws = /\s+/;

/** node-exporter's default --collector.vmstat.fields. */
const VMSTAT_FIELDS = /^(oom_kill|pgpg|pswp|pg.*fault).*/;

/** node-exporter 1.5's default --collector.netstat.fields, plus the TCP queue and limit fields newer dashboards read. */
const NETSTAT_FIELDS =
  /^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|TCPRcvQDrop)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab|MaxConn)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$/;

/** /proc/vmstat "key value" lines → vmstat_<key>, for the fields node-exporter keeps by default. */
export function parseVmstat(text: string): Scalars {
  const out: Scalars = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.split(' ');
    if (k && v !== undefined && VMSTAT_FIELDS.test(k)) out[`vmstat_${k}`] = Number(v);
  }
  return out;
}

/** /proc/net/netstat and /proc/net/snmp: "Proto: names…" then "Proto: values…" → netstat_<Proto>_<name>. */
export function parseNetstat(text: string): Scalars {
  const out: Scalars = {};
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.split(ws);
    const values = lines[i + 1]!.split(ws);
    const proto = names[0]?.replace(/:$/, '');
    if (!proto || values[0] !== names[0]) continue;
    for (let j = 1; j < names.length && j < values.length; j++) {
      const key = `${proto}_${names[j]}`;
      if (NETSTAT_FIELDS.test(key)) out[`netstat_${key}`] = Number(values[j]);
    }
  }
  return out;
}

/** /proc/net/snmp6 "Ip6InOctets 123" lines: the protocol ends at its "6" (Ip6, Icmp6, Udp6, UdpLite6). */
export function parseSnmp6(text: string): Scalars {
  const out: Scalars = {};
  for (const line of text.split('\n')) {
    const [name, v] = line.split(ws);
    const six = name?.indexOf('6') ?? -1;
    if (!name || v === undefined || six < 0) continue;
    const key = `${name.slice(0, six + 1)}_${name.slice(six + 1)}`;
    if (NETSTAT_FIELDS.test(key)) out[`netstat_${key}`] = Number(v);
  }
  return out;
}

/** /proc/net/sockstat{,6}: "TCP: inuse 5 orphan 0 …" → sockstat_TCP_inuse; "mem" (pages) also as mem_bytes. */
export function parseSockstat(text: string): Scalars {
  const out: Scalars = {};
  for (const line of text.split('\n')) {
    const f = line.trim().split(ws);
    const proto = f[0]?.replace(/:$/, '');
    if (!proto || f.length < 3) continue;
    for (let i = 1; i + 1 < f.length; i += 2) {
      const v = Number(f[i + 1]);
      if (!Number.isFinite(v)) continue;
      out[`sockstat_${proto}_${f[i]}`] = v;
      if (f[i] === 'mem') out[`sockstat_${proto}_mem_bytes`] = v * PAGE_BYTES;
    }
  }
  return out;
}

const PRESSURE_NAMES: Record<string, string> = { some: 'waiting', full: 'stalled' };

/** /proc/pressure/<resource> "some … total=<µs>" → pressure_<resource>_{waiting,stalled}_seconds_total. */
export function parsePressure(resource: string, text: string): Scalars {
  const out: Scalars = {};
  for (const line of text.split('\n')) {
    const [kind, ...fields] = line.split(' ');
    const total = fields.find((f) => f.startsWith('total='));
    const name = PRESSURE_NAMES[kind ?? ''];
    if (name && total) out[`pressure_${resource}_${name}_seconds_total`] = Number(total.slice(6)) / 1e6;
  }
  return out;
}

/** node-exporter's conntrack statistics: these /proc/net/stat/nf_conntrack columns, summed over CPUs. */
const CONNTRACK_STATS = [
  'found',
  'invalid',
  'ignore',
  'insert',
  'insert_failed',
  'drop',
  'early_drop',
  'search_restart',
];

/** /proc/net/stat/nf_conntrack: a header, then one row of hex columns per CPU; "entries" is the table size. */
export function parseConntrackStat(text: string): Scalars {
  const [header, ...rows] = text.trim().split('\n');
  const names = (header ?? '').trim().split(ws);
  const out: Scalars = {};
  for (const [i, row] of rows.entries()) {
    const f = row.trim().split(ws);
    for (const [j, name] of names.entries()) {
      const v = parseInt(f[j] ?? '', 16);
      if (!Number.isFinite(v)) continue;
      if (name === 'entries' && i === 0) out.nf_conntrack_entries = v;
      else if (CONNTRACK_STATS.includes(name))
        out[`nf_conntrack_stat_${name}`] = (out[`nf_conntrack_stat_${name}`] ?? 0) + v;
    }
  }
  return out;
}

/** /proc/net/softnet_stat: one row of hex columns per CPU (processed, dropped, time_squeeze, …, received_rps, flow_limit). */
export function parseSoftnet(text: string): HostSoftnet[] {
  const out: HostSoftnet[] = [];
  for (const [i, line] of text.trim().split('\n').entries()) {
    const f = line
      .trim()
      .split(ws)
      .map((x) => parseInt(x, 16));
    if (f.length < 3 || f.some((n) => !Number.isFinite(n))) continue;
    out.push({
      cpu: String(i),
      processed: f[0]!,
      dropped: f[1]!,
      timesSqueezed: f[2]!,
      ...(f.length > 10 && { receivedRps: f[9]!, flowLimitCount: f[10]! }),
    });
  }
  return out;
}

/** /proc/net/arp: a header, then one line per entry whose last column is the device. */
export function parseArp(text: string): Array<{ device: string; entries: number }> {
  const counts = new Map<string, number>();
  for (const line of text.trim().split('\n').slice(1)) {
    const device = line.trim().split(ws).at(-1);
    if (device) counts.set(device, (counts.get(device) ?? 0) + 1);
  }
  return [...counts].map(([device, entries]) => ({ device, entries }));
}

/** /proc/meminfo's unitless lines (HugePages_Total, _Free, _Rsvd, _Surp) → memory_HugePages_*. */
export function parseHugePages(text: string): Scalars {
  const out: Scalars = {};
  for (const m of text.matchAll(/^(HugePages_\w+):\s+(\d+)$/gm)) out[`memory_${m[1]}`] = Number(m[2]);
  return out;
}

/** /proc/net/udp{,6}: the "tx_queue:rx_queue" column (hex bytes) summed over sockets → udp_queues_<ip>_{tx,rx}. */
export function parseUdpQueues(ip: 'v4' | 'v6', text: string): Scalars {
  let tx = 0;
  let rx = 0;
  for (const line of text.trim().split('\n').slice(1)) {
    const [t, r] = (line.trim().split(ws)[4] ?? '').split(':');
    tx += parseInt(t ?? '', 16) || 0;
    rx += parseInt(r ?? '', 16) || 0;
  }
  return { [`udp_queues_${ip}_tx`]: tx, [`udp_queues_${ip}_rx`]: rx };
}

const firstNumber = (text: string | undefined) => {
  const n = Number(text?.trim().split(ws)[0]);
  return Number.isFinite(n) && text?.trim() ? n : undefined;
};

export type KernelReading = {
  kernel: Scalars;
  softnet?: HostSoftnet[];
  arp?: Array<{ device: string; entries: number }>;
  /** Reader name → whether its files were readable (node_scrape_collector_success). */
  outcomes: Record<string, boolean>;
};

/**
 * Reads every kernel file under procRoot. Per-network-namespace files come from PID 1's view
 * (`<procRoot>/1/net/…`): the host's namespace even when the collector runs in a container with
 * the host's /proc mounted.
 */
export function readKernelCounters(procRoot: string, read: ReadFn, meminfo: string | undefined): KernelReading {
  const p = procRoot;
  const net = (name: string) => read(`${p}/1/net/${name}`) ?? read(`${p}/net/${name}`);
  const kernel: Scalars = {};
  const outcomes: Record<string, boolean> = {};
  const take = (collector: string, values: Scalars | undefined) => {
    outcomes[collector] = values !== undefined;
    if (values) Object.assign(kernel, values);
  };
  const parse = (text: string | undefined, f: (t: string) => Scalars) => (text === undefined ? undefined : f(text));

  take('vmstat', parse(read(`${p}/vmstat`), parseVmstat));
  const netstat = [net('netstat'), net('snmp')].filter((x) => x !== undefined);
  take(
    'netstat',
    netstat.length ? Object.assign({}, ...netstat.map(parseNetstat), parse(net('snmp6'), parseSnmp6)) : undefined,
  );
  const sockstat = net('sockstat');
  take(
    'sockstat',
    sockstat === undefined ? undefined : { ...parseSockstat(sockstat), ...parse(net('sockstat6'), parseSockstat) },
  );
  const pressure: Scalars = {};
  for (const res of ['cpu', 'io', 'memory', 'irq'])
    Object.assign(
      pressure,
      parse(read(`${p}/pressure/${res}`), (t) => parsePressure(res, t)),
    );
  take('pressure', Object.keys(pressure).length ? pressure : undefined);

  const fileNr = read(`${p}/sys/fs/file-nr`)?.trim().split(ws).map(Number);
  take('filefd', fileNr?.length === 3 ? { filefd_allocated: fileNr[0]!, filefd_maximum: fileNr[2]! } : undefined);
  const avail = firstNumber(read(`${p}/sys/kernel/random/entropy_avail`));
  const pool = firstNumber(read(`${p}/sys/kernel/random/poolsize`));
  take(
    'entropy',
    avail === undefined
      ? undefined
      : { entropy_available_bits: avail, ...(pool !== undefined && { entropy_pool_size_bits: pool }) },
  );
  const conntrack = parse(net('stat/nf_conntrack'), parseConntrackStat);
  const limit = firstNumber(read(`${p}/sys/net/netfilter/nf_conntrack_max`));
  take('conntrack', conntrack && { ...conntrack, ...(limit !== undefined && { nf_conntrack_entries_limit: limit }) });
  const udp = net('udp');
  take(
    'udp_queues',
    udp === undefined
      ? undefined
      : { ...parseUdpQueues('v4', udp), ...parse(net('udp6'), (t) => parseUdpQueues('v6', t)) },
  );
  if (meminfo !== undefined) Object.assign(kernel, parseHugePages(meminfo));

  const softnetText = net('softnet_stat');
  outcomes.softnet = softnetText !== undefined;
  const arpText = net('arp');
  outcomes.arp = arpText !== undefined;
  return {
    kernel,
    ...(softnetText !== undefined && { softnet: parseSoftnet(softnetText) }),
    ...(arpText !== undefined && { arp: parseArp(arpText) }),
    outcomes,
  };
}
