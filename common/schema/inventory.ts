// Inventory records: the set of containers a node had at one sample. The aggregator uses it to
// remove the Prometheus series of containers that are gone, within one interval.
import Type from 'typebox';
import { baseFields } from './base.ts';

export const InventoryRecord = Type.Object({
  kind: Type.Literal('inventory'),
  ...baseFields,
  intervalMs: Type.Integer({ minimum: 100 }),
  containerIds: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100_000 }),
});

export type InventoryRecord = Type.Static<typeof InventoryRecord>;
