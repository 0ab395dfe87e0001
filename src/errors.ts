/** Exit codes are part of the tap's contract with orchestrators; see README "Exit codes". */
export const EXIT = {
  ok: 0,
  failure: 1,
  quota: 2,
  usage: 3,
  interrupted: 130,
} as const;

export type ErrorKind =
  | 'config'
  | 'usage'
  | 'auth'
  | 'api'
  | 'data'
  | 'quota'
  | 'interrupted'
  /** stdout broke (EPIPE): the target stopped reading. Nothing more can be written, not even STATE. */
  | 'output'
  | 'internal';

/** Every error the tap expects carries a kind; the CLI maps the kind to an exit code and prints one line. */
export class TapError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TapError';
    this.kind = kind;
  }
}

export class ConfigError extends TapError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config', message, options);
    this.name = 'ConfigError';
  }
}

export class AuthError extends TapError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('auth', message, options);
    this.name = 'AuthError';
  }
}

/** A Salesforce API answer that retrying will not fix (bad SOQL, unknown object, refused query…). */
export class ApiError extends TapError {
  readonly status: number;
  readonly errorCode: string | undefined;
  constructor(message: string, status: number, errorCode?: string, options?: { cause?: unknown }) {
    super('api', message, options);
    this.name = 'ApiError';
    this.status = status;
    this.errorCode = errorCode;
  }
}

/** A quota guard tripped: the run stops after its last valid STATE, exit code 2. */
export class QuotaError extends TapError {
  constructor(message: string) {
    super('quota', message);
    this.name = 'QuotaError';
  }
}

export function exitCodeFor(error: unknown): number {
  if (!(error instanceof TapError)) return EXIT.failure;
  switch (error.kind) {
    case 'quota':
      return EXIT.quota;
    case 'config':
    case 'usage':
      return EXIT.usage;
    case 'interrupted':
      return EXIT.interrupted;
    default:
      return EXIT.failure;
  }
}
