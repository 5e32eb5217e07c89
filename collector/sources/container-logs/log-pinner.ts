// The main thread's side of the pinning worker: which log generations of a directory are held
// open (by dev:inode, with the fd that keeps each readable after the engine renames or deletes it),
// and the looks the worker took, kept until the directory's reader takes them.
import { closeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Pin, Snapshot } from './generation-scan.ts';
import type { GenerationPins } from './json-file-tailer.ts';
import type { ContainerFileTexts } from './log-files.ts';

export type Pinned = Pin;

/** Looks kept per directory until its reader takes them; past it the oldest go (their adjacency proofs with them). */
const MAX_LOOKS = 4096;

type DirState = { pinned: Map<string, Pinned>; looks: Snapshot[]; onPin?: () => void; config?: ContainerFileTexts };

export class LogPinner implements GenerationPins {
  private readonly worker: Worker;
  /** Pins and looks by directory; onPin is set once the main thread follows the directory. */
  private readonly byDir = new Map<string, DirState>();
  /** Looks dropped at MAX_LOOKS (a reader that did not keep up: boundaries then unproven, flagged). */
  droppedLooks = 0;
  /** Directories let go of whose release the worker has not confirmed: pins still in flight for them are its closed fds. */
  private readonly stopping = new Set<string>();
  /** Requests the worker has not answered yet, by number. */
  private readonly replies = new Map<number, () => void>();
  private lastRequest = 0;

  /**
   * onWatchError: a directory could not be watched (its generations are then only found by polling).
   * onConfig: the worker read a container's config files (a new container under the watched root).
   * onPriority: the worker raised its priority to `nice`, or could not (`error`).
   */
  constructor(
    onWatchError: (dir: string, message: string) => void,
    onConfig: (dir: string) => void,
    onPriority: (nice: number, error: string | undefined) => void,
  ) {
    // A small young generation: the worker only keeps fds and stats (its default would add ~30 MiB RSS).
    // V8 lets a process-wide --max-semi-space-size (the stack's NODE_OPTIONS) override a worker's own
    // limit (it gave this worker 8 MiB of young generation): cleared before the worker's isolate is
    // made, the flag still bounds the main isolate, configured at start with it.
    setFlagsFromString('--max-semi-space-size=0');
    // Beside this module, in its language: .ts from the sources, .js compiled (dist/, as the image runs it).
    const worker = import.meta.url.endsWith('.ts') ? './log-pinner-worker.ts' : './log-pinner-worker.js';
    this.worker = new Worker(new URL(worker, import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: 2 },
    });
    this.worker.unref();
    type FromWorker =
      | { kind: 'look'; dir: string; look: Snapshot }
      | { kind: 'done'; dir: string; n: number }
      | { kind: 'stopped'; dir: string }
      | { kind: 'failed'; dir: string; message: string }
      | { kind: 'config'; dir: string; texts: ContainerFileTexts }
      | { kind: 'priority'; nice: number; error?: string };
    this.worker.on('message', (m: FromWorker) => {
      if (m.kind === 'priority') return onPriority(m.nice, m.error);
      if (m.kind === 'failed') return onWatchError(m.dir, m.message);
      if (m.kind === 'done') {
        this.replies.get(m.n)?.();
        this.replies.delete(m.n);
        return;
      }
      if (m.kind === 'stopped') {
        this.stopping.delete(m.dir);
        return;
      }
      if (this.stopping.has(m.dir)) return;
      const d = this.stateOf(m.dir);
      if (m.kind === 'config') {
        d.config = m.texts;
        return onConfig(m.dir);
      }
      for (const p of m.look.pins) d.pinned.set(p.key, p);
      d.looks.push(m.look);
      if (d.looks.length > MAX_LOOKS) {
        d.looks.shift();
        this.droppedLooks++;
      }
      if (m.look.pins.length > 0) d.onPin?.();
    });
  }

  /**
   * Watches the engine's containers directory from the worker: every container directory created
   * from now on has its generations pinned even before this thread hears of the container. Each
   * such directory must then be followed (pinGenerationsOf) or let go of (stopPinning).
   */
  watchContainersDir(containersDir: string, suffix: string, rescanMs: number): Promise<void> {
    return this.askWorker({ op: 'containers-dir', dir: containersDir, suffix, rescanMs });
  }

  private stateOf(dir: string): DirState {
    let d = this.byDir.get(dir);
    if (!d) this.byDir.set(dir, (d = { pinned: new Map(), looks: [] }));
    return d;
  }

  /** Pins every generation of `<base>*` in dir from now on; onPin runs (on this thread) after each. */
  pinGenerationsOf(dir: string, base: string, onPin: () => void): void {
    const d = this.stateOf(dir);
    if (d.onPin) return;
    d.onPin = onPin;
    this.worker.postMessage({ op: 'pin', dir, base });
  }

  /** The container's config files as the worker read them when they appeared (it may be gone since). */
  configTexts(dir: string): ContainerFileTexts | undefined {
    return this.byDir.get(dir)?.config;
  }

  /** Generations pinned so far, oldest pin first. */
  pinsOf(dir: string): Pinned[] {
    return [...(this.byDir.get(dir)?.pinned.values() ?? [])];
  }

  heldFd(dir: string, key: string): number | undefined {
    return this.byDir.get(dir)?.pinned.get(key)?.fd;
  }

  takeLooks(dir: string): Snapshot[] {
    const d = this.byDir.get(dir);
    if (!d || d.looks.length === 0) return [];
    const looks = d.looks;
    d.looks = [];
    return looks;
  }

  /** Has the worker look at dir now; resolves once that look (and every one before) is known here. */
  lookAndWait(dir: string): Promise<void> {
    return this.askWorker({ op: 'look-now', dir });
  }

  /** Posts a request that the worker answers with its number once done. */
  private askWorker(msg: { op: string; dir: string; suffix?: string; rescanMs?: number }): Promise<void> {
    const n = ++this.lastRequest;
    return new Promise((resolve) => {
      this.replies.set(n, resolve);
      this.worker.postMessage({ ...msg, n });
    });
  }

  /** The file is read to its end (or skipped): its pin can go. */
  unpin(dir: string, key: string): void {
    const d = this.byDir.get(dir);
    if (!d?.pinned.delete(key)) return;
    this.worker.postMessage({ op: 'unpin', dir, key });
  }

  /** Lets go of a directory: its pins are closed and it is not watched again unless asked. */
  stopPinning(dir: string): void {
    this.byDir.delete(dir);
    this.stopping.add(dir);
    this.worker.postMessage({ op: 'stop', dir });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
    for (const resolve of this.replies.values()) resolve();
    this.replies.clear();
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
