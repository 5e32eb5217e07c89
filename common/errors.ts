// The error catalog: every error the stack raises on purpose carries a code, context and, where
// one exists, a remedy. Tests assert the code, never the text.
export const codes = {
  COL_ERR_CONFIG: 'invalid collector configuration',
  COL_ERR_DOCKER: 'Docker Engine API call failed',
  COL_ERR_QUEUE: 'durable queue failure',
  COL_ERR_QUEUE_FULL: 'durable queue at its bound: log batch refused, log reading pauses',
  AGG_ERR_CONFIG: 'invalid aggregator configuration',
  AGG_ERR_SINK_DOWN: 'sink unavailable',
  AGG_ERR_DEADLETTER: 'dead-letter store failure',
  DASH_ERR_UID: 'dashboard uid is not 8-40 of [a-zA-Z0-9_-]',
  DASH_ERR_PANEL: 'dashboard panel has no modern type or no query',
  DASH_ERR_TARGET: 'dashboard target is not a Prometheus expr',
  DASH_ERR_VARIABLE: 'dashboard variable type is not supported',
} as const;

export type ErrorCode = keyof typeof codes;

export class SwarmscopeError extends Error {
  readonly code: ErrorCode;
  readonly context: Record<string, unknown>;
  readonly remedy: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { context?: Record<string, unknown>; remedy?: string; cause?: unknown } = {},
  ) {
    super(`${code}: ${message}${opts.remedy ? ` (${opts.remedy})` : ''}`, { cause: opts.cause });
    this.name = 'SwarmscopeError';
    this.code = code;
    this.context = opts.context ?? {};
    this.remedy = opts.remedy;
  }
}
