/**
 * MAX_GENERATION bounds directive generations on both sides of the wire. A
 * directive a second for ten thousand years stays far below it, and it is
 * far below 2^53, where a JavaScript number stops counting by one: a claim
 * above it is forged or corrupt, never the result of directing a host.
 */
export const MAX_GENERATION = 2 ** 48;

/** isGeneration: a whole number from 0 to MAX_GENERATION. */
export function isGeneration(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= MAX_GENERATION;
}
