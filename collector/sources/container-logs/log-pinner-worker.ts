// Runs in a worker thread: watches container log directories and opens every log generation the
// moment it appears, so a fast writer's generations (rotated, gzipped, deleted within tens of ms)
// stay readable however busy the main thread is. The main thread reads them through /proc/self/fd.
import { closeSync, fstatSync, openSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';

type Msg = { op: 'watch'; dir: string; base: string } | { op: 'unwatch'; dir: string } | { op: 'release'; dir: string; key: string } | { op: 'sync'; dir: string; n: number };

const dirs = new Map<string, { base: string; watcher?: FSWatcher; pinned: Map<string, number> }>();

function scan(dir: string): void {
  const d = dirs.get(dir);
  if (!d) return;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(d.base) || !/^(?:\.\d+)?(?:\.gz)?$/.test(name.slice(d.base.length))) continue;
    try {
      const st = statSync(join(dir, name));
      if (d.pinned.has(`${st.dev}:${st.ino}`)) continue;
      const fd = openSync(join(dir, name), 'r');
      const real = fstatSync(fd);
      const key = `${real.dev}:${real.ino}`;
      if (d.pinned.has(key)) {
        closeSync(fd);
        continue;
      }
      d.pinned.set(key, fd);
      parentPort!.postMessage({ dir, key, fd, name });
    } catch {
      // vanished between listing and opening: a newer listing sees its successor
    }
  }
}

parentPort!.on('message', (m: Msg) => {
  if (m.op === 'watch') {
    if (dirs.has(m.dir)) return;
    const d: { base: string; watcher?: FSWatcher; pinned: Map<string, number> } = { base: m.base, pinned: new Map() };
    dirs.set(m.dir, d);
    try {
      // Creations, renames and deletions only: appends ('change') bring no new generation.
      d.watcher = watch(m.dir, (ev) => ev === 'rename' && scan(m.dir));
      d.watcher.on('error', () => undefined);
    } catch {
      // the directory is gone already
    }
    scan(m.dir);
  } else if (m.op === 'sync') {
    scan(m.dir);
    parentPort!.postMessage({ dir: m.dir, sync: m.n }); // after every pin of dir posted so far
  } else if (m.op === 'release') {
    const d = dirs.get(m.dir);
    const fd = d?.pinned.get(m.key);
    if (fd === undefined) return;
    d!.pinned.delete(m.key);
    closeSync(fd);
  } else {
    const d = dirs.get(m.dir);
    if (!d) return;
    d.watcher?.close();
    for (const fd of d.pinned.values()) closeSync(fd);
    dirs.delete(m.dir);
  }
});
