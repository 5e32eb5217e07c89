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

/**
 * Lists dir, opens every generation whose dev:inode is not in `pinned` (adding it there), and
 * retries while a rotation lands during the listing (a few times: then the last is returned as
 * not consistent). An open that finds the name gone is left to the next look.
 */
export function scanGenerations(dir: string, base: string, pinned: Map<string, number>): Snapshot {
  const pins: Pin[] = [];
  let positions: ListedPosition[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const before = liveKey(dir, base);
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
        key = keyOf(statSync(join(dir, g.name)));
        if (!pinned.has(key)) {
          const fd = openSync(join(dir, g.name), 'r');
          key = keyOf(fstatSync(fd));
          if (pinned.has(key)) closeSync(fd);
          else {
            pinned.set(key, fd);
            pins.push({ key, fd, name: g.name });
          }
        }
      } catch {
        continue; // renamed or deleted since the listing: the listing is then not consistent
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
