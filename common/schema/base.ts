// The fields every record carries, and the container reference shared by metric, log and
// event records. Records are self-contained so that any aggregator replica can take any batch.
import Type from 'typebox';

export const NodeRef = Type.Object({
  /** Swarm node id, or '' when the engine is not part of a swarm. */
  id: Type.String({ maxLength: 64 }),
  hostname: Type.String({ minLength: 1, maxLength: 255 }),
});

export const ContainerRef = Type.Object({
  id: Type.String({ minLength: 12, maxLength: 64 }),
  name: Type.String({ maxLength: 255 }),
  image: Type.String({ maxLength: 512 }),
  labels: Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 4096 })),
});

/** RFC 3339 timestamp, with up to nanosecond precision (json-file logs carry nanoseconds). */
export const Timestamp = Type.String({
  pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,9})?(Z|[+-]\\d\\d:\\d\\d)$',
});

export const baseFields = {
  /** Deterministic id derived from the record's origin: a record shipped twice has the same id. */
  id: Type.String({ minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }),
  time: Timestamp,
  node: NodeRef,
};

export type NodeRef = Type.Static<typeof NodeRef>;
export type ContainerRef = Type.Static<typeof ContainerRef>;
