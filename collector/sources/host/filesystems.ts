// The host's filesystems for node_filesystem_*: mounts listed by systeminformation (it runs df,
// so this is sampled at a slow cadence), sizes and inodes from statfs, excluding what
// node-exporter excludes by default (virtual filesystems, container overlays).
import { statfs } from 'node:fs/promises';
import si from 'systeminformation';
import type { HostFilesystem } from '../../../common/schema/index.ts';

/** node-exporter's default --collector.filesystem.fs-types-exclude. */
const FS_TYPES_EXCLUDE =
  /^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$/;
/** node-exporter's default --collector.filesystem.mount-points-exclude. */
const MOUNTS_EXCLUDE =
  /^\/(dev|proc|run\/credentials\/.+|sys|var\/lib\/docker\/.+|var\/lib\/containers\/storage\/.+)($|\/)/;
/** Bound on filesystems per record; a host past it reports the first ones (mount order). */
export const MAX_FILESYSTEMS = 256;

export async function readFilesystems(): Promise<HostFilesystem[]> {
  const mounts = (await si.fsSize())
    .filter((m) => !FS_TYPES_EXCLUDE.test(m.type) && !MOUNTS_EXCLUDE.test(m.mount))
    .slice(0, MAX_FILESYSTEMS);
  const out: HostFilesystem[] = [];
  for (const m of mounts) {
    try {
      const s = await statfs(m.mount);
      out.push({
        device: m.fs,
        mountpoint: m.mount,
        fstype: m.type,
        sizeBytes: s.blocks * s.bsize,
        freeBytes: s.bfree * s.bsize,
        availBytes: s.bavail * s.bsize,
        files: s.files,
        filesFree: s.ffree,
        readonly: !m.rw,
      });
    } catch {
      // unmounted between the listing and statfs: leave it out of this reading
    }
  }
  return out;
}
