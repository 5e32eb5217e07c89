// The logger factory both sides use: structured pino, quiet by default (warn), secrets redacted.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'token',
  'password',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.password',
  '*.token',
];

/** destination: where lines go instead of stdout (tests keep a collector's warnings to explain a failure). */
export function createLogger(opts: { name: string; level?: string; destination?: DestinationStream }): Logger {
  const options = {
    name: opts.name,
    level: opts.level ?? process.env.SWARMSCOPE_LOG_LEVEL ?? 'warn',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
