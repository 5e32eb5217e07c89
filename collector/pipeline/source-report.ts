// The sources' part of a collector's self-report: each source's counters and gauges under
// `source:<name>:<key>`, which the aggregator exposes as swarmscope_collector_source_*{source=…}.
import type { Source } from '../sources/source.ts';

/** Joins source name and key; the aggregator splits on it (names and keys hold no ':'). */
export const SOURCE_KEY_PREFIX = 'source:';

export function sourceReport(sources: readonly Source[]): {
  counters: Record<string, number>;
  gauges: Record<string, number>;
} {
  const counters: Record<string, number> = {};
  const gauges: Record<string, number> = {};
  for (const s of sources) {
    for (const [k, v] of Object.entries(s.counters())) counters[`${SOURCE_KEY_PREFIX}${s.name}:${k}`] = v;
    for (const [k, v] of Object.entries(s.gauges?.() ?? {})) gauges[`${SOURCE_KEY_PREFIX}${s.name}:${k}`] = v;
  }
  return { counters, gauges };
}
