// One look at a container's log directory: opens (pins) every generation not held yet and returns
// the generations in age order as one consistent listing (no rotation happened while it was taken),
// which is what proves two generations adjacent. Synchronous on purpose: it runs in the pinning
// worker (log-pinner-worker.ts) and, in the model test, between two actions of the interpreter.
import { closeSync, fstatSync, openSync, readdirSync, statSync } from 'node:fs';
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
};

const ATTEMPTS = 4;

/** Splits `<base>`, `<base>.N`, `<base>.N.gz` into position and compression; undefined for other names. */
export function generationName(base: string, name: string): { n: number; gz: boolean } | undefined {
  if (!name.startsWith(base)) return undefined;
  const m = /^(?:\.(\d+))?(\.gz)?$/.exec(name.slice(base.length));
  if (!m) return undefined;
  return { n: m[1] ? Number(m[1]) : 0, gz: Boolean(m[2]) };
}

function keyOf(st: { dev: number; ino: number }): string {
  return `${st.dev}:${st.ino}`;
}

function liveKey(dir: string, base: string): string | undefined {
  try {
    return keyOf(statSync(join(dir, base)));
  } catch {
    return undefined;
  }
}

/** Opens `name` unless its dev:inode is pinned already; the key of what the name held. */
function pin(dir: string, name: string, pinned: Map<string, number>, pins: Pin[]): string {
  const key = keyOf(statSync(join(dir, name)));
  if (pinned.has(key)) return key;
  const fd = openSync(join(dir, name), 'r');
  const real = keyOf(fstatSync(fd));
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
  /** Runs after each name is looked at (the model test lets the engine rotate in the middle of a look). */
  afterEach?: () => void,
): Snapshot {
  const pins: Pin[] = [];
  let positions: ListedPosition[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    // The live file is held open from before the listing: its inode cannot go to a new file while
    // the listing is read, so the same key after it means no rotation happened in between.
    let before: string | undefined;
    try {
      before = pin(dir, base, pinned, pins);
    } catch {
      before = undefined;
    }
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return { positions: [], consistent: true, pins };
    }
    const listed: Array<{ name: string; n: number; gz: boolean }> = [];
    for (const name of names) {
      const g = generationName(base, name);
      if (g) listed.push({ name, ...g });
    }
    listed.sort((a, b) => b.n - a.n || Number(a.gz) - Number(b.gz));
    positions = [];
    for (const g of listed) {
      let key: string;
      try {
        key = pin(dir, g.name, pinned, pins);
      } catch {
        continue; // renamed or deleted since the listing: the listing is then not consistent
      } finally {
        afterEach?.();
      }
      const last = positions[positions.length - 1];
      if (last?.n === g.n) last.keys.push(key);
      else positions.push({ n: g.n, keys: [key] });
    }
    if (before === liveKey(dir, base) && positions.every((p, i) => i === 0 || p.n === positions[i - 1]!.n - 1))
      return { positions, consistent: true, pins };
  }
  return { positions, consistent: false, pins };
}
