import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FleetswapError } from '../shared/errors.js';
import { writeFileDurably } from '../shared/fsync.js';
import { SHA256_RE } from '../shared/hash.js';
import { CROSSES_ANY, MAX_OVERRIDE_MS, overrideSignedBy, type Override } from '../shared/override.js';
import type { TrustedKey } from '../shared/signing.js';
import type { Admitted } from './stager.js';

// The irreversible floor. Once a host has applied an irreversible release
// (a schema migration, say), going back to what ran before it would run old
// code against new data. The host remembers that release and refuses any
// release BELOW it: one whose newest trusted signature is older than the
// floor release's. Signing times are inside the signed bytes, so a
// coordinator that is taken over cannot make an old release look new; and
// unlike "releases this host applied after the floor", it also catches an
// old release this host never ran. Only an override signed with a release
// key (shared/override.ts) goes below; the release it allows then becomes
// the floor, so the host can stay there.

const recordSchema = z.strictObject({
  release_id: z.string().regex(SHA256_RE),
  label: z.string(),
  signed_at_ms: z.number().int().min(0),
  /** irreversible: the newest irreversible release applied; override: the target of the last override applied. */
  why: z.enum(['irreversible', 'override']),
  at: z.string(),
});
type FloorRecord = z.infer<typeof recordSchema>;

export class Floor {
  private record: FloorRecord | undefined;

  /** With no trusted key (--allow-unsigned) there are no signing times to order by, and no floor. */
  constructor(
    private readonly file: string,
    private readonly fleet: string,
    private readonly trusted: readonly TrustedKey[],
    private readonly now: () => number,
  ) {}

  /** load reads the floor kept under ROOT/.fleetswap; a damaged record stops the agent rather than forget the floor. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const r = recordSchema.safeParse(parsed);
    if (!r.success) {
      throw new FleetswapError('BAD_USAGE', `${this.file} is damaged: restore it, or remove it to forget the irreversible floor (this host could then go back past an irreversible release)`);
    }
    this.record = r.data;
  }

  current(): Readonly<FloorRecord> | undefined {
    return this.record;
  }

  /**
   * check refuses a switch to a release below the floor, unless `override`
   * allows exactly this one; it returns the key that signed an override it
   * used, for the log.
   */
  check(r: Admitted, override?: Override | null): TrustedKey | undefined {
    const f = this.record;
    if (!f || this.trusted.length === 0 || r.id === f.release_id) return undefined;
    if (r.signedAtMs !== undefined && r.signedAtMs >= f.signed_at_ms) return undefined;
    const below = `release ${r.label} (${short(r.id)}) was signed before ${f.why === 'irreversible' ? 'irreversible release' : 'release'} ${f.label} (${short(f.release_id)}), this host's floor since ${f.at}`;
    if (!override) {
      throw new FleetswapError('BELOW_FLOOR', `${below}; going back past it needs an override signed with a release key: fleetswap rollback --to ${r.label} --force-irreversible --sign-key KEY --reason TEXT`);
    }
    const key = overrideSignedBy(override, this.trusted);
    const refused = key ? this.refuseTerms(override, r.id, f) : `it is not signed by a key this host trusts (${override.key_id || 'no key'})`;
    if (refused) throw new FleetswapError('BELOW_FLOOR', `${below}; the override is refused: ${refused}`);
    return key;
  }

  private refuseTerms(o: Override, target: string, f: FloorRecord): string | undefined {
    if (o.fleet !== this.fleet) return `it is for fleet ${JSON.stringify(o.fleet)}, and this host is in fleet ${JSON.stringify(this.fleet)}`;
    if (o.target !== target) return `it allows release ${short(o.target)}, not ${short(target)}`;
    if (o.crosses !== CROSSES_ANY && o.crosses !== f.release_id) return `it goes below ${short(o.crosses)}, and this host's floor is ${short(f.release_id)}`;
    const now = this.now();
    if (o.expires_ms <= now) return `it expired at ${new Date(o.expires_ms).toISOString()}: sign a new one (fleetswap rollback --force-irreversible --sign-key KEY)`;
    if (o.expires_ms - now > MAX_OVERRIDE_MS) return `it is valid until ${new Date(o.expires_ms).toISOString()}, more than ${MAX_OVERRIDE_MS / 3_600_000} h ahead: an override must expire soon`;
    return undefined;
  }

  /**
   * applied records a release that is now live: an irreversible one, or the
   * target of an override, becomes the floor. Written durably before the
   * directive counts as applied, so a restart keeps it.
   */
  async applied(r: Admitted, viaOverride: boolean): Promise<void> {
    if (this.trusted.length === 0 || r.signedAtMs === undefined || (!r.irreversible && !viaOverride) || this.record?.release_id === r.id) return;
    const record: FloorRecord = { release_id: r.id, label: r.label, signed_at_ms: r.signedAtMs, why: r.irreversible ? 'irreversible' : 'override', at: new Date(this.now()).toISOString() };
    await writeFileDurably(this.file, JSON.stringify(record));
    this.record = record;
  }
}

const short = (id: string): string => id.slice(0, 12);
