// Log records → ECS log documents: message, log.file.path and log.offset (the Filebeat / Elastic
// Agent container-log shape, with Filebeat's `stream`, so Kibana Logs and Discover work as users
// know them); how the line was read and was reshaped (truncation, multiline) under swarmscope.log;
// the decoded JSON body when the container asked for it.
import type { LogRecord } from '../../../common/schema/index.ts';
import type { Doc } from './encode-common.ts';

export function encodeLog(r: LogRecord): Doc {
  return {
    message: r.message,
    stream: r.stream,
    log: {
      file: r.origin.file === undefined ? undefined : { path: r.origin.file },
      offset: r.origin.offset,
    },
    swarmscope: {
      log: {
        source: r.origin.source,
        truncated: r.truncated,
        original_length: r.originalLength,
        multiline: r.multiline ? { lines: r.multiline.lines } : undefined,
        flags: r.flags,
      },
    },
    ...(r.json ? { json: r.json } : {}),
  };
}
