// Record → Elasticsearch document, per kind: ECS names where ECS has them, Metricbeat's docker
// module names for container metrics ECS lacks; and the document's JSON text for a bulk request.
import { messageJson } from '../../../common/escape-free.ts';
import type { ContainerRef, LogRecord, NodeRef, WireRecord } from '../../../common/schema/index.ts';
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

/** Container and node fields as JSON text, per object: a version 2 batch gives a group's records one shared object. */
const containerJson = new WeakMap<ContainerRef, string>();
const hostJson = new WeakMap<NodeRef, string>();

function cached<K extends object>(map: WeakMap<K, string>, key: K, make: (k: K) => string): string {
  let text = map.get(key);
  if (text === undefined) map.set(key, (text = make(key)));
  return text;
}

/**
 * The document's JSON text, the same document as encodeRecord's. A log document's container and
 * host fields are serialised once per container and node object, not per line: at 100 B lines
 * they were most of each document's serialisation.
 */
export function encodeRecordJson(record: WireRecord, dataset: Dataset): string {
  return record.kind === 'log' ? logJson(record) : JSON.stringify(encodeRecord(record, dataset));
}

function logJson(r: LogRecord): string {
  const base = baseDoc(r, 'logs');
  const host = cached(hostJson, r.node, () => JSON.stringify(base.host));
  // containerFields always has `container`, encodeLog always `stream`: members joined without braces.
  const container = cached(containerJson, r.container, (c) => JSON.stringify(containerFields(c)).slice(1, -1));
  // The message apart: quoted as it is when the batch showed it free of escapes (undefined drops it).
  const doc = encodeLog(r);
  doc.message = undefined;
  const log = JSON.stringify(doc).slice(1);
  return `{"@timestamp":${JSON.stringify(r.time)},"ecs":${JSON.stringify(base.ecs)},"host":${host},"event":${JSON.stringify(base.event)},${container},"message":${messageJson(r)},${log}`;
}
