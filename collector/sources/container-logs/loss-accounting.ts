// Adds the losses each tailer proved since it last reported (generations deleted unread, unproven
// boundaries, lines flagged partial_lost) to the source's totals, and logs them once per read step.
// What counts as a loss is decided by the tailer (see LossCounts in json-file-tailer.ts).
import type { Logger } from '../../../common/logger.ts';
import type { JsonFileTailer, LossCounts } from './json-file-tailer.ts';

export class LossAccounting {
  private readonly totals: LossCounts;
  private readonly log: Logger;
  /** What each tailer had proved at its last report. */
  private readonly reported = new WeakMap<JsonFileTailer, LossCounts>();

  constructor(totals: LossCounts, log: Logger) {
    this.totals = totals;
    this.log = log;
  }

  addNewLosses(tailer: JsonFileTailer): void {
    const now = tailer.losses;
    const before = this.reported.get(tailer) ?? {
      partialLostLines: 0,
      unprovenBoundaries: 0,
      lostGenerations: 0,
      lostBytes: 0,
    };
    const delta = {} as LossCounts;
    let any = false;
    for (const k of Object.keys(now) as Array<keyof LossCounts>) {
      delta[k] = now[k] - before[k];
      this.totals[k] += delta[k];
      any ||= delta[k] > 0;
    }
    this.reported.set(tailer, { ...now });
    if (any)
      this.log.warn(
        { container: tailer.id, ...delta },
        'log generations were deleted before they could be read: affected lines are flagged partial_lost and counted',
      );
  }
}
