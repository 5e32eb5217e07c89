// The logger factory both sides use: structured pino, quiet by default (warn), secrets redacted.
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT = ['token', 'password', 'authorization', 'headers.authorization', 'req.headers.authorization', '*.password', '*.token'];

export function createLogger(opts: { name: string; level?: string }): Logger {
  return pino({
    name: opts.name,
    level: opts.level ?? process.env.SWARMSCOPE_LOG_LEVEL ?? 'warn',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { pid: process.pid },
  });
}
