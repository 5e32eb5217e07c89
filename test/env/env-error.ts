// The one error type of the test environment: a stable code, what went wrong with its context, and
// what to do about it. Callers and tests branch on `code`, never on the message text.
export type EnvErrorCode =
  | 'ENV_ERR_COMMAND'
  | 'ENV_ERR_TIMEOUT'
  | 'ENV_ERR_PACKAGES'
  | 'ENV_ERR_LOCK'
  | 'ENV_ERR_EXTERNAL_CONFIG'
  | 'ENV_ERR_EXTERNAL_UNREACHABLE'
  | 'ENV_ERR_DOCKER'
  | 'ENV_ERR_ES_DOWNLOAD'
  | 'ENV_ERR_ES_START';

export class EnvError extends Error {
  readonly code: EnvErrorCode;
  readonly remedy: string;

  constructor(code: EnvErrorCode, message: string, remedy: string, options?: ErrorOptions) {
    super(`${code}: ${message}\n  remedy: ${remedy}`, options);
    this.name = 'EnvError';
    this.code = code;
    this.remedy = remedy;
  }
}
