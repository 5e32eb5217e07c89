// Reads one container's json-file log across rotations, oldest generation first, in the order the
// pinning looks proved (generation-chain.ts): each generation is held open from its first look until
// it is read to its end and acknowledged, so none it saw can be lost. Where two generations read one
// after the other were never seen adjacent, what straddles them is flagged and counted; where a
// generation this container's checkpoints name is gone unread, its unread bytes are counted lost.
import { fstatSync } from 'node:fs';
import type { CheckpointStore, FileCheckpoint } from './checkpoint-store.ts';
import type { IdScheme } from '../../../common/record-id.ts';
import { GenerationChain, type ChainEntry } from './generation-chain.ts';
import { birthTimeOf, type Snapshot } from './generation-scan.ts';
import { scanEntries } from './json-file-entries.ts';
import { MessageAssembler, type AssemblerOptions, type Message, type MessageSink } from './message-assembler.ts';
import {
  closeFile,
  fingerprintFdSync,
  fingerprintFile,
  isGzCopyKey,
  openGeneration,
  readAt,
  type OpenedFile,
} from './log-files.ts';

/** How far a file is consumed once the messages of this step are acknowledged. */
export type FileProgress = { key: string; offset: number; done: boolean; fingerprint?: string; size?: number };

/** What the tailer needs of the pinning code: looks taken, the fds holding generations open. */
export type GenerationPins = {
  /** Looks taken of dir since the last call, oldest first. */
  takeLooks(dir: string): Snapshot[];
  /** The fd that holds a generation open, while it is held. */
  heldFd(dir: string, key: string): number | undefined;
  /** The generation is read and acknowledged (or not needed): its fd can be closed. */
  unpin(dir: string, key: string): void;
  /** Takes a look now; resolves once it is in takeLooks. */
  lookAndWait(dir: string): Promise<void>;
};

/** Losses the reader proved (or could not rule out), cumulative. */
export type LossCounts = {
  /** Messages emitted flagged `partial_lost`. */
  partialLostLines: number;
  /** Generations read one after the other that no look showed adjacent (one between may be lost). */
  unprovenBoundaries: number;
  /** Generations this container's checkpoints name that were deleted before being read to their end. */
  lostGenerations: number;
  /** Their unread bytes, where their final size was known. */
  lostBytes: number;
};

/** doneReported: a step's progress said it is done; later steps leave it out (see progress()). */
type Tracked = OpenedFile & {
  pos: number;
  ended: boolean;
  fingerprint?: string;
  entry: ChainEntry;
  doneReported?: boolean;
};

/**
 * Bytes read per file per step, so one busy container cannot starve the others. Every message of a
 * step is alive until the step's records are encoded: kept under V8's young generation (1 MiB under
 * --optimize-for-size), they die young. At 4 MiB most were promoted, and collecting them was ~40 %
 * of the collector's time shipping 2 KiB lines flat out.
 */
export const STEP_BYTES = 256 * 1024;
const MAX_LINE_BUFFER = 16 * 1024 * 1024;

export type TailerStep = { progress: FileProgress[]; bad: number; more: boolean };

export class JsonFileTailer {
  readonly id: string;
  readonly dir: string;
  private readonly store: CheckpointStore;
  private readonly assembler: MessageAssembler;
  private readonly pins: GenerationPins;
  private readonly chain = new GenerationChain();
  /** The file each generation is read from, once opened (plain when held, else its gzip copy). */
  private readonly files = new Map<ChainEntry, Tracked>();
  /** Generations done before they were opened here (checkpoint), or a copy of one read. */
  private readonly skipped = new Set<ChainEntry>();
  /** The generation whose end was read last: the next one read must be proven to follow it. */
  private lastRead: ChainEntry | undefined;
  /** A gzip generation was still being written at the last look. */
  private gzPending = false;
  /** Stops (and removal) heard of so far. */
  private stops = 0;
  /**
   * The stops heard of before a look that was taken and merged since: every generation the worker
   * pinned until then is known here, so the end of what is known is the end (a line open there is
   * flushed). A stop heard of later (during a step: its last writes may be in no look yet) is not.
   */
  private syncedStops = 0;
  private startChecked = false;
  /** The next step looks at the directory first; lookedBefore: the generation it looked before reading. */
  private lookFirst = false;
  private lookedBefore: ChainEntry | undefined;
  /** Every file key this tailer followed, so their checkpoints can be forgotten with the container. */
  private readonly followedKeys = new Set<string>();
  private stopped = false;
  removed = false;
  /** True once every file is read to its end, flushed and the container is gone. */
  finished = false;
  bytesRead = 0;
  /** The last step found every file read to its (current) end. */
  atEnd = false;
  readonly losses: LossCounts = { partialLostLines: 0, unprovenBoundaries: 0, lostGenerations: 0, lostBytes: 0 };

  /** The engine's max-file for this container: how many generations it keeps. */
  private readonly maxFiles: number;
  /** Its max-size in bytes: the engine deletes a generation only in a rotation, due once the live file reaches it. */
  private readonly maxSize: number | undefined;
  /** Its compress: a rotated generation's plain file is then deleted once copied, not in a rotation. */
  private readonly compress: boolean;
  /**
   * Whether the engine ever deletes a generation (it has a max-size). Without one nothing can be lost,
   * whatever a look saw: CI (a fresh machine, loaded) flagged the first line of such a container once.
   */
  private readonly rotates: boolean;
  /** The highest `.N` of a plain generation any look listed. */
  private listedMax = 0;
  /** False: files are named and proven as without birth times, where the file system gives them (see fileKey). */
  private readonly birthTimes: boolean;

  constructor(opts: {
    id: string;
    dir: string;
    store: CheckpointStore;
    assembler: AssemblerOptions;
    pins: GenerationPins;
    maxFiles: number;
    maxSize?: number;
    compress: boolean;
    /** False: as on a file system without birth times, where they exist (the model test's second mode). */
    birthTimes?: boolean;
  }) {
    this.id = opts.id;
    this.birthTimes = opts.birthTimes ?? true;
    this.maxFiles = opts.maxFiles;
    this.maxSize = opts.maxSize;
    this.compress = opts.compress;
    this.rotates = Number.isFinite(opts.maxFiles);
    this.dir = opts.dir;
    this.store = opts.store;
    this.pins = opts.pins;
    this.assembler = new MessageAssembler({ ...opts.assembler, piecesShareTime: true });
  }

  /** Opens every generation pinned so far (call as soon as the container is seen). */
  async open(): Promise<void> {
    await this.refresh();
  }

  /** The container stopped: the next time its files are at their end, unfinished messages flush. */
  markStopped(): void {
    this.stopped = true;
    this.stops++;
  }

  markStarted(): void {
    this.stopped = false;
  }

  markRemoved(): void {
    this.removed = true;
    this.stopped = true;
    this.stops++;
  }

  get openFiles(): number {
    return this.files.size;
  }

  /**
   * Reads what is there (up to a step's worth); the messages it completes go to `out` as they do
   * (so that a step's messages need not all be alive at once: held to the step's end, they
   * outlived the young generation and were promoted).
   */
  async step(buf: { b: Buffer }, out: MessageSink): Promise<TailerStep> {
    const messages: MessageSink = {
      push: (m: Message) => {
        if (m.partialLost) this.losses.partialLostLines++;
        return out.push(m);
      },
    };
    let bad = 0;
    let budget = STEP_BYTES;
    let more = false;
    const stops = this.stops;
    if ((this.stopped && this.syncedStops !== stops) || this.lookFirst) {
      // Stopped or gone: every generation the worker pinned must be known here before what is at the
      // end is final (the exit can be heard of before the look at the last rotation; its line would
      // be flushed in two). Or about to read past a boundary no look proved: a look may show what lies between.
      await this.pins.lookAndWait(this.dir);
      this.syncedStops = stops;
      this.lookFirst = false;
    }
    // Heard of during this step (CI, paced row: the line open at the end of what was known was flushed
    // flagged, its rest in the generations no look had shown yet shipped as a line of its own), the
    // stop is final from the next step on.
    const stopKnown = () => this.stopped && this.syncedStops === stops && this.stops === stops;
    await this.refresh();
    let live: Tracked | undefined;
    let blocked = false;
    const order = this.chain.order;
    for (let i = 0; i < order.length && !more && !blocked; i++) {
      const entry = order[i]!;
      if (this.skipped.has(entry)) continue;
      const f = this.files.get(entry);
      if (!f) {
        blocked = true; // known but not readable yet (a gzip copy being written): nothing newer before it
        break;
      }
      if (f.ended) continue;
      if (this.lastRead && this.lastRead !== entry && this.lastRead.next !== entry && this.lookedBefore !== entry) {
        this.lookedBefore = entry;
        this.lookFirst = true;
        more = true;
        break;
      }
      if (this.lastRead !== entry) this.boundary(entry, messages);
      // A newer generation exists, or the container is gone: this one is closed by the engine already.
      const final = this.removed || f.gz || i < order.length - 1;
      for (;;) {
        const n = await readAt(f, buf.b, f.pos);
        if (n === 0) break;
        if (f.pos === 0 && !f.fingerprint) {
          f.fingerprint = await fingerprintFile(f);
          // Its first entry was incomplete at every look merged so far: the chain learns it here, or
          // alike generations' messages at offset 0 get one id (the model test, max-file=1: one of two
          // flagged parts was kept, the counter said two).
          f.entry.fingerprint ??= f.fingerprint;
        }
        const r = scanEntries(buf.b, n, f.pos, f.key, (p) => this.assembler.push(p, messages));
        bad += r.bad;
        if (r.consumed === 0) {
          // A line longer than the buffer: grow it, or give the line up as corrupt (counted).
          if (n < buf.b.length) break;
          if (buf.b.length < MAX_LINE_BUFFER) buf.b = Buffer.allocUnsafe(buf.b.length * 2);
          else {
            f.pos += n;
            bad++;
          }
          continue;
        }
        f.pos += r.consumed;
        this.bytesRead += r.consumed;
        budget -= r.consumed;
        if (budget <= 0) {
          more = true;
          break;
        }
        // Short of the buffer: the end as it is now. A read more would find nothing, or what the
        // next watch event wakes the loop for (a second read per step was a quarter of the CPU at 5k lines/s).
        if (n < buf.b.length) break;
      }
      this.lastRead = entry;
      if (more) break;
      if (final) f.ended = true;
      else live = f;
    }
    const atEnd = !more && !blocked && [...this.files.values()].every((f) => f.ended || f === live);
    this.atEnd = atEnd;
    this.assembler.flush(messages, atEnd && stopKnown());
    if (atEnd && this.removed && stopKnown() && !live && !this.assembler.holdsPieces) this.finished = true;
    return { progress: this.progress(), bad, more };
  }

  /** Moving on to `next`: unless a look showed it right after the last one read, what straddles is flagged. */
  private boundary(next: ChainEntry, messages: MessageSink): void {
    const prev = this.lastRead;
    if (!prev || prev.next === next || !this.rotates) return;
    this.losses.unprovenBoundaries++;
    this.assembler.markGap(messages);
  }

  /** Takes the looks the pinning code took, orders generations by them and opens the new ones. */
  private async refresh(): Promise<void> {
    const looks = this.pins.takeLooks(this.dir);
    if (looks.length === 0 && !this.gzPending) return;
    const prints = new Map<string, string | undefined>();
    const fingerprint = (key: string) => {
      if (!prints.has(key)) prints.set(key, this.fingerprintOf(key));
      return prints.get(key);
    };
    const held = (key: string) => this.pins.heldFd(this.dir, key) !== undefined;
    const gz = (key: string) => this.isGzKey(key);
    /** The last look of this batch that pinned each key. */
    const lastPin = new Map<string, number>();
    looks.forEach((s, i) => s.pins.forEach((p) => lastPin.set(p.key, i)));
    for (const [i, s] of looks.entries()) {
      for (const p of s.pins) {
        this.followedKeys.add(p.key);
        // A key pinned anew under a plain name is a plain file now: without birth times a gzip copy's
        // inode can go to the next live file (the model test: read as gzip, it was never read).
        if (p.name.endsWith('.gz')) this.gzKeys.add(p.key);
        else this.gzKeys.delete(p.key);
      }
      for (const p of s.positions) if (!this.isGzKey(p.keys[0]!)) this.listedMax = Math.max(this.listedMax, p.n);
      // A key a later look pinned anew named here the file the worker held before and has closed
      // since (let go of here): without birth times that key can name a new file now (the model test:
      // a look listing the old one, merged with the new one held, put it before its predecessor).
      const heldThen = (key: string) => (lastPin.get(key) ?? -1) <= i && held(key);
      this.chain.observe(s, fingerprint, heldThen, gz);
      // What only a disturbed attempt of this look pinned was deleted before its listing, so is older
      // than all that lists: placed before it, in the attempt's order.
      const listed = new Set(s.positions.flatMap((p) => p.keys));
      for (const d of s.disturbed) {
        const only = d.filter((p) => p.keys.every((k) => !listed.has(k)));
        if (only.length > 0)
          this.chain.observe(
            { ...s, positions: [...only, ...s.positions], consistent: false },
            fingerprint,
            heldThen,
            gz,
          );
      }
    }
    for (const s of looks) {
      this.proveByDeletion(s);
    }
    this.gzPending = false;
    for (const entry of [...this.chain.order]) {
      if (this.files.has(entry) || this.skipped.has(entry)) continue;
      await this.openEntry(entry);
    }
    if (!this.startChecked && this.chain.order.length > 0) {
      this.startChecked = true;
      this.checkStart(looks.find((l) => l.positions.length > 0));
    }
    // Keys of generations let go of that a look listed again: the worker pinned them anew. A key of a
    // generation still to be read stays pinned, also while it cannot be opened yet (a gzip copy being
    // written): it may be the only one left of it.
    for (const s of looks) for (const p of s.pins) if (!this.chain.entryOf(p.key)) this.pins.unpin(this.dir, p.key);
  }

  /**
   * Proves adjacent, by the time its predecessor was deleted, the oldest generation of a consistent
   * listing of all max-file generations, when no listing showed the two together (the pinning
   * thread was late by max-file rotations: on a loaded machine it waits for a CPU 100 ms and more,
   * and the live file it last saw is deleted by then). The engine keeps the last max-file generations
   * and deletes the oldest first in each rotation, before its renames and the new live file. So a
   * generation this listing does not show that was deleted after the listed `.1` was created was the
   * oldest kept then (each newer one is listed): the one right before the listed oldest. Times are the
   * file system's (the deleted file's ctime, set by its unlink; `.1`'s birth time): a tie proves nothing.
   * Not with compress (a rotated plain file is deleted once copied, not in a rotation).
   */
  private proveByDeletion(s: Snapshot): void {
    const m = this.keeps;
    const pos = s.positions;
    if (this.compress || !s.consistent || !Number.isFinite(m) || m < 2 || pos.length !== m) return;
    if (pos[0]!.n !== m - 1 || pos.some((p) => p.keys.length !== 1 || this.isGzKey(p.keys[0]!))) return;
    const oldest = this.chain.entryOf(pos[0]!.keys[0]!);
    const order = this.chain.order;
    const prev = oldest && order[order.indexOf(oldest) - 1];
    if (!prev || prev.next || pos.some((p) => prev.keys.has(p.keys[0]!))) return;
    const [prevKey] = prev.keys;
    if (prev.keys.size !== 1 || this.isGzKey(prevKey!)) return;
    const prevFd = this.pins.heldFd(this.dir, prevKey!);
    const secondFd = this.pins.heldFd(this.dir, pos[m - 2]!.keys[0]!);
    if (prevFd === undefined || secondFd === undefined) return;
    try {
      const gone = fstatSync(prevFd, { bigint: true });
      const born = birthTimeOf(fstatSync(secondFd, { bigint: true }), this.birthTimes);
      if (gone.nlink === 0n && born > 0n && gone.ctimeNs > born) prev.next = oldest;
    } catch {
      // closed meanwhile: unproven
    }
  }

  /**
   * How many plain generations the engine keeps: max-file, or more when a look listed more. Engine
   * 20.10 keeps `.1` with max-file=1 (the default with max-size): its rotation renames the live
   * file over `.1`, which deletes the generation before in the same step (the proof by deletion
   * holds); 23.0 unlinks the live file instead, and older engines truncated it in place (one file,
   * nothing listed beyond it).
   */
  private get keeps(): number {
    return Math.max(this.maxFiles, this.listedMax + 1);
  }

  /** Opens the file a generation is read from, and decides where reading starts from its checkpoint. */
  private async openEntry(entry: ChainEntry): Promise<void> {
    const keys = [...entry.keys];
    let opened: OpenedFile | 'incomplete' | undefined;
    for (const gz of [false, true]) {
      for (const key of keys) {
        const fd = this.pins.heldFd(this.dir, key);
        if (fd === undefined) continue;
        const isGz = this.isGzKey(key);
        if (isGz !== gz) continue;
        const g = { name: key, n: 0, gz, path: `/proc/self/fd/${fd}` };
        opened = await openGeneration(this.dir, g, this.birthTimes).catch(() => undefined);
        if (opened) break;
      }
      if (opened && opened !== 'incomplete') break;
    }
    if (opened === 'incomplete') {
      this.gzPending = true;
      return;
    }
    if (!opened) return;
    const fingerprint = entry.fingerprint ?? (await fingerprintFile(opened));
    entry.fingerprint ??= fingerprint;
    let key = opened.key;
    let cp = this.store.fileCheckpoint(key);
    if (cp && !cp.fingerprint && opened.byInode) {
      // Without birth times a key names every file its inode was given to, and a checkpoint taken
      // before the first entry was written (so at 0) cannot tell which: dropped, not applied (the model
      // test: a done one of an empty generation skipped the next live file, given its inode).
      this.store.forgetFile(key);
      cp = undefined;
    }
    if (cp?.fingerprint && cp.fingerprint !== fingerprint) {
      // The inode was reused by a different file (ext4 gives a deleted generation's inode to the
      // next new one, maybe still empty here): the old position means nothing for it, and the old
      // file, unless read to its end, is lost.
      if (!cp.done) this.countLost(cp);
      this.store.forgetFile(key);
      cp = undefined;
    }
    if (!cp && fingerprint) {
      // Read (partly) before under its twin's key (a gzip copy's, or the plain file's it copies), maybe
      // by an earlier run: continue where that stands. Never another file of its own kind (see chain).
      const match = this.store.fileByFingerprint(fingerprint, (k) => isGzCopyKey(k) !== opened.gz);
      // Without birth times the twin's key can go to the next new file (the model test: a live file
      // given the deleted plain file's inode shared its key with this copy, and its lines their ids):
      // the position moves to this file's own key.
      if (match && opened.byInode) cp = this.store.moveFile(match[0], key);
      else if (match) [key, cp] = match;
    }
    if (cp?.done) {
      await closeFile(opened);
      this.skipped.add(entry);
      this.retire(entry);
      return;
    }
    this.followedKeys.add(key);
    if (cp) this.resumed.add(entry);
    if (cp?.sha256Ids) this.sha256Keys.add(key);
    this.files.set(entry, { ...opened, key, pos: cp?.offset ?? 0, ended: false, fingerprint, entry });
  }

  /** Generations opened with a checkpoint of an earlier read (by this run or one before). */
  private readonly resumed = new Set<ChainEntry>();

  /** Keys of files an older collector had read: their lines keep its ids (see checkpoint-store.ts). */
  private readonly sha256Keys = new Set<string>();

  /** Keys of gzip copies are told apart by the looks' names; a pinned gz is read whole. */
  private readonly gzKeys = new Set<string>();

  private isGzKey(key: string): boolean {
    return this.gzKeys.has(key);
  }

  private fingerprintOf(key: string): string | undefined {
    const fd = this.pins.heldFd(this.dir, key);
    return fd === undefined ? undefined : fingerprintFdSync(fd, this.isGzKey(key));
  }

  /**
   * At the first look: checkpoints of this container whose generation no look shows (deleted while
   * the collector was down) and that were not read to their end are lost (their unread bytes counted
   * when the final size is known); and unless the oldest generation now was read before or is the
   * container's first, the first line of each stream may have lost its start.
   */
  private checkStart(first: Snapshot | undefined): void {
    const oldest = this.chain.order[0]!;
    // Read before (its checkpoint is past its start: a checkpoint at 0 is of a file opened and not
    // read, whose start no look may have proven), or the container's first generation.
    const resumedPast = this.resumed.has(oldest) && (this.files.get(oldest)?.pos ?? 0) > 0;
    // A look proves its oldest listed generation the container's first, not one after it: with that one
    // done, the next, read from its start, may begin with the tail of a line whose head was flushed
    // flagged (the model test: a SIGKILL after a gap, the tail shipped as a whole line).
    const firstListed = first?.positions[0]?.keys.some((k) => oldest.keys.has(k)) === true;
    const known =
      !this.rotates ||
      this.skipped.has(oldest) ||
      resumedPast ||
      (first !== undefined && firstListed && this.noneDeletedAt(first));
    const held = new Set<string>();
    for (const f of this.files.values()) held.add(f.key);
    for (const e of this.chain.order) for (const k of e.keys) held.add(k);
    let lost = false;
    for (const [key, cp] of this.store.fileCheckpoints()) {
      if (cp.container !== this.id || cp.done || held.has(key)) continue;
      if ([...this.files.values()].some((f) => f.fingerprint && f.fingerprint === cp.fingerprint)) continue;
      this.countLost(cp);
      this.store.forgetFile(key);
      lost = true;
    }
    // Otherwise the first line of each stream may have begun in a generation deleted before this look;
    // it did if one read partly is gone (the oldest one now then continues it).
    if (!known) this.losses.unprovenBoundaries++;
    if (!known || lost) this.assembler.markGap([]);
  }

  /**
   * Whether a consistent look proves the engine had deleted no generation yet. A rotation first
   * removes the oldest (.{max-file - 1}), then renames the others up: once one was deleted, a listing
   * shows max-file generations, or max-file - 1 right after that removal. So fewer than max-file - 1
   * prove it; max-file - 1 only when the live file listed is still short of max-size now (then no
   * rotation was due at that look, none was half done). A listing a rotation disturbed proves nothing.
   */
  private noneDeletedAt(look: Snapshot): boolean {
    const oldest = look.positions[0]!.n;
    if (!look.consistent) return false;
    if (oldest < this.keeps - 2) return true;
    if (oldest > this.keeps - 2 || this.maxSize === undefined) return false;
    const live = look.positions.find((p) => p.n === 0)?.keys[0];
    const fd = live === undefined ? undefined : this.pins.heldFd(this.dir, live);
    if (fd === undefined) return false;
    try {
      return fstatSync(fd).size < this.maxSize;
    } catch {
      return false;
    }
  }

  private countLost(cp: FileCheckpoint): void {
    this.losses.lostGenerations++;
    if (cp.size !== undefined && cp.size > cp.offset) this.losses.lostBytes += cp.size - cp.offset;
  }

  private retire(entry: ChainEntry): void {
    this.chain.retire(entry);
    for (const k of entry.keys) this.pins.unpin(this.dir, k);
  }

  /**
   * Where each file stands. A file is left out once a step said it is done: acknowledgements apply in
   * order, so the one of that step lets it go, and none of a later step can name its key after the
   * engine gave its inode to a new file (without birth times: that new file was let go of unread).
   */
  private progress(): FileProgress[] {
    const pending = new Map<string, number>();
    this.assembler.earliestHeldOffsets(pending);
    const out: FileProgress[] = [];
    for (const f of this.files.values()) {
      if (f.doneReported) continue;
      const hold = pending.get(f.key);
      const offset = hold === undefined ? f.pos : Math.min(hold, f.pos);
      const size = f.ended ? f.pos : undefined;
      const done = f.ended && hold === undefined;
      f.doneReported = done;
      out.push({ key: f.key, offset, done, fingerprint: f.fingerprint, size });
    }
    return out;
  }

  /**
   * What the id of a record starting at `offset` names its file by: the file's fingerprint (first
   * entry) when known, so a generation and its gzip copy give their lines the same ids should both
   * ever be read, also by another run; else its key. Generations whose first entries are alike
   * (pieces of one long line of one character) hold messages only at their start but the newest:
   * a message at the start of one whose first entry an older one known here has too adds its key
   * (both were parts of that line at offset 0, and Elasticsearch kept one of the two). Its other
   * messages keep the fingerprint, so that a run after a SIGKILL, which may not know the older one,
   * gives them the same ids.
   */
  identity(key: string, offset: number): string {
    for (const f of this.files.values()) {
      if (f.key !== key) continue;
      if (!f.fingerprint) return key;
      return offset === 0 && this.chain.olderSharesFingerprint(f.entry) ? `${f.fingerprint}/${key}` : f.fingerprint;
    }
    return key;
  }

  /** How the lines of the file `key` are named (record-id.ts). */
  idScheme(key: string): IdScheme {
    return this.sha256Keys.size > 0 && this.sha256Keys.has(key) ? 'sha256' : 'ordered';
  }

  /** The aggregator acknowledged up to here: generations read to their end and acknowledged are let go. */
  async onAcknowledged(p: FileProgress): Promise<void> {
    for (const [entry, f] of this.files) {
      if (f.key !== p.key || !p.done || !f.ended) continue;
      this.files.delete(entry);
      this.sha256Keys.delete(f.key);
      this.retire(entry);
      await closeFile(f);
    }
  }

  async close(): Promise<void> {
    for (const f of this.files.values()) await closeFile(f);
    this.files.clear();
  }

  /** File keys this tailer followed (for forgetting their checkpoints once the container is gone). */
  keysToForget(): string[] {
    return [...this.followedKeys];
  }
}
