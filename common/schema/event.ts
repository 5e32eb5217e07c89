// Event records: one Docker engine event (container lifecycle, health, image, network, volume,
// and on managers service/node/secret/config), with the container's identity when it has one.
import Type from 'typebox';
import { baseFields, ContainerRef } from './base.ts';

export const EventRecord = Type.Object({
  kind: Type.Literal('event'),
  ...baseFields,
  type: Type.String({ maxLength: 32 }),
  action: Type.String({ maxLength: 256 }),
  scope: Type.Optional(Type.String({ maxLength: 16 })),
  actor: Type.Object({
    id: Type.String({ maxLength: 128 }),
    attributes: Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 4096 })),
  }),
  container: Type.Optional(ContainerRef),
  exitCode: Type.Optional(Type.Integer()),
});

export type EventRecord = Type.Static<typeof EventRecord>;
