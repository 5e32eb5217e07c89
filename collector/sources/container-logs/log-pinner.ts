// The main thread's side of the pinning worker: which log generations of a directory are held
// open (by dev:inode, with the fd that keeps each readable after the engine renames or deletes it).
import { closeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

export type Pinned = { key: string; fd: number; name: string };

export class LogPinner {
  private readonly worker: Worker;
  private readonly byDir = new Map<string, { pinned: Map<string, Pinned>; onPin: () => void }>();
  private readonly syncs = new Map<number, () => void>();
  private syncSeq = 0;

  constructor() {
    this.worker = new Worker(new URL('./log-pinner-worker.ts', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (m: (Pinned & { dir: string; sync?: undefined }) | { dir: string; sync: number }) => {
      if (m.sync !== undefined) {
        this.syncs.get(m.sync)?.();
        this.syncs.delete(m.sync);
        return;
      }
      const d = this.byDir.get(m.dir);
      if (!d) return;
      d.pinned.set(m.key, { key: m.key, fd: m.fd, name: m.name });
      d.onPin();
    });
  }

  /** Pins every generation of `<base>*` in dir from now on; onPin runs (on this thread) after each. */
  watch(dir: string, base: string, onPin: () => void): void {
    if (this.byDir.has(dir)) return;
    this.byDir.set(dir, { pinned: new Map(), onPin });
    this.worker.postMessage({ op: 'watch', dir, base });
  }

  /** Generations pinned so far, oldest pin first. */
  pinned(dir: string): Pinned[] {
    return [...(this.byDir.get(dir)?.pinned.values() ?? [])];
  }

  get(dir: string, key: string): Pinned | undefined {
    return this.byDir.get(dir)?.pinned.get(key);
  }

  /** Resolves once every generation the worker pinned in dir so far is known here. */
  sync(dir: string): Promise<void> {
    const n = ++this.syncSeq;
    return new Promise((resolve) => {
      this.syncs.set(n, resolve);
      this.worker.postMessage({ op: 'sync', dir, n });
    });
  }

  /** The file is read to its end (or skipped): its pin can go. */
  release(dir: string, key: string): void {
    const d = this.byDir.get(dir);
    if (!d?.pinned.delete(key)) return;
    this.worker.postMessage({ op: 'release', dir, key });
  }

  unwatch(dir: string): void {
    if (!this.byDir.delete(dir)) return;
    this.worker.postMessage({ op: 'unwatch', dir });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
    for (const resolve of this.syncs.values()) resolve();
    this.syncs.clear();
    // Pins not released are the worker's fds, still open (fds belong to the process): close them.
    for (const d of this.byDir.values()) {
      for (const p of d.pinned.values()) {
        try {
          closeSync(p.fd);
        } catch {
          // already closed
        }
      }
    }
    this.byDir.clear();
  }
}
