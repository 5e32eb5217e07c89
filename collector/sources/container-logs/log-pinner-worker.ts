// Runs in a worker thread: watches the engine's containers directory and every container log
// directory, and opens every log generation the moment it appears, so a fast writer's generations
// (rotated, gzipped, deleted within tens of ms) stay readable however busy the main thread is, even
// when it is busy while the container is created. The main thread reads them through /proc/self/fd.
import { closeSync, readdirSync, readFileSync, readlinkSync, statSync, watch, type FSWatcher } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { fileKey, scanGenerations } from './generation-scan.ts';

type Msg =
  | { op: 'containers-dir'; dir: string; suffix: string; rescanMs: number; n: number }
  | { op: 'pin'; dir: string; base: string }
  | { op: 'stop'; dir: string }
  | { op: 'unpin'; dir: string; key: string }
  | { op: 'look-now'; dir: string; n: number };

/** current: the live log file (its fileKey) just before the last scan's listing; a rotation replaces it. */
type Dir = { base: string; watcher?: FSWatcher; pinned: Map<string, number>; configSent?: boolean; current?: string };

/**
 * This thread's nice value. Its work is a few opens per rotation, due within the tens of ms a fast
 * writer's generation lives: on a busy node a thread of normal priority waited 65–100 ms for a CPU
 * (its schedstat) and generations were deleted before it opened them. Linux keeps nice per thread,
 * so only this one is raised; that needs CAP_SYS_NICE (the stack adds it), else it stays at 0.
 */
const NICE = -10;

function raisePriority(): void {
  let error: string | undefined;
  try {
    // The thread's own id: /proc/thread-self is <pid>/task/<tid>.
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), NICE);
  } catch (err) {
    error = (err as Error).message;
  }
  parentPort!.postMessage({ kind: 'priority', nice: NICE, error });
}

const dirs = new Map<string, Dir>();
/** Directories the main thread let go of: not watched again on their own (only when asked). */
const stopped = new Set<string>();

/**
 * The container's config files, sent once they are both there (the engine writes them at create,
 * atomically): a container removed before the main thread got to it is still known by its labels.
 */
function sendConfig(dir: string, d: Dir): void {
  try {
    const texts = {
      config: readFileSync(join(dir, 'config.v2.json'), 'utf8'),
      hostconfig: readFileSync(join(dir, 'hostconfig.json'), 'utf8'),
    };
    JSON.parse(texts.config);
    JSON.parse(texts.hostconfig);
    d.configSent = true;
    parentPort!.postMessage({ kind: 'config', dir, texts });
  } catch {
    // not written yet: the next event in the directory looks again
  }
}

function lookAt(dir: string): void {
  const d = dirs.get(dir);
  if (!d) return;
  if (!d.configSent) sendConfig(dir, d);
  // The live file before the listing: one that replaces it while the listing is read (its
  // predecessor then missing from the listing) differs from it at the next rescan.
  const current = liveFileNow(dir, d);
  const look = scanGenerations(dir, d.base, d.pinned);
  // Every look is sent (also one that pinned nothing): it is what proves generations adjacent.
  if (look.positions.length > 0 || look.pins.length > 0) parentPort!.postMessage({ kind: 'look', dir, look });
  d.current = current;
}

/** A watch that could not be set up or failed (inotify limits: EMFILE, ENOSPC) is reported, not swallowed. */
function reportWatchFailure(dir: string, err: unknown): void {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return; // the directory is gone already: nothing to watch
  parentPort!.postMessage({ kind: 'failed', dir, message: `${code ?? ''} ${(err as Error).message}`.trim() });
}

function pinGenerationsOf(dir: string, base: string): void {
  if (dirs.has(dir)) return;
  const d: Dir = { base, pinned: new Map() };
  dirs.set(dir, d);
  try {
    // Creations, renames and deletions only: appends ('change') bring no new generation.
    d.watcher = watch(dir, (ev) => ev === 'rename' && lookAt(dir));
    d.watcher.on('error', (err) => reportWatchFailure(dir, err));
  } catch (err) {
    reportWatchFailure(dir, err);
  }
  lookAt(dir);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

let containers: { dir: string; suffix: string } | undefined;

/** A name seen in the containers directory: a new container's directory is watched from then on. */
function containerEntry(name: string): void {
  if (!containers || !/^[0-9a-f]{64}$/.test(name)) return;
  const dir = join(containers.dir, name);
  if (dirs.has(dir)) return;
  if (!isDir(dir)) stopped.delete(dir);
  else if (!stopped.has(dir)) pinGenerationsOf(dir, `${name}${containers.suffix}`);
}

/** The directory's live log file now: one stat tells whether a generation came or went since the last scan. */
function liveFileNow(dir: string, d: Dir): string | undefined {
  try {
    // Birth time in the key: an inode freed by a deleted generation can go to the next live file.
    return fileKey(statSync(join(dir, d.base), { bigint: true }));
  } catch {
    return undefined;
  }
}

/**
 * Every rescanMs the containers directory is listed and each log directory whose live file changed is
 * scanned: inotify drops events when its queue overflows (busy writers' appends fill it) and says nothing.
 * This listing is not the container inventory's (collector/docker-inventory.ts), on purpose: that one
 * runs on the main thread (blocked when this one matters), every SWARMSCOPE_INTERVAL (10 s), and through
 * the API, which never lists a `--rm` container gone in between. Containers it lists are pinned anyway
 * (followed-containers.ts follows them); this one is the worker's own net under a lost inotify event.
 */
function watchContainersDir(dir: string, suffix: string, rescanMs: number): void {
  containers = { dir, suffix };
  try {
    // A container directory appears at `create`, before its log file: watch it from then on.
    const w = watch(dir, (_ev, name) => name && containerEntry(name));
    w.on('error', (err) => reportWatchFailure(dir, err));
  } catch (err) {
    reportWatchFailure(dir, err);
  }
  setInterval(() => {
    try {
      const names = readdirSync(dir);
      for (const name of names) containerEntry(name);
      const present = new Set(names.map((n) => join(dir, n)));
      for (const gone of stopped) if (!present.has(gone)) stopped.delete(gone);
    } catch {
      // reported by the watch
    }
    for (const [path, d] of dirs) if (!d.configSent || liveFileNow(path, d) !== d.current) lookAt(path);
  }, rescanMs);
}

raisePriority();

parentPort!.on('message', (m: Msg) => {
  if (m.op === 'containers-dir') {
    watchContainersDir(m.dir, m.suffix, m.rescanMs);
    parentPort!.postMessage({ kind: 'done', dir: m.dir, n: m.n }); // the watch is in place
  } else if (m.op === 'pin') {
    stopped.delete(m.dir);
    pinGenerationsOf(m.dir, m.base);
  } else if (m.op === 'look-now') {
    lookAt(m.dir);
    parentPort!.postMessage({ kind: 'done', dir: m.dir, n: m.n }); // after every pin of dir posted so far
  } else if (m.op === 'unpin') {
    const d = dirs.get(m.dir);
    const fd = d?.pinned.get(m.key);
    if (fd === undefined) return;
    d!.pinned.delete(m.key);
    closeSync(fd);
  } else {
    if (isDir(m.dir)) stopped.add(m.dir); // a gone directory is not seen again: nothing to remember
    const d = dirs.get(m.dir);
    if (d) {
      d.watcher?.close();
      for (const fd of d.pinned.values()) closeSync(fd);
      dirs.delete(m.dir);
    }
    parentPort!.postMessage({ kind: 'stopped', dir: m.dir }); // after every pin of dir posted before
  }
});
