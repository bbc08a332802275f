import { readFile, stat } from 'node:fs/promises';
import type { RevocationList } from '../shared/crl.js';
import { FleetswapError, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { PeerIdentity } from '../shared/tls.js';
import { COORDINATOR_ACTOR, type AuditLog } from './audit.js';
import type { Clock } from './rollout.js';

/** How often the CRL file is looked at for a change. */
const POLL_MS = 1_000;
/** A revoked certificate that keeps knocking is audited once a minute, not at every try (each try is logged). */
const AUDIT_EVERY_MS = 60_000;

/**
 * Revocation is the fleet CA's revocation list as the coordinator holds it
 * (`--crl FILE`, written by `fleetswap ca revoke`). It is read at start (a
 * file the CA did not sign stops the coordinator), then looked at every
 * second: a new list signed by the CA replaces the one in force and
 * `onChange` runs (the coordinator closes revoked agents' streams); a list
 * that is unreadable, not signed by the CA, or older than the one in force
 * is logged and ignored, so nobody can un-revoke a certificate by replacing
 * the file. Without --crl nothing is revoked.
 */
export class Revocation {
  private list: RevocationList = { number: 0, serials: new Set() };
  private seen = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly audited = new Map<string, number>();

  private readonly file: string | undefined;
  private readonly caPem: Buffer | undefined;

  /** @param source the --crl file and the CA that must have signed it; none: nothing is revoked. */
  constructor(
    source: { file: string; caPem: Buffer } | undefined,
    private readonly audit: AuditLog,
    private readonly now: Clock,
    private readonly log: Logger,
  ) {
    this.file = source?.file;
    this.caPem = source?.caPem;
  }

  /** load reads the list at start; any fault stops the coordinator with one line. */
  async load(): Promise<void> {
    if (!this.file) return;
    const stamp = await this.stamp().catch((err: NodeJS.ErrnoException) => {
      throw new FleetswapError('BAD_USAGE', `cannot read --crl ${this.file}: ${err.code ?? err.message}`);
    });
    this.list = await this.read();
    this.seen = stamp;
    this.log.info({ crl: this.file, number: this.list.number, revoked: this.list.serials.size }, 'revocation list loaded');
  }

  /** watch looks at the file every second and runs onChange once a newer list is in force. */
  watch(onChange: () => void): void {
    if (!this.file) return;
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.reread()
        .then((changed) => changed && onChange())
        .catch((err: unknown) => this.log.error({ crl: this.file, err: errorMessage(err) }, 'revocation list not re-read'))
        .finally(() => (busy = false));
    }, POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  isRevoked(peer: Pick<PeerIdentity, 'serial'>): boolean {
    return this.list.serials.has(peer.serial);
  }

  /**
   * refusal is the error a revoked certificate's call is refused with. It is
   * audited (actor the coordinator, target the host the certificate names),
   * at most once a minute per certificate; `call` says what it tried.
   */
  refusal(peer: PeerIdentity, call: string): FleetswapError {
    this.log.warn({ host: peer.name, serial: peer.serial, call }, 'refused a revoked certificate');
    const at = this.now();
    if (at - (this.audited.get(peer.serial) ?? -Infinity) >= AUDIT_EVERY_MS) {
      this.audited.set(peer.serial, at);
      // The refusal does not wait for the database: a revoked host is cut off at once.
      this.audit
        .append({ actor: COORDINATOR_ACTOR, action: 'refused revoked certificate', target: peer.name, detail: { serial: peer.serial, role: peer.role, call, crl: this.list.number } })
        .catch((err: unknown) => this.log.error({ host: peer.name, err: errorMessage(err) }, 'could not audit a refused revoked certificate'));
    }
    return new FleetswapError('NOT_AUTHORISED', 'certificate revoked');
  }

  private async reread(): Promise<boolean> {
    const stamp = await this.stamp().catch((err: NodeJS.ErrnoException) => `missing ${err.code}`);
    if (stamp === this.seen) return false;
    this.seen = stamp;
    let next: RevocationList;
    try {
      next = await this.read();
    } catch (err) {
      this.log.error({ crl: this.file, err: errorMessage(err), number: this.list.number }, 'revocation list refused; the one in force is kept');
      return false;
    }
    if (next.number < this.list.number) {
      this.log.error({ crl: this.file, number: next.number, in_force: this.list.number }, 'revocation list older than the one in force refused; the one in force is kept');
      return false;
    }
    const added = [...next.serials].filter((s) => !this.list.serials.has(s)).length;
    this.list = next;
    this.log.warn({ crl: this.file, number: next.number, revoked: next.serials.size, added }, 'revocation list changed');
    return true;
  }

  private async read(): Promise<RevocationList> {
    const bytes = await readFile(this.file!).catch((err: NodeJS.ErrnoException) => {
      throw new FleetswapError('BAD_USAGE', `cannot read --crl ${this.file}: ${err.code ?? err.message}`);
    });
    // Loaded only by a coordinator given --crl: the X.509 library costs some 25 MB and 150 ms at start.
    const { readCrl } = await import('../shared/crl.js');
    const { number, serials } = await readCrl(bytes, this.caPem!, `--crl ${this.file}`);
    return { number, serials };
  }

  /** stamp tells one version of the file from another without reading it: `ca revoke` renames a new file in place. */
  private async stamp(): Promise<string> {
    const s = await stat(this.file!);
    return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  }
}
