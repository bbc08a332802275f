/**
 * RefusalKind names what the coordinator turned away at its edge. Each is
 * counted (shown by `fleetswap status`), so a host or stranger probing the
 * coordinator shows up without anyone reading logs.
 */
export type RefusalKind =
  | 'unauthenticated' // a call without the certificate or token its service needs, refused before any message is read
  | 'fetch-denied' // a manifest or blobs of a release the host was never sent
  | 'hello-refused' // a hello that broke a rule (identity, ids, tags, slots, generation)
  | 'hello-timeout' // a stream that said no hello in time (10 s)
  | 'generation-claim' // a host claimed a directive generation beyond what it was issued (audited)
  | 'report-refused' // a report for a generation never issued
  | 'vitals-throttled' // samples over a host's rate
  | 'oversize'; // a message over its method's size limit

/** Refusals counts what was refused since start, by kind. */
export class Refusals {
  private readonly counts = new Map<RefusalKind, number>();

  count(kind: RefusalKind, n = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
