// Buffers given back once nothing reads them, taken again by the next batch. A batch's documents
// live in one buffer from their writing until Elasticsearch answers, long enough to outlive two
// scavenges, so each was freed only by a major collection; and V8 starts a major collection each
// time memory outside its heap grows by 64 MB. Reused, they no longer grow it (9 → 5 major
// collections per 100,000 lines of 2 KiB, 9 → 3 at 100 B).
// Bounded: the buffers kept add up to at most `maxBytes`, and a pool untouched for `idleMs` lets
// them all go, so an idle aggregator holds none.

export type BufferPoolOptions = { maxBytes: number; idleMs: number };

/** Smaller buffers are not worth keeping: they are cheap to make and V8 barely counts them. */
const MIN_KEPT = 64 * 1024;

export class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly opts: BufferPoolOptions;
  private used = false;
  private readonly timer: NodeJS.Timeout;
  /** Buffers taken from the pool, and made afresh because none fitted. */
  readonly stats = { reused: 0, made: 0 };

  constructor(opts: BufferPoolOptions) {
    this.opts = opts;
    this.timer = setInterval(() => {
      if (!this.used) this.free.length = 0;
      this.used = false;
    }, opts.idleMs);
    this.timer.unref();
  }

  /** A buffer of at least `size` bytes (contents undefined): the smallest kept one that fits, else a new one. */
  take(size: number): Buffer {
    this.used = true;
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.length >= size && (best < 0 || b.length < this.free[best]!.length)) best = i;
    }
    if (best < 0) {
      this.stats.made++;
      return Buffer.allocUnsafe(size);
    }
    this.stats.reused++;
    return this.free.splice(best, 1)[0]!;
  }

  /**
   * Gives `buf` back: only once nothing will read or write it again. One that would take the pool
   * past its bound, or is small, is left to the collector.
   */
  give(buf: Buffer): void {
    if (buf.length < MIN_KEPT || this.free.includes(buf) || this.heldBytes() + buf.length > this.opts.maxBytes) return;
    this.free.push(buf);
  }

  /** Bytes the pool holds now. */
  heldBytes(): number {
    return this.free.reduce((n, b) => n + b.length, 0);
  }

  close(): void {
    clearInterval(this.timer);
    this.free.length = 0;
  }
}
