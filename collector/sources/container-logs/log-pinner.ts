// The main thread's side of the pinning worker: which log generations of a directory are held
// open (by dev:inode, with the fd that keeps each readable after the engine renames or deletes it).
import { closeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { ContainerFileTexts } from './log-files.ts';

export type Pinned = { key: string; fd: number; name: string };

export class LogPinner {
  private readonly worker: Worker;
  /** Pins by directory; onPin is set once the main thread follows the directory. */
  private readonly byDir = new Map<
    string,
    { pinned: Map<string, Pinned>; onPin?: () => void; config?: ContainerFileTexts }
  >();
  /** Directories let go of whose release the worker has not confirmed: pins still in flight for them are its closed fds. */
  private readonly dropped = new Set<string>();
  private readonly syncs = new Map<number, () => void>();
  private syncSeq = 0;

  /**
   * onWatchError: a directory could not be watched (its generations are then only found by polling).
   * onConfig: the worker read a container's config files (a new container under the watched root).
   */
  constructor(onWatchError: (dir: string, message: string) => void, onConfig: (dir: string) => void) {
    // A small young generation: the worker only keeps fds and stats (its default would add ~30 MiB RSS).
    this.worker = new Worker(new URL('./log-pinner-worker.ts', import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: 2 },
    });
    this.worker.unref();
    type FromWorker =
      | (Pinned & { kind: 'pin'; dir: string })
      | { kind: 'sync'; dir: string; n: number }
      | { kind: 'unwatched'; dir: string }
      | { kind: 'failed'; dir: string; message: string }
      | { kind: 'config'; dir: string; texts: ContainerFileTexts };
    this.worker.on('message', (m: FromWorker) => {
      if (m.kind === 'failed') return onWatchError(m.dir, m.message);
      if (m.kind === 'sync') {
        this.syncs.get(m.n)?.();
        this.syncs.delete(m.n);
        return;
      }
      if (m.kind === 'unwatched') {
        this.dropped.delete(m.dir);
        return;
      }
      if (this.dropped.has(m.dir)) return;
      let d = this.byDir.get(m.dir);
      if (!d) this.byDir.set(m.dir, (d = { pinned: new Map() }));
      if (m.kind === 'config') {
        d.config = m.texts;
        return onConfig(m.dir);
      }
      d.pinned.set(m.key, { key: m.key, fd: m.fd, name: m.name });
      d.onPin?.();
    });
  }

  /**
   * Watches the engine's containers directory from the worker: every container directory created
   * from now on has its generations pinned even before this thread hears of the container. Each
   * such directory must then be followed (watch) or let go of (unwatch).
   */
  watchRoot(containersDir: string, suffix: string, rescanMs: number): Promise<void> {
    return this.request({ op: 'root', dir: containersDir, suffix, rescanMs });
  }

  /** Pins every generation of `<base>*` in dir from now on; onPin runs (on this thread) after each. */
  watch(dir: string, base: string, onPin: () => void): void {
    let d = this.byDir.get(dir);
    if (d?.onPin) return;
    if (!d) this.byDir.set(dir, (d = { pinned: new Map() }));
    d.onPin = onPin;
    this.worker.postMessage({ op: 'watch', dir, base });
  }

  /** The container's config files as the worker read them when they appeared (it may be gone since). */
  config(dir: string): ContainerFileTexts | undefined {
    return this.byDir.get(dir)?.config;
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
    return this.request({ op: 'sync', dir });
  }

  /** Posts a request that the worker answers with its number once done. */
  private request(msg: { op: string; dir: string; suffix?: string; rescanMs?: number }): Promise<void> {
    const n = ++this.syncSeq;
    return new Promise((resolve) => {
      this.syncs.set(n, resolve);
      this.worker.postMessage({ ...msg, n });
    });
  }

  /** The file is read to its end (or skipped): its pin can go. */
  release(dir: string, key: string): void {
    const d = this.byDir.get(dir);
    if (!d?.pinned.delete(key)) return;
    this.worker.postMessage({ op: 'release', dir, key });
  }

  unwatch(dir: string): void {
    this.byDir.delete(dir);
    this.dropped.add(dir);
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
