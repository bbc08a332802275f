import type { ErrorCode } from '../shared/errors.js';

// Exit codes of DESIGN.md: 0 done; 1 the operation failed; 2 bad usage or bad
// input; 3 refused (halted, frozen, irreversible, not authorised).
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_REFUSED = 3;

const USAGE: ReadonlySet<ErrorCode> = new Set([
  'BAD_USAGE',
  'BAD_PATH',
  'BAD_SYMLINK',
  'BAD_FILE_TYPE',
  'UNREADABLE',
  'BAD_MANIFEST',
  'HASH_MISMATCH',
  'LABEL_TAKEN',
  'UNKNOWN_RELEASE',
  'AMBIGUOUS_RELEASE',
  'NO_HOSTS',
]);
const REFUSED: ReadonlySet<ErrorCode> = new Set(['ROLLOUT_ACTIVE', 'IRREVERSIBLE', 'HOSTS_OFFLINE', 'HALTED', 'REFUSED', 'NOT_AUTHORISED', 'UNSIGNED', 'BAD_SIGNATURE', 'WRONG_FLEET', 'BELOW_FLOOR']);

export function exitCodeFor(code: ErrorCode): number {
  if (USAGE.has(code)) return EXIT_USAGE;
  if (REFUSED.has(code)) return EXIT_REFUSED;
  return EXIT_FAILED;
}
