import type { KeyObject } from 'node:crypto';
import { FleetswapError } from '../shared/errors.js';
import { CROSSES_ANY, OVERRIDE_TTL_MS, signOverride, type Override } from '../shared/override.js';
import type { Release__Output } from '../shared/gen/fleetswap/v1/Release.js';
import type { AdminClient } from './admin-client.js';

/**
 * signedOverride signs the override for `rollback --force-irreversible
 * --sign-key`: hosts of `fleet` may go to the --to release below the one
 * irreversible release the selected hosts are leaving (or below any, when
 * they leave several or none that the coordinator knows of: a host's floor
 * can be an irreversible release it ran before its current one).
 * The target is looked up on the coordinator when named by label: the
 * operator sees its full id on stderr, and can give the id instead.
 */
export async function signedOverride(c: AdminClient, o: { to: string; select: Record<string, string>; fleet: string; key: KeyObject }): Promise<Override> {
  const { releases } = await c.call('ListReleases', {});
  const target = findRelease(releases, o.to);
  const { hosts } = await c.call('ListHosts', {});
  const selected = hosts.filter((h) => Object.entries(o.select).every(([k, v]) => h.tags[k] === v));
  const irreversible = new Set(releases.filter((r) => r.irreversible).map((r) => r.id));
  const leaving = new Set(selected.flatMap((h) => [h.live_release, h.desired_release]).filter((id) => id !== target.id && irreversible.has(id)));
  const crosses = leaving.size === 1 ? ([...leaving][0] as string) : CROSSES_ANY;
  return signOverride({ fleet: o.fleet, target: target.id, crosses, expires_ms: Date.now() + OVERRIDE_TTL_MS }, o.key);
}

/** findRelease resolves a label, a full id or a unique id prefix as the coordinator does. */
function findRelease(releases: readonly Release__Output[], ref: string): Release__Output {
  const exact = releases.find((r) => r.label === ref || r.id === ref);
  if (exact) return exact;
  const byPrefix = /^[0-9a-f]{6,63}$/.test(ref) ? releases.filter((r) => r.id.startsWith(ref)) : [];
  if (byPrefix.length === 1) return byPrefix[0] as Release__Output;
  if (byPrefix.length > 1) throw new FleetswapError('AMBIGUOUS_RELEASE', `release id prefix ${ref} matches more than one release; give more digits`);
  throw new FleetswapError('UNKNOWN_RELEASE', `no release with label or id ${JSON.stringify(ref)}: see fleetswap releases`);
}
