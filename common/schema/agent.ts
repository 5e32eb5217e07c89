// Agent records: a collector's report on its own pipeline (queue depth, lag, retries, drops),
// so the aggregator can expose every node's pipeline health.
import Type from 'typebox';
import { baseFields } from './base.ts';

export const AgentRecord = Type.Object({
  kind: Type.Literal('agent'),
  ...baseFields,
  counters: Type.Record(Type.String({ maxLength: 128 }), Type.Number()),
  gauges: Type.Record(Type.String({ maxLength: 128 }), Type.Number()),
});

export type AgentRecord = Type.Static<typeof AgentRecord>;
