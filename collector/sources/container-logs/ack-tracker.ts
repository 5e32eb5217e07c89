// Moves read positions forward only when the aggregator acknowledged the records they cover.
// Each read step gets an ack handle to emit its records with, and registers what to do once they
// are acknowledged. The shipper keeps several batches in flight, so handles settle out of order:
// a step is applied only once it and every step registered before it have settled.
import type { AckHandle } from '../source.ts';

type Step = { settled: boolean; apply: () => void };

export class AckTracker {
  private readonly steps: Step[] = [];

  /** Registers a step; `apply` runs once the returned handle's records (and every earlier step's) are acknowledged. */
  whenAcknowledged(apply: () => void): AckHandle {
    const s: Step = { settled: false, apply };
    this.steps.push(s);
    return {
      settled: () => {
        s.settled = true;
        this.applySettledInOrder();
      },
    };
  }

  get inFlight(): number {
    return this.steps.length;
  }

  private applySettledInOrder(): void {
    while (this.steps[0]?.settled) this.steps.shift()!.apply();
  }
}
