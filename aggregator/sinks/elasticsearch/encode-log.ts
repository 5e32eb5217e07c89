// Log records → ECS log documents: message, stream, log.file/log.offset (the Elastic Agent
// container-log shape, so Kibana Logs and Discover work as users know them), truncation flags,
// and the decoded JSON body when the container asked for it.
import type { LogRecord } from '../../../common/schema/index.ts';
import type { Doc } from './encode-common.ts';

export function encodeLog(r: LogRecord): Doc {
  return {
    message: r.message,
    stream: r.stream,
    log: {
      file: r.origin.file === undefined ? undefined : { path: r.origin.file },
      offset: r.origin.offset,
      origin: { source: r.origin.source },
      truncated: r.truncated,
      original_length: r.originalLength,
      multiline: r.multiline ? { lines: r.multiline.lines } : undefined,
    },
    ...(r.json ? { json: r.json } : {}),
  };
}
