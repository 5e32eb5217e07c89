// Finding a container's cgroup: which hierarchy the host runs (v1 or v2), and where the
// container's directories are under the cgroupfs or systemd driver layouts.
import { access } from 'node:fs/promises';
import type { V1Dirs } from './v1.ts';

export type CgroupLocation = { version: 1; dirs: V1Dirs } | { version: 2; dir: string };

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** v2 when the root carries cgroup.controllers (the unified hierarchy), else v1. */
export async function detectCgroupVersion(root: string): Promise<1 | 2> {
  return (await exists(`${root}/cgroup.controllers`)) ? 2 : 1;
}

/** Candidate leaf names, cgroupfs first then systemd; cgroupParent lets a custom parent win. */
function leaves(id: string, cgroupParent?: string): string[] {
  const out = [`docker/${id}`, `system.slice/docker-${id}.scope`];
  if (cgroupParent)
    out.unshift(`${cgroupParent.replace(/^\/+/, '')}/${id}`, `${cgroupParent.replace(/^\/+/, '')}/docker-${id}.scope`);
  return out;
}

export async function locateCgroup(
  root: string,
  version: 1 | 2,
  id: string,
  cgroupParent?: string,
): Promise<CgroupLocation | undefined> {
  for (const leaf of leaves(id, cgroupParent)) {
    if (version === 2) {
      if (await exists(`${root}/${leaf}/cpu.stat`)) return { version: 2, dir: `${root}/${leaf}` };
      continue;
    }
    const cpuacct = (await exists(`${root}/cpuacct/${leaf}`))
      ? `${root}/cpuacct/${leaf}`
      : `${root}/cpu,cpuacct/${leaf}`;
    if (!(await exists(`${cpuacct}/cpuacct.usage`))) continue;
    const cpu = (await exists(`${root}/cpu/${leaf}`)) ? `${root}/cpu/${leaf}` : cpuacct;
    // Hybrid hosts mount the unified hierarchy beside v1; it carries the container's PSI files.
    const unified = (await exists(`${root}/unified/${leaf}/cpu.pressure`)) ? `${root}/unified/${leaf}` : undefined;
    return {
      version: 1,
      dirs: {
        cpuacct,
        cpu,
        memory: `${root}/memory/${leaf}`,
        blkio: `${root}/blkio/${leaf}`,
        pids: `${root}/pids/${leaf}`,
        unified,
      },
    };
  }
  return undefined;
}
