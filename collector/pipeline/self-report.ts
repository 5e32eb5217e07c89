// The pipeline's part of a collector's self-report: queue depth, oldest unshipped age, retries and
// drops by reason. The aggregator turns these names into swarmscope_collector_* series per node.
import type { QueueStats } from './disk-queue.ts';
import type { ShipperStats } from './shipper.ts';

export function pipelineReport(
  q: QueueStats,
  s: ShipperStats,
  now: number,
): { counters: Record<string, number>; gauges: Record<string, number> } {
  return {
    counters: {
      shipped_batches: s.shippedBatches,
      shipped_records: s.shippedRecords,
      retries: s.retries,
      rejected_batches: s.rejectedBatches,
      dropped_records_queue_full: q.droppedRecords.queue_full,
      dropped_records_expired: q.droppedRecords.expired,
      dropped_records_rejected: q.droppedRecords.rejected,
      refused_log_batches: q.refusedLogBatches,
    },
    gauges: {
      queue_batches: q.batches,
      queue_bytes: q.bytes,
      queue_at_bound: q.atBound ? 1 : 0,
      oldest_unshipped_age_seconds: q.oldestCreatedAt === undefined ? 0 : Math.max(0, (now - q.oldestCreatedAt) / 1000),
    },
  };
}
