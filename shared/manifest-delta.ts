import { z } from 'zod';
import { FleetswapError } from './errors.js';
import { encodeManifest, type Entry, type Manifest } from './manifest.js';
import { compareUtf8 } from './paths.js';

// A manifest delta lets a host that holds release A fetch release B's
// manifest as the difference: B's metadata, the paths gone, and the entries
// new or changed. Nothing in it is trusted: the host rebuilds B's canonical
// manifest and checks its sha256 against B's id, exactly as for a full one.

export interface ManifestDelta {
  label: string;
  owner: string;
  notes: string;
  irreversible: string;
  removed: string[];
  entries: Entry[];
}

const deltaSchema = z.strictObject({
  label: z.string(),
  owner: z.string(),
  notes: z.string(),
  irreversible: z.string(),
  removed: z.array(z.string()),
  // Entries are checked in full when the rebuilt manifest is parsed.
  entries: z.array(z.looseObject({ path: z.string() })),
});

const key = (e: Entry): string => JSON.stringify(e);

export function diffManifest(base: Manifest, target: Manifest): ManifestDelta {
  const before = new Map(base.entries.map((e) => [e.path, key(e)]));
  const after = new Set(target.entries.map((e) => e.path));
  return {
    label: target.label,
    owner: target.owner,
    notes: target.notes,
    irreversible: target.irreversible,
    removed: base.entries.filter((e) => !after.has(e.path)).map((e) => e.path),
    entries: target.entries.filter((e) => before.get(e.path) !== key(e)),
  };
}

/** applyManifestDelta rebuilds the target's canonical bytes; the caller verifies them against the release id. */
export function applyManifestDelta(base: Manifest, deltaBytes: Uint8Array): Buffer {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(deltaBytes).toString('utf8'));
  } catch {
    throw new FleetswapError('BAD_MANIFEST', 'manifest delta is not valid JSON');
  }
  const parsed = deltaSchema.safeParse(raw);
  if (!parsed.success) throw new FleetswapError('BAD_MANIFEST', 'manifest delta is malformed');
  const d = parsed.data as unknown as ManifestDelta;
  const byPath = new Map(base.entries.map((e) => [e.path, e]));
  for (const p of d.removed) byPath.delete(p);
  for (const e of d.entries) byPath.set(e.path, e);
  return encodeManifest({
    format: base.format,
    label: d.label,
    owner: d.owner,
    notes: d.notes,
    irreversible: d.irreversible,
    entries: [...byPath.values()].sort((a, b) => compareUtf8(a.path, b.path)),
  });
}
