// The store keeps every time as milliseconds since the epoch (columns named
// *_ms); the wire and the words operators read say ISO 8601. isoFromMs is the
// one conversion, made where a reply or a message is built. For a time that
// was an ISO string before (migrations.ts), it gives that string back exactly,
// which the audit chain's hashes depend on.

/** isoFromMs is `ms` as Date.toISOString writes it. */
export function isoFromMs(ms: number): string {
  return new Date(ms).toISOString();
}
