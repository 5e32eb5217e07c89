// Shares `_bulk` requests between batches: while `concurrency` requests are in flight, the items of
// batches that arrive wait and leave together in the next request (up to `maxDocs`), so a thousand
// nodes each sending a few records cost Elasticsearch a few large requests, not a thousand small
// ones. An idle writer sends at once: nothing waits for company. Each batch gets its own results.
export type SendRequest<I, R> = (items: I[], deadline: number) => Promise<R[]>;

type Waiting<I, R> = { items: I[]; deadline: number; resolve: (results: R[]) => void; reject: (err: unknown) => void };

export class BulkCoalescer<I, R> {
  private readonly sendRequest: SendRequest<I, R>;
  private readonly concurrency: number;
  private readonly maxDocs: number;
  private readonly waiting: Array<Waiting<I, R>> = [];
  private inflight = 0;
  /** Requests sent, and the batches they carried (batches / requests = how much sharing happened). */
  readonly stats = { requests: 0, batches: 0 };

  constructor(sendRequest: SendRequest<I, R>, opts: { concurrency: number; maxDocs: number }) {
    this.sendRequest = sendRequest;
    this.concurrency = opts.concurrency;
    this.maxDocs = opts.maxDocs;
  }

  /** The items' results, in order, once the request carrying them is answered. */
  send(items: I[], deadline: number): Promise<R[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ items, deadline, resolve, reject });
      this.pump();
    });
  }

  /** Batches waiting for a request slot. */
  queued(): number {
    return this.waiting.length;
  }

  private pump(): void {
    while (this.inflight < this.concurrency && this.waiting.length > 0) {
      // The first batch always goes (a batch larger than maxDocs goes alone); others join while they fit.
      const group = [this.waiting.shift()!];
      let docs = group[0]!.items.length;
      while (this.waiting.length > 0 && docs + this.waiting[0]!.items.length <= this.maxDocs) {
        const next = this.waiting.shift()!;
        docs += next.items.length;
        group.push(next);
      }
      this.inflight++;
      this.stats.requests++;
      this.stats.batches += group.length;
      // No batch waits on the request past its own deadline: the group's is the earliest.
      const deadline = Math.min(...group.map((g) => g.deadline));
      const items = group.length === 1 ? group[0]!.items : group.flatMap((g) => g.items);
      this.sendRequest(items, deadline)
        .then(
          (results) => {
            let at = 0;
            for (const g of group) {
              g.resolve(results.slice(at, at + g.items.length));
              at += g.items.length;
            }
          },
          (err: unknown) => {
            for (const g of group) g.reject(err);
          },
        )
        .finally(() => {
          this.inflight--;
          this.pump();
        });
    }
  }
}
