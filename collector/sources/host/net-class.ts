// The host's network interfaces as /sys/class/net describes them (node-exporter's netclass
// collector: up, carrier, mtu, speed, flags, info labels, …). A pure function over a sysfs
// directory: attribute files that the kernel refuses to read for a device (speed of lo) are left out.
import { readdirSync, readFileSync } from 'node:fs';
import type { HostNetDevice } from '../../../common/schema/index.ts';

/** Bound on interfaces per record (veths of many containers); past it, the first ones in name order. */
export const MAX_NET_DEVICES = 512;

/** sysfs attribute → node_network_<key>; hex attributes parsed as such; speed is Mbit/s → bytes/s. */
const NUMERIC: Array<[file: string, key: string, parse?: (s: string) => number]> = [
  ['addr_assign_type', 'address_assign_type'],
  ['carrier', 'carrier'],
  ['carrier_changes', 'carrier_changes_total'],
  ['carrier_up_count', 'carrier_up_changes_total'],
  ['carrier_down_count', 'carrier_down_changes_total'],
  ['dev_id', 'device_id', (s) => parseInt(s, 16)],
  ['dormant', 'dormant'],
  ['flags', 'flags', (s) => parseInt(s, 16)],
  ['ifindex', 'iface_id'],
  ['iflink', 'iface_link'],
  ['link_mode', 'iface_link_mode'],
  ['mtu', 'mtu_bytes'],
  ['name_assign_type', 'name_assign_type'],
  ['netdev_group', 'net_dev_group'],
  ['type', 'protocol_type'],
  ['speed', 'speed_bytes', (s) => Number(s) * 125_000],
  ['tx_queue_len', 'transmit_queue_length'],
  ['statistics/rx_nohandler', 'receive_nohandler_total'],
];

function attr(dir: string, file: string): string | undefined {
  try {
    return readFileSync(`${dir}/${file}`, 'utf8').trim();
  } catch {
    return undefined; // EINVAL for attributes a device does not implement, ENOENT on older kernels
  }
}

export function readNetClass(sysRoot: string): HostNetDevice[] {
  let names: string[];
  try {
    names = readdirSync(`${sysRoot}/class/net`).sort().slice(0, MAX_NET_DEVICES);
  } catch {
    return [];
  }
  const out: HostNetDevice[] = [];
  for (const device of names) {
    const dir = `${sysRoot}/class/net/${device}`;
    const operstate = attr(dir, 'operstate');
    if (operstate === undefined) continue; // gone since the listing
    const values: Record<string, number> = { up: operstate === 'up' ? 1 : 0 };
    for (const [file, key, parse] of NUMERIC) {
      const s = attr(dir, file);
      if (s === undefined || s === '') continue;
      const v = parse ? parse(s) : Number(s);
      if (Number.isFinite(v)) values[key] = v;
    }
    out.push({
      device,
      operstate,
      address: attr(dir, 'address') ?? '',
      broadcast: attr(dir, 'broadcast') ?? '',
      duplex: attr(dir, 'duplex') ?? '',
      ifalias: attr(dir, 'ifalias') ?? '',
      values,
    });
  }
  return out;
}
