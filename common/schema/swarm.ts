// Swarm records: the Swarm's own state as one manager saw it (services, tasks, nodes), and
// changes to it (a task failed, a node went down, an update moved).
import Type from 'typebox';
import { baseFields } from './base.ts';

export const SwarmRecord = Type.Object({
  kind: Type.Literal('swarm'),
  ...baseFields,
  /** 'snapshot' carries the whole state; 'change' carries one transition. */
  type: Type.Union([Type.Literal('snapshot'), Type.Literal('change')]),
  body: Type.Record(Type.String(), Type.Unknown()),
});

export type SwarmRecord = Type.Static<typeof SwarmRecord>;
