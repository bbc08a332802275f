import type { DirectiveKind } from '../../shared/domain.js';
import type { Directive__Output } from '../../shared/gen/fleetswap/v1/Directive.js';
import type { Override } from '../../shared/override.js';
import { storedDirective, type HostRow, type Store } from '../store.js';

/** FleetLink is what the engine needs from the fleet of connected hosts (Fleet, or a fake in tests). */
export interface FleetLink {
  isConnected(hostId: string): boolean;
  /** send writes `d` (as Dispatch stored it) to the host's stream; false when it has none. */
  send(hostId: string, d: Directive__Output): boolean;
}

/**
 * Dispatch is the only way a directive leaves the coordinator: it is stored
 * first, and sent once the outermost transaction has committed (CONTRACT
 * invariant 7), so a coordinator killed at any moment never told a host
 * something its database forgets. While the fleet is halted, switches stay
 * stored and go out at unhalt (or at the host's next hello).
 */
export class Dispatch {
  constructor(
    private readonly store: Store,
    private readonly fleet: FleetLink,
  ) {}

  /** issue stores a new directive for one host (and its desired release, if given), to be sent after the commit. */
  issue(hostId: string, kind: DirectiveKind, releaseId: string, opts: { desired?: string; override?: Override } = {}): Promise<void> {
    return this.issueAll([hostId], kind, releaseId, opts);
  }

  /**
   * issueAll stores one directive for many hosts (each with its own next
   * generation) in a statement per few hundred hosts, and sends them all once
   * the transaction has committed: a cohort's switch or a rollback at 1,000
   * hosts is not 1,000 round trips to the database.
   */
  async issueAll(hostIds: readonly string[], kind: DirectiveKind, releaseId: string, opts: { desired?: string; override?: Override } = {}): Promise<void> {
    const directives = await this.recordAll(hostIds, kind, releaseId, opts);
    if (directives.length === 0 || !(await this.maySend(kind))) return;
    this.store.afterCommit(() => {
      for (const [hostId, d] of directives) this.fleet.send(hostId, d);
    });
  }

  /** recordAll stores one directive for many hosts without sending it: each gets it when it next says hello. */
  async recordAll(hostIds: readonly string[], kind: DirectiveKind, releaseId: string, opts: { desired?: string; override?: Override } = {}): Promise<[string, Directive__Output][]> {
    if (hostIds.length === 0) return [];
    const override = opts.override ?? null;
    const generations = await this.store.hosts.directAll(hostIds, { kind, release_id: releaseId, override }, opts.desired);
    return hostIds.map((id) => [id, { generation: generations.get(id) as number, kind, release_id: releaseId, override }]);
  }

  /** resend sends a host its stored directive again (a returning host, a resume, an unhalt). */
  async resend(host: HostRow): Promise<void> {
    if (host.directive_kind) await this.sendAfterCommit(host.id, storedDirective(host));
  }

  /** maySend holds back anything that switches while a halt is in force. */
  async maySend(kind: Directive__Output['kind']): Promise<boolean> {
    return (kind !== 'ACTIVATE' && kind !== 'REPAIR') || !(await this.store.meta.halt()).halted;
  }

  /** sendAfterCommit decides with what the transaction sees (is the fleet halted?) and sends once it commits. */
  private async sendAfterCommit(hostId: string, d: Directive__Output): Promise<void> {
    if (!(await this.maySend(d.kind))) return;
    this.store.afterCommit(() => this.fleet.send(hostId, d));
  }
}
