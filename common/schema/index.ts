// The one wire schema: the union of record kinds, compiled once. The aggregator validates every
// incoming record against it; the collector's types come from the same definitions.
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { ContainerMetricRecord, HostMetricRecord } from './metric.ts';
import { InventoryRecord } from './inventory.ts';
import { LogRecord } from './log.ts';
import { EventRecord } from './event.ts';
import { SwarmRecord } from './swarm.ts';
import { AgentRecord } from './agent.ts';

export * from './base.ts';
export * from './metric.ts';
export * from './inventory.ts';
export * from './log.ts';
export * from './event.ts';
export * from './swarm.ts';
export * from './agent.ts';

export const WireRecord = Type.Union([
  ContainerMetricRecord,
  HostMetricRecord,
  InventoryRecord,
  LogRecord,
  EventRecord,
  SwarmRecord,
  AgentRecord,
]);
export type WireRecord = Type.Static<typeof WireRecord>;
export type RecordKind = WireRecord['kind'];

const byKind = {
  metric: Compile(Type.Union([ContainerMetricRecord, HostMetricRecord])),
  inventory: Compile(InventoryRecord),
  log: Compile(LogRecord),
  event: Compile(EventRecord),
  swarm: Compile(SwarmRecord),
  agent: Compile(AgentRecord),
} as const;

export type Validation = { ok: true; record: WireRecord } | { ok: false; reason: string };

/** Validates one decoded record; the reason names the first failing field so a sender can fix it. */
export function validateRecord(value: unknown): Validation {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, reason: 'record is not a JSON object' };
  const kind = (value as { kind?: unknown }).kind;
  const check = typeof kind === 'string' ? byKind[kind as RecordKind] : undefined;
  if (!check)
    return {
      ok: false,
      reason: `unknown record kind ${JSON.stringify(kind)}; expected one of ${Object.keys(byKind).join(', ')}`,
    };
  if (check.Check(value)) return { ok: true, record: value as WireRecord };
  const first = check.Errors(value)[0];
  return {
    ok: false,
    reason: first
      ? `${kind} record: ${first.instancePath || '/'} ${first.message}`
      : `${kind} record does not match the schema`,
  };
}
