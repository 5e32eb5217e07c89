// Reading small kernel files (cgroup, /proc) through descriptors kept open between samples: one
// pread at offset 0 per read instead of open/fstat/read/close, which the kernel re-renders on
// every read at offset 0. Bounded by a shared descriptor budget; past it, reads open and close.
import { closeSync, openSync, readSync } from 'node:fs';

export type ReadFn = (path: string) => string | undefined;

/** Shared across every container's files: how many descriptors are kept, and the bound. */
export class FdBudget {
  open = 0;
  /** Reads done open-read-close because the budget was spent (counted, never silent). */
  uncachedReads = 0;
  readonly max: number;
  readonly buf = Buffer.allocUnsafe(64 * 1024);

  constructor(max: number) {
    this.max = max;
  }
}

const MISSING = -1;

/** One owner's kept files (a container, the host); close() gives the descriptors back. */
export class KeptFiles {
  private readonly fds = new Map<string, number>();
  private readonly budget: FdBudget;

  constructor(budget: FdBudget) {
    this.budget = budget;
  }

  /**
   * A file's text; undefined when it does not exist (remembered: optional files the kernel lacks
   * are not retried each sample). Throws on other errors, e.g. ENODEV once the cgroup is removed.
   */
  readonly read: ReadFn = (path) => {
    let fd = this.fds.get(path);
    if (fd === MISSING) return undefined;
    if (fd === undefined) {
      try {
        fd = openSync(path, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.fds.set(path, MISSING);
        return undefined;
      }
      if (this.budget.open >= this.budget.max) {
        this.budget.uncachedReads++;
        try {
          return readWhole(fd, this.budget.buf);
        } finally {
          closeSync(fd);
        }
      }
      this.fds.set(path, fd);
      this.budget.open++;
    }
    return readWhole(fd, this.budget.buf);
  };

  close(): void {
    for (const fd of this.fds.values()) {
      if (fd === MISSING) continue;
      try {
        closeSync(fd);
      } catch {
        // already gone with its cgroup
      }
      this.budget.open--;
    }
    this.fds.clear();
  }
}

function readWhole(fd: number, buf: Buffer): string {
  let n = readSync(fd, buf, 0, buf.length, 0);
  if (n < buf.length) return buf.toString('utf8', 0, n);
  // Larger than the shared buffer (a host with many block devices): keep reading.
  const parts = [Buffer.from(buf.subarray(0, n))];
  let pos = n;
  while ((n = readSync(fd, buf, 0, buf.length, pos)) > 0) {
    parts.push(Buffer.from(buf.subarray(0, n)));
    pos += n;
  }
  return Buffer.concat(parts).toString('utf8');
}
