// The host's filesystems for node_filesystem_*, as the host sees them: mounts from PID 1's
// mountinfo (the host's mount namespace even in a container with the host /proc mounted), sizes
// from statfs under the host root's mount point (e.g. /host/root), mountpoints reported as on the
// host. Excludes what node-exporter excludes by default (virtual filesystems, container overlays).
import { statfs } from 'node:fs/promises';
import type { HostFilesystem } from '../../../common/schema/index.ts';

/** node-exporter's default --collector.filesystem.fs-types-exclude. */
const FS_TYPES_EXCLUDE =
  /^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$/;
/** node-exporter's default --collector.filesystem.mount-points-exclude. */
const MOUNTS_EXCLUDE =
  /^\/(dev|proc|run\/credentials\/.+|sys|var\/lib\/docker\/.+|var\/lib\/containers\/storage\/.+)($|\/)/;
/** Bound on filesystems per record; a host past it reports the first ones (mount order). */
export const MAX_FILESYSTEMS = 256;

export type Mount = { device: string; mountpoint: string; fstype: string; readonly: boolean };

/** mountinfo(5) escapes space, tab, newline and backslash as octal (\040). */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** /proc/<pid>/mountinfo → the mounts node-exporter reports (one per mountpoint: the last mounted wins). */
export function parseMountinfo(text: string): Mount[] {
  const byMountpoint = new Map<string, Mount>();
  for (const line of text.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(' ');
    const [fstype, source] = line.slice(dash + 3).split(' ');
    const mountpoint = unescape(left[4] ?? '');
    if (!fstype || !mountpoint || FS_TYPES_EXCLUDE.test(fstype) || MOUNTS_EXCLUDE.test(mountpoint)) continue;
    byMountpoint.delete(mountpoint); // re-inserted at the end: mount order of what is visible
    byMountpoint.set(mountpoint, {
      device: unescape(source ?? 'none'),
      mountpoint,
      fstype,
      readonly: (left[5] ?? '').split(',').includes('ro'),
    });
  }
  return [...byMountpoint.values()].slice(0, MAX_FILESYSTEMS);
}

/**
 * statfs of each mount through hostRoot ('/' when the collector runs on the host itself);
 * `mountpointPrefix` is prepended to reported mountpoints ('/rootfs' gives swarmprom's names).
 */
export async function statFilesystems(
  mounts: Mount[],
  hostRoot: string,
  mountpointPrefix = '',
): Promise<HostFilesystem[]> {
  const root = hostRoot.replace(/\/+$/, '');
  const out: HostFilesystem[] = [];
  for (const m of mounts) {
    const reported = mountpointPrefix
      ? `${mountpointPrefix.replace(/\/+$/, '')}${m.mountpoint === '/' ? '' : m.mountpoint}`
      : m.mountpoint;
    const base = { device: m.device, mountpoint: reported, fstype: m.fstype, readonly: m.readonly };
    try {
      const s = await statfs(`${root}${m.mountpoint}`);
      out.push({
        ...base,
        sizeBytes: s.blocks * s.bsize,
        freeBytes: s.bfree * s.bsize,
        availBytes: s.bavail * s.bsize,
        files: s.files,
        filesFree: s.ffree,
      });
    } catch {
      // Unmounted since the listing, or not visible under the host root: node-exporter's device_error.
      out.push({ ...base, sizeBytes: 0, freeBytes: 0, availBytes: 0, deviceError: true });
    }
  }
  return out;
}
