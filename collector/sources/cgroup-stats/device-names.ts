// Block device names for blkio's "major:minor" keys, from /proc/partitions (as cAdvisor labels
// container_blkio_device_usage_total{device}); re-read at most once per round when a key is new.
import { readFile } from 'node:fs/promises';
import { parsePartitions } from '../../readers/proc-parse.ts';

export class DeviceNames {
  private names = new Map<string, string>();
  private readonly path: string;
  private rereadThisRound = false;

  constructor(procRoot: string) {
    this.path = `${procRoot}/partitions`;
  }

  /** Call once per sampling round: allows one re-read for devices first seen in it. */
  async refresh(keys: Iterable<string>): Promise<void> {
    this.rereadThisRound = false;
    for (const k of keys) {
      if (this.names.has(k) || this.rereadThisRound) continue;
      this.rereadThisRound = true;
      this.names = parsePartitions(await readFile(this.path, 'utf8').catch(() => undefined));
    }
  }

  /** The device name, or "major:minor" for a device the host does not list. */
  name(major: number, minor: number): string {
    const key = `${major}:${minor}`;
    return this.names.get(key) ?? key;
  }
}
