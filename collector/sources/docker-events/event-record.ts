// One Docker Engine event (as /events streams it) → an event record: the container's identity
// from the event's own attributes (so a container already removed still has its name and
// labels), the exit code of `die`, and a deterministic id from the event's origin.
import { recordId } from '../../../common/record-id.ts';
import type { ContainerRef, EventRecord, NodeRef } from '../../../common/schema/index.ts';

export type DockerEvent = {
  Type: string;
  Action: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  scope?: string;
  time?: number;
  timeNano?: number | string;
};

/** Attributes the engine adds to a container event that are not the container's labels. */
const NOT_LABELS = new Set(['name', 'image', 'exitCode', 'signal', 'execID', 'execDuration', 'container']);

/** Health-probe and `docker exec` events: counted, not shipped one by one. */
export function isExecNoise(e: DockerEvent): boolean {
  return e.Type === 'container' && e.Action.startsWith('exec_');
}

/** The action's name without its detail ("health_status: unhealthy" → "health_status"). */
export function baseAction(action: string): string {
  const colon = action.indexOf(':');
  return colon === -1 ? action : action.slice(0, colon);
}

export function timeNanoOf(e: DockerEvent): bigint {
  if (e.timeNano !== undefined) return BigInt(e.timeNano);
  return BigInt(e.time ?? 0) * 1_000_000_000n;
}

/** Nanoseconds since the epoch → RFC 3339 with all nine fraction digits. */
export function isoFromNanos(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const frac = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${frac}Z`;
}

/** Nanoseconds → the `since` form the Engine takes (seconds.nanoseconds). */
export function sinceFromNanos(nanos: bigint): string {
  return `${nanos / 1_000_000_000n}.${(nanos % 1_000_000_000n).toString().padStart(9, '0')}`;
}

export function eventId(node: NodeRef, e: DockerEvent): string {
  return recordId(node.id || node.hostname, 'event', timeNanoOf(e).toString(), e.Type, e.Action, e.Actor?.ID ?? '');
}

export function containerRefOf(e: DockerEvent): ContainerRef | undefined {
  const id = e.Actor?.ID ?? '';
  // A container id is 64 hex digits (12 when short): anything else is no container to refer to.
  if (e.Type !== 'container' || id.length < 12 || id.length > 64) return undefined;
  const attrs = clip(e.Actor?.Attributes ?? {});
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (!NOT_LABELS.has(k)) labels[k] = v;
  // Within the wire schema's bounds, or one odd event would get its whole batch refused.
  return { id, name: (attrs.name ?? '').slice(0, 255), image: (attrs.image ?? '').slice(0, 512), labels };
}

export function toEventRecord(node: NodeRef, e: DockerEvent): EventRecord {
  const attrs = e.Actor?.Attributes ?? {};
  const record: EventRecord = {
    kind: 'event',
    id: eventId(node, e),
    time: isoFromNanos(timeNanoOf(e)),
    node,
    type: e.Type.slice(0, 32),
    action: e.Action.slice(0, 256),
    actor: { id: (e.Actor?.ID ?? '').slice(0, 128), attributes: clip(attrs) },
  };
  if (e.scope) record.scope = e.scope.slice(0, 16);
  const container = containerRefOf(e);
  if (container) record.container = container;
  if (e.Action === 'die' && attrs.exitCode !== undefined && /^-?\d+$/.test(attrs.exitCode))
    record.exitCode = Number(attrs.exitCode);
  return record;
}

/** Attribute keys and values within the schema's bounds (long values are cut, not refused). */
function clip(attrs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) out[k.slice(0, 256)] = String(v).slice(0, 4096);
  return out;
}
