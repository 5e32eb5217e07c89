// Log records: one message from one container stream, with where it was read from.
import Type from 'typebox';
import { baseFields, ContainerRef } from './base.ts';

export const LogRecord = Type.Object({
  kind: Type.Literal('log'),
  ...baseFields,
  container: ContainerRef,
  stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')]),
  message: Type.String(),
  /** Origin of the message: the file identity and byte offset, or the API cursor. */
  origin: Type.Object({
    source: Type.String({ maxLength: 64 }),
    file: Type.Optional(Type.String({ maxLength: 4096 })),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
  truncated: Type.Optional(Type.Boolean()),
  originalLength: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Decoded JSON body when the container asked for JSON decoding by label. */
  json: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  multiline: Type.Optional(Type.Object({ lines: Type.Integer({ minimum: 1 }) })),
  /**
   * partial_lost: pieces of this line may be missing (a log generation holding them was deleted
   * before the collector could open it); the collector counts these (log_partial_lost_lines).
   */
  flags: Type.Optional(Type.Array(Type.Literal('partial_lost'), { maxItems: 1 })),
});

export type LogRecord = Type.Static<typeof LogRecord>;
