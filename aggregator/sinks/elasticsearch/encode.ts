// Record → Elasticsearch document, per kind: ECS names where ECS has them, Metricbeat's docker
// module names for container metrics ECS lacks.
import type { WireRecord } from '../../../common/schema/index.ts';
import { baseDoc, containerFields, type Doc } from './encode-common.ts';
import { ecsContainerMetrics, encodeContainerMetric, encodeHostMetric } from './encode-metric.ts';
import { encodeSwarm } from './encode-swarm.ts';
import { encodeLog } from './encode-log.ts';
import { encodeEvent } from './encode-event.ts';
import type { Dataset } from './index-name.ts';

export function encodeRecord(record: WireRecord, dataset: Dataset): Doc {
  const base = baseDoc(record, dataset);
  switch (record.kind) {
    case 'metric': {
      if (record.scope !== 'container') return { ...base, ...encodeHostMetric(record) };
      const fields = containerFields(record.container);
      return {
        ...base,
        ...fields,
        container: { ...(fields.container as Doc), ...ecsContainerMetrics(record) },
        ...encodeContainerMetric(record),
      };
    }
    case 'log':
      return { ...base, ...containerFields(record.container), ...encodeLog(record) };
    case 'event':
      return { ...base, ...(record.container ? containerFields(record.container) : {}), ...encodeEvent(record, base) };
    case 'swarm':
      return encodeSwarm(record, base);
    case 'agent':
      return {
        ...base,
        swarmscope: { agent: { counters: record.counters, gauges: record.gauges } },
      };
    case 'inventory':
      return base;
  }
}
