// V8's heap policy, chosen by how much the collector ships. `--optimize-for-size` (a major GC that
// compacts whenever the old space grows a little) keeps an idle or quiet collector small, but it
// cost 1.4–2.3× the CPU per log line shipping flat out (README, Performance): most of it in those
// collections, which the young generation's promotions of each read step's messages set off. So the
// flag is on while log batches are few and off while they are many; V8 reads it at every collection.
import { setFlagsFromString } from 'node:v8';

export type HeapSetting = 'auto' | 'memory' | 'throughput';
export type HeapMode = 'memory' | 'throughput';

/** Log bytes encoded per second at which the throughput policy starts (~20k lines/s of 100 B, 2k of 2 KiB). */
export const ENTER_BYTES_PER_S = 4 * 1024 * 1024;
/** Below this many log bytes per second for LEAVE_AFTER_MS, the memory policy comes back. */
export const LEAVE_BYTES_PER_S = 1024 * 1024;
export const LEAVE_AFTER_MS = 30_000;
/**
 * How often the rate is taken: a burst (a backlog read after a restart, a flood) is met within a
 * quarter second, not after a second or two of it under the memory policy's major GCs (a
 * 300,000-line backlog was read for 1.3 s of its 1.6 s before the policy turned).
 */
export const TICK_MS = 250;

export type HeapPolicyOptions = {
  setting: HeapSetting;
  /** Log-class bytes encoded so far (grows). */
  logBytes: () => number;
  /** Applies a mode (V8's flag by default). */
  apply?: (mode: HeapMode) => void;
  now?: () => number;
};

function setV8Policy(mode: HeapMode): void {
  setFlagsFromString(mode === 'memory' ? '--optimize-for-size' : '--no-optimize-for-size');
}

export class HeapPolicy {
  mode: HeapMode;
  /** Times the mode changed after start. */
  switches = 0;
  private readonly opts: HeapPolicyOptions;
  private readonly apply: (mode: HeapMode) => void;
  private readonly now: () => number;
  private last: { at: number; bytes: number };
  /** Since when (the start of the first quiet tick) the rate stayed below LEAVE_BYTES_PER_S; throughput mode only. */
  private quietSince: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: HeapPolicyOptions) {
    this.opts = opts;
    this.apply = opts.apply ?? setV8Policy;
    this.now = opts.now ?? Date.now;
    this.mode = opts.setting === 'throughput' ? 'throughput' : 'memory';
    this.last = { at: this.now(), bytes: opts.logBytes() };
    this.apply(this.mode);
  }

  start(): void {
    if (this.opts.setting !== 'auto') return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** Takes the rate since the last tick and changes mode when it crossed a threshold. */
  tick(): void {
    if (this.opts.setting !== 'auto') return;
    const at = this.now();
    const bytes = this.opts.logBytes();
    const since = this.last.at;
    const rate = ((bytes - this.last.bytes) * 1000) / Math.max(1, at - since);
    this.last = { at, bytes };
    if (this.mode === 'memory') {
      if (rate >= ENTER_BYTES_PER_S) this.change('throughput');
      return;
    }
    if (rate >= LEAVE_BYTES_PER_S) this.quietSince = undefined;
    else if ((this.quietSince ??= since) <= at - LEAVE_AFTER_MS) this.change('memory');
  }

  private change(mode: HeapMode): void {
    this.mode = mode;
    this.quietSince = undefined;
    this.switches++;
    this.apply(mode);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
