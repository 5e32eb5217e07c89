// What the host is, read at the slow cadence: kernel identity (node_uname_info), the host root's
// /etc/os-release (node_os_info), machine and boot ids (cAdvisor's machine_* labels), the clock
// source and SELinux state. A pure function over the proc, sys and host-root directories.
import { existsSync, readFileSync } from 'node:fs';
import { machine } from 'node:os';
import type { HostSystem } from '../../../common/schema/index.ts';

export type SystemRoots = { procRoot: string; sysRoot: string; hostRoot: string };

function text(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

const first = (...paths: string[]) => paths.map(text).find((t) => t !== undefined);

/** os-release(5): KEY=value lines, values optionally quoted with shell escapes. */
export function parseOsRelease(src: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of src.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    const q = v[0];
    if ((q === '"' || q === "'") && v.endsWith(q)) v = v.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    out[m[1]!.toLowerCase()] = v.slice(0, 256);
  }
  return out;
}

export function readSystem(roots: SystemRoots, nodename: string): HostSystem {
  const { procRoot: p, sysRoot: s, hostRoot: h } = roots;
  const os = parseOsRelease(first(`${h}/etc/os-release`, `${h}/usr/lib/os-release`) ?? '');
  const clock = `${s}/devices/system/clocksource/clocksource0`;
  const current = text(`${clock}/current_clocksource`);
  return {
    uname: {
      sysname: text(`${p}/sys/kernel/ostype`) ?? 'Linux',
      release: text(`${p}/sys/kernel/osrelease`) ?? '',
      version: text(`${p}/sys/kernel/version`) ?? '',
      // The collector shares the host's kernel, so its architecture is the host's.
      machine: machine(),
      nodename,
      domainname: text(`${p}/sys/kernel/domainname`) ?? '(none)',
    },
    os: Object.fromEntries(Object.entries(os).slice(0, 32)),
    bootId: text(`${p}/sys/kernel/random/boot_id`) ?? '',
    machineId: first(`${h}/etc/machine-id`, `${h}/var/lib/dbus/machine-id`) ?? '',
    systemUuid: text(`${s}/class/dmi/id/product_uuid`) ?? '',
    ...(current !== undefined && {
      clocksource: {
        current,
        available: (text(`${clock}/available_clocksource`) ?? '').split(/\s+/).filter(Boolean).slice(0, 16),
      },
    }),
    selinuxEnabled: existsSync(`${s}/fs/selinux/enforce`),
  };
}
