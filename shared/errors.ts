// FleetswapError is the one error type the project throws on purpose. Its
// `code` is stable (documented in docs/ERRORS.md) so scripts and tests can
// match on it; its message is one line saying what is wrong and what to do.
export type ErrorCode =
  | 'BAD_USAGE'
  | 'BAD_PATH'
  | 'BAD_SYMLINK'
  | 'BAD_FILE_TYPE'
  | 'UNREADABLE'
  | 'BAD_MANIFEST'
  | 'HASH_MISMATCH'
  | 'LABEL_TAKEN'
  | 'UNKNOWN_RELEASE'
  | 'AMBIGUOUS_RELEASE'
  | 'MISSING_BLOB'
  | 'NO_FREE_SLOT'
  | 'NO_SPACE'
  | 'NO_HOSTS'
  | 'HOSTS_OFFLINE'
  | 'ROLLOUT_ACTIVE'
  | 'NOTHING_TO_ROLL_BACK'
  | 'IRREVERSIBLE'
  | 'HALTED'
  | 'NOT_AUTHORISED'
  | 'UNSIGNED'
  | 'BAD_SIGNATURE'
  | 'WRONG_FLEET'
  | 'BELOW_FLOOR'
  | 'BAD_DIRECTIVE'
  | 'OVERSIZED_BLOB'
  | 'REFUSED'
  | 'HEALTH_CHECK_FAILED'
  | 'RELOAD_FAILED'
  | 'STAGING_FAILED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export class FleetswapError extends Error {
  override readonly name = 'FleetswapError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
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
