// The order of one container's log generations, oldest first, built from the looks the pinning
// code takes (generation-scan.ts), and which neighbours are proven adjacent: two generations listed
// next to each other in one consistent listing have nothing between them. Neighbours never seen
// together may have had a generation between them that was deleted before any look: the reader
// flags what it assembles across such a boundary. A generation and its gzip copy are one entry.
import type { Snapshot } from './generation-scan.ts';

export type ChainEntry = {
  /** dev:inode of every file holding this generation (the plain file, its gzip copy). */
  keys: Set<string>;
  /** Its first entry's hash, once known (what tells a gzip copy from another generation). */
  fingerprint?: string;
  /** The entry proven to follow it directly, once a consistent listing showed both. */
  next?: ChainEntry;
};

/** Generations read and let go of, remembered so a look that still lists them does not read them again. */
const RETIRED_KEPT = 1024;

export class GenerationChain {
  private readonly entries: ChainEntry[] = [];
  private readonly retired: ChainEntry[] = [];

  /** Entries oldest first. */
  get order(): readonly ChainEntry[] {
    return this.entries;
  }

  entryOf(key: string): ChainEntry | undefined {
    return this.entries.find((e) => e.keys.has(key));
  }

  isRetired(e: ChainEntry): boolean {
    return this.retired.includes(e);
  }

  /**
   * A let-go generation a key names: only while the first entry agrees, since the engine's next
   * file can get the inode of a deleted one; and never at the live position: a generation let go of
   * was read to its end as an older one, never live again, while without birth times the live file
   * can have its key (empty, or its first entry byte-identical to that one's).
   */
  private retiredOf(
    key: string,
    fingerprint: (key: string) => string | undefined,
    live: boolean,
  ): ChainEntry | undefined {
    const fp = fingerprint(key);
    return live ? undefined : this.retired.find((x) => x.keys.has(key) && fp === x.fingerprint);
  }

  /**
   * Merges a look: positions already known anchor it, new ones go where the listing puts them
   * (a generation gone from a listing was deleted, so is older than everything listed), a new live
   * file last.
   * `fingerprint` tells a gzip copy of a known generation by its first entry; `gz` which keys are copies.
   */
  observe(
    s: Snapshot,
    fingerprint: (key: string) => string | undefined,
    held: (key: string) => boolean,
    gz: (key: string) => boolean,
  ): void {
    const listed: ChainEntry[] = [];
    /** What the listing shows as the live file, last (not a live file an earlier attempt of the look set aside). */
    let live: ChainEntry | undefined;
    /** A listed generation known nowhere here (let go of and forgotten): what it lies between is not proven adjacent. */
    let unplaced = false;
    // A generation seen empty (its first entry not written yet) has one by now, maybe.
    for (const e of this.entries) if (!e.fingerprint) for (const k of e.keys) e.fingerprint ??= fingerprint(k);
    for (const p of s.positions) {
      let e: ChainEntry | undefined;
      // A key not held open and not known is a generation let go of since (an older look listed it).
      if (p.keys.every((k) => !held(k) && !this.entryOf(k))) {
        const gone = this.retired.find((x) => p.keys.some((k) => x.keys.has(k)));
        if (gone && listed[listed.length - 1] !== gone) listed.push(gone);
        unplaced ||= !gone;
        continue;
      }
      const atLive = p.n === 0 && p === s.positions[s.positions.length - 1];
      // A key not held names the file the worker held then (its inode not free to a new file): a
      // generation let go of when it has one. By dev:inode alone a gzip copy half written, its first
      // entry not readable yet, beside its let-go plain file made an entry with that key, which the
      // next live file then took (the model test).
      for (const k of p.keys)
        e ??=
          this.entryOf(k) ??
          (held(k) ? this.retiredOf(k, fingerprint, atLive) : this.retired.find((x) => x.keys.has(k)));
      if (!e) {
        for (const k of p.keys) {
          const fp = fingerprint(k);
          // Only a gzip copy and a plain file are one generation: two plain files never are, though
          // their first entries can be alike (pieces of one long line of one character, rotated
          // between them), and taking one for the other's twin left it unread.
          const twin = (x: ChainEntry) => x.fingerprint === fp && [...x.keys].every((xk) => gz(xk) !== gz(k));
          if (fp) e ??= this.entries.find(twin) ?? this.retired.find(twin);
        }
      }
      e ??= { keys: new Set() };
      for (const k of p.keys) {
        e.keys.add(k);
        // Held, the key names this file now: a generation let go of that had it (its inode given to
        // this file) no longer does.
        for (const x of this.retired) if (x !== e) x.keys.delete(k);
      }
      if (!e.fingerprint) for (const k of p.keys) e.fingerprint ??= fingerprint(k);
      if (listed[listed.length - 1] !== e) listed.push(e);
      if (atLive) live = e;
    }
    const firstKnown = listed.findIndex((e) => this.entries.includes(e));
    let at = firstKnown === -1 ? this.entries.length : this.entries.indexOf(listed[firstKnown]!);
    for (const e of listed) {
      if (this.retired.includes(e)) continue;
      const i = this.entries.indexOf(e);
      if (i !== -1) at = i + 1;
      // A live file seen for the first time is the newest generation: every one known here was pinned,
      // so created, before it. Not after the last one this listing shows: a listing in the middle of a
      // rotation can miss `.1` (CI: the new live file went before it, and it was read after the rest).
      else if (e === live) at = this.entries.push(e);
      else this.entries.splice(at++, 0, e);
    }
    if (s.consistent && !unplaced) for (let i = 0; i + 1 < listed.length; i++) listed[i]!.next = listed[i + 1];
  }

  /** An older generation known here (let go of, or before it in the order) has the same first entry. */
  olderSharesFingerprint(e: ChainEntry): boolean {
    const same = (x: ChainEntry) => x !== e && x.fingerprint !== undefined && x.fingerprint === e.fingerprint;
    const at = this.entries.indexOf(e);
    return this.retired.some(same) || this.entries.slice(0, at === -1 ? 0 : at).some(same);
  }

  /** A generation read to its end and acknowledged (or done before): out of the order, remembered. */
  retire(e: ChainEntry): void {
    const i = this.entries.indexOf(e);
    if (i === -1) return;
    this.entries.splice(i, 1);
    this.retired.push(e);
    if (this.retired.length > RETIRED_KEPT) this.retired.shift();
  }
}
