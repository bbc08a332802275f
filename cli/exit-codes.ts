import { ERROR_CODES, type ErrorCode } from '../shared/errors.js';

// Exit codes of docs/CONTRACT.md: 0 done; 1 the operation failed; 2 bad usage or bad
// input; 3 refused (halted, frozen, irreversible, not authorised).
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_REFUSED = 3;

export function exitCodeFor(code: ErrorCode): number {
  return ERROR_CODES[code].exit;
}
