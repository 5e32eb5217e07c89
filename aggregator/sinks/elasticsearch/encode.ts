// Record → Elasticsearch document, per kind: ECS names where ECS has them, Metricbeat's docker
// module names for container metrics ECS lacks.
import type { WireRecord } from '../../../common/schema/index.ts';
import { baseDoc, containerFields, type Doc } from './encode-common.ts';
import { encodeContainerMetric } from './encode-metric.ts';
import { encodeSwarm } from './encode-swarm.ts';
import type { Dataset } from './index-name.ts';

export function encodeRecord(record: WireRecord, dataset: Dataset): Doc {
  const base = baseDoc(record, dataset);
  switch (record.kind) {
    case 'metric':
      return record.scope === 'container' ? { ...base, ...containerFields(record.container), ...encodeContainerMetric(record) } : { ...base, system: record.host };
    case 'log':
      return {
        ...base,
        ...containerFields(record.container),
        message: record.message,
        log: { origin: { file: { name: record.origin.file, line: undefined }, source: record.origin.source }, offset: record.origin.offset, truncated: record.truncated, original_length: record.originalLength },
        stream: record.stream,
        ...(record.json ? { json: record.json } : {}),
      };
    case 'event':
      return {
        ...base,
        ...(record.container ? containerFields(record.container) : {}),
        event: { ...(base.event as Doc), action: record.action, category: [record.type], type: [record.type] },
        docker: { event: { type: record.type, action: record.action, scope: record.scope, actor: { id: record.actor.id, attributes: record.actor.attributes }, exit_code: record.exitCode } },
      };
    case 'swarm':
      return encodeSwarm(record, base);
    case 'agent':
      return { ...base, swarmscope: { ...(base.swarmscope as Doc), agent: { counters: record.counters, gauges: record.gauges } } };
    case 'inventory':
      return base;
  }
}
