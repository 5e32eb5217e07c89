// Record → Elasticsearch document, per kind: ECS names where ECS has them, Metricbeat's docker
// module names for container metrics ECS lacks; and the document's JSON text for a bulk request.
import type { ByteWriter } from '../../../common/byte-writer.ts';
import { LogGroups } from '../../../common/log-groups.ts';
import type { LogRecord, WireRecord } from '../../../common/schema/index.ts';
import type { FileLog } from '../../../common/wire-v2.ts';
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

/**
 * A log line's document text, cut where the line's own values go: time, id, message, offset. The
 * rest is the same for every line of one container, stream and file, so it is serialised once per
 * group (a version 2 batch gives a group's lines one shared container object), from encodeRecord
 * itself: at 100 B lines, serialising each document whole was 40 % of the aggregator's work per line.
 */
/** false: the group's documents could not be cut (see cutTemplate) and are written whole. */
const templates = new LogGroups<Buffer[] | false>();

/** Stand-ins no real record holds (ids, times and offsets have patterns), as they appear in a document's text, in order. */
const AT = { time: '\u0000time', id: '\u0000id', message: '\u0000message', offset: -1.5e300 };
const CUTS = [AT.time, AT.id, AT.message, AT.offset].map((v) => JSON.stringify(v));

/** The five parts of r's group's documents around the stand-ins; false when they cannot be cut. */
function cutTemplate(r: FileLog): Buffer[] | false {
  const o = r.origin;
  const probe: LogRecord = {
    ...r,
    time: AT.time,
    id: AT.id,
    message: AT.message,
    origin: { source: o.source, file: o.file, offset: AT.offset },
  };
  let text = JSON.stringify(encodeRecord(probe, 'logs'));
  const parts: Buffer[] = [];
  for (const cut of CUTS) {
    const at = text.indexOf(cut);
    // A container's labels holding a stand-in's text: this group's lines take the whole-document path.
    if (at === -1 || text.indexOf(cut, at + 1) !== -1) return false;
    parts.push(Buffer.from(text.slice(0, at)));
    text = text.slice(at + cut.length);
  }
  parts.push(Buffer.from(text));
  return parts;
}

function isPlainFileLog(r: LogRecord): r is FileLog {
  return (
    r.origin.file !== undefined &&
    r.origin.offset !== undefined &&
    r.truncated === undefined &&
    r.originalLength === undefined &&
    !r.multiline &&
    !r.flags &&
    !r.json
  );
}

/**
 * Writes the document's JSON text (encodeRecord's document) into `out`, with no string of the
 * whole. A log message's JSON text, when given (bytes [start, end) of `from`), is copied as it is.
 */
export function writeRecordJson(
  out: ByteWriter,
  record: WireRecord,
  dataset: Dataset,
  from?: Buffer,
  message?: { start: number; end: number },
): void {
  const p =
    record.kind === 'log' && isPlainFileLog(record)
      ? (templates.get(record) ?? templates.set(record, cutTemplate(record)))
      : undefined;
  if (!p) {
    out.text(JSON.stringify(encodeRecord(record, dataset)));
    return;
  }
  const r = record as FileLog;
  // time and id matched patterns free of characters JSON escapes.
  out.bytes(p[0]!);
  out.asciiQuoted(r.time);
  out.bytes(p[1]!);
  out.asciiQuoted(r.id);
  out.bytes(p[2]!);
  if (from && message) out.range(from, message.start, message.end);
  else out.text(JSON.stringify(r.message));
  out.bytes(p[3]!);
  out.number(r.origin.offset);
  out.bytes(p[4]!);
}
