// FleetswapError is the one error type the project throws on purpose. Its
// `code` is stable (documented in docs/ERRORS.md) so scripts and tests can
// match on it; its message is one line saying what is wrong and what to do.
// How each code ends a CLI run (exit: 0 done; 1 failed; 2 bad usage or
// input; 3 refused) and which gRPC status carries it across the wire. One
// exhaustive record: a code added without both does not compile, and
// docs/ERRORS.md is checked against it (shared/errors.test.ts).
type Status = 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'FAILED_PRECONDITION' | 'PERMISSION_DENIED' | 'UNAVAILABLE' | 'INTERNAL';
export const ERROR_CODES = {
  BAD_USAGE: { exit: 2, status: 'INVALID_ARGUMENT' },
  BAD_PATH: { exit: 2, status: 'INVALID_ARGUMENT' },
  BAD_SYMLINK: { exit: 2, status: 'INVALID_ARGUMENT' },
  BAD_FILE_TYPE: { exit: 2, status: 'INVALID_ARGUMENT' },
  UNREADABLE: { exit: 2, status: 'INVALID_ARGUMENT' },
  BAD_MANIFEST: { exit: 2, status: 'INVALID_ARGUMENT' },
  HASH_MISMATCH: { exit: 2, status: 'INVALID_ARGUMENT' },
  LABEL_TAKEN: { exit: 2, status: 'ALREADY_EXISTS' },
  UNKNOWN_RELEASE: { exit: 2, status: 'NOT_FOUND' },
  AMBIGUOUS_RELEASE: { exit: 2, status: 'INVALID_ARGUMENT' },
  NO_HOSTS: { exit: 2, status: 'FAILED_PRECONDITION' },
  MISSING_BLOB: { exit: 1, status: 'FAILED_PRECONDITION' },
  NO_FREE_SLOT: { exit: 1, status: 'INVALID_ARGUMENT' },
  NO_SPACE: { exit: 1, status: 'INVALID_ARGUMENT' },
  HOSTS_OFFLINE: { exit: 3, status: 'FAILED_PRECONDITION' },
  ROLLOUT_ACTIVE: { exit: 3, status: 'FAILED_PRECONDITION' },
  NOTHING_TO_ROLL_BACK: { exit: 1, status: 'FAILED_PRECONDITION' },
  IRREVERSIBLE: { exit: 3, status: 'FAILED_PRECONDITION' },
  HALTED: { exit: 3, status: 'INVALID_ARGUMENT' },
  NOT_AUTHORISED: { exit: 3, status: 'PERMISSION_DENIED' },
  UNSIGNED: { exit: 3, status: 'INVALID_ARGUMENT' },
  BAD_SIGNATURE: { exit: 3, status: 'INVALID_ARGUMENT' },
  WRONG_FLEET: { exit: 3, status: 'INVALID_ARGUMENT' },
  BELOW_FLOOR: { exit: 3, status: 'INVALID_ARGUMENT' },
  BAD_DIRECTIVE: { exit: 1, status: 'INVALID_ARGUMENT' },
  OVERSIZED_BLOB: { exit: 1, status: 'INVALID_ARGUMENT' },
  REFUSED: { exit: 3, status: 'INVALID_ARGUMENT' },
  HEALTH_CHECK_FAILED: { exit: 1, status: 'INVALID_ARGUMENT' },
  RELOAD_FAILED: { exit: 1, status: 'INVALID_ARGUMENT' },
  STAGING_FAILED: { exit: 1, status: 'INVALID_ARGUMENT' },
  UNAVAILABLE: { exit: 1, status: 'UNAVAILABLE' },
  BAD_REPLY: { exit: 1, status: 'INTERNAL' },
  NOT_LEADER: { exit: 1, status: 'UNAVAILABLE' },
  SCHEMA_BEHIND: { exit: 1, status: 'FAILED_PRECONDITION' },
  INTERNAL: { exit: 1, status: 'INTERNAL' },
} as const satisfies Record<string, { exit: 1 | 2 | 3; status: Status }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

export class FleetswapError extends Error {
  override readonly name = 'FleetswapError';
  /** With NOT_LEADER: the leading coordinator's address, when one is known, for the client to go to. */
  readonly leader: string | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; leader?: string },
  ) {
    super(message, options);
    this.leader = options?.leader;
  }
}

export function isFleetswapError(err: unknown): err is FleetswapError {
  return err instanceof FleetswapError;
}

/** errorMessage gives a one-line description of any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? String(err);
  return String(err);
}
