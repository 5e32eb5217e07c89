// One look at a container's log directory: opens (pins) every generation not held yet and returns
// the generations in age order as one consistent listing (no rotation happened while it was taken),
// which is what proves two generations adjacent. Synchronous on purpose: it runs in the pinning
// worker (log-pinner-worker.ts) and, in the model test, between two actions of the interpreter.
import { closeSync, fstatSync, openSync, readdirSync, statSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';

export type Pin = { key: string; fd: number; name: string };

/** One position of a listing (`.N`, `.N.gz` or the live file): the keys found there, plain first. */
export type ListedPosition = { n: number; keys: string[] };

export type Snapshot = {
  /** Positions oldest first (highest N first, the live file last). */
  positions: ListedPosition[];
  /** True when the live file was the same before and after the listing: its order is the engine's. */
  consistent: boolean;
  /** Generations opened by this look. */
  pins: Pin[];
  /**
   * What attempts a rotation disturbed saw, oldest first: each one's live file held at its start when
   * its listing missed it (newer than all pinned before), then its listing, which still lists files
   * oldest first (a rename only moves a file to an older position). They order what they pinned; they
   * prove no adjacency.
   */
  disturbed: ListedPosition[][];
};

const ATTEMPTS = 4;

/** Splits `<base>`, `<base>.N`, `<base>.N.gz` into position and compression; undefined for other names. */
export function generationName(base: string, name: string): { n: number; gz: boolean } | undefined {
  if (!name.startsWith(base)) return undefined;
  const m = /^(?:\.(\d+))?(\.gz)?$/.exec(name.slice(base.length));
  if (!m) return undefined;
  return { n: m[1] ? Number(m[1]) : 0, gz: Boolean(m[2]) };
}

/**
 * A file's identity for as long as it exists and after: dev:inode and birth time. The inode alone
 * is not one: ext4 gives a deleted generation's inode to the next new file, often the very next live
 * file, and a look, a checkpoint or an acknowledgement naming the old file must never be taken to
 * name the new one. Without birth times (file systems that keep none) it is dev:inode. `birthTimes`
 * false names it so where the file system does give them (the model test runs the reader so too).
 */
export function fileKey(st: BigIntStats, birthTimes: boolean = true): string {
  return hasBirthTime(st, birthTimes) ? `${st.dev}:${st.ino}:${st.birthtimeNs}` : `${st.dev}:${st.ino}`;
}

/** Whether a file is named and proven by its birth time: the file system keeps one, and birth times are not off. */
export function hasBirthTime(st: BigIntStats, birthTimes: boolean = true): boolean {
  return birthTimes && st.birthtimeNs > 0n;
}

/** A file's birth time, 0 when unknown (not kept by the file system, or birth times off). */
export function birthTimeOf(st: BigIntStats, birthTimes: boolean = true): bigint {
  return hasBirthTime(st, birthTimes) ? st.birthtimeNs : 0n;
}

function liveKey(dir: string, base: string, birthTimes: boolean): string | undefined {
  try {
    return fileKey(statSync(join(dir, base), { bigint: true }), birthTimes);
  } catch {
    return undefined;
  }
}

/** Opens `name` unless the file it names is pinned already; the key of what the name held. */
function pin(dir: string, name: string, pinned: Map<string, number>, pins: Pin[], birthTimes: boolean): string {
  const key = fileKey(statSync(join(dir, name), { bigint: true }), birthTimes);
  if (pinned.has(key)) return key;
  const fd = openSync(join(dir, name), 'r');
  const real = fileKey(fstatSync(fd, { bigint: true }), birthTimes);
  if (pinned.has(real)) closeSync(fd);
  else {
    pinned.set(real, fd);
    pins.push({ key: real, fd, name });
  }
  return real;
}

/**
 * Lists dir, opens every generation whose dev:inode is not in `pinned` (adding it there), and
 * retries while a rotation lands during the listing (a few times: then the last is returned as
 * not consistent). An open that finds the name gone is left to the next look.
 */
export function scanGenerations(
  dir: string,
  base: string,
  pinned: Map<string, number>,
  opts: {
    /** Runs after each name is looked at (the model test lets the engine rotate in the middle of a look). */
    afterEach?: () => void;
    birthTimes?: boolean;
  } = {},
): Snapshot {
  const { afterEach, birthTimes = true } = opts;
  const pins: Pin[] = [];
  const disturbed: ListedPosition[][] = [];
  let positions: ListedPosition[] = [];
  let before: string | undefined;
  // The attempt's live file first, when its listing missed it (two rotations during it), then the listing.
  const setAside = () => {
    if (before !== undefined && !positions.some((p) => p.keys.includes(before!)))
      disturbed.push([{ n: 0, keys: [before] }]);
  };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) {
      setAside();
      disturbed.push(positions);
    }
    // The live file is held open from before the listing: its inode cannot go to a new file while
    // the listing is read, so the same key after it means no rotation happened in between.
    try {
      before = pin(dir, base, pinned, pins, birthTimes);
    } catch {
      before = undefined;
    }
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return { positions: [], consistent: true, pins, disturbed };
    }
    const listed: Array<{ name: string; n: number; gz: boolean }> = [];
    for (const name of names) {
      const g = generationName(base, name);
      if (g) listed.push({ name, ...g });
    }
    listed.sort((a, b) => b.n - a.n || Number(a.gz) - Number(b.gz));
    positions = [];
    /** A name listed and gone when opened: the first steps of a rotation (delete, renames) do not move the live file. */
    let missed = false;
    for (const g of listed) {
      let key: string;
      try {
        key = pin(dir, g.name, pinned, pins, birthTimes);
      } catch {
        missed = true; // renamed or deleted since the listing: the listing is then not consistent
        continue;
      } finally {
        afterEach?.();
      }
      const last = positions[positions.length - 1];
      if (last?.n === g.n) last.keys.push(key);
      else positions.push({ n: g.n, keys: [key] });
    }
    // No live file before or after (a rotation between its renames and the new live file) proves
    // nothing: two such moments can frame a listing taken across two rotations.
    const unmoved = before !== undefined && before === liveKey(dir, base, birthTimes);
    if (unmoved && !missed && positions.every((p, i) => i === 0 || p.n === positions[i - 1]!.n - 1))
      return { positions, consistent: true, pins, disturbed };
  }
  setAside();
  return { positions, consistent: false, pins, disturbed };
}
