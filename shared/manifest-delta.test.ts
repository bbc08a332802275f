import { describe, expect, it } from 'vitest';
import { sha256 } from './hash.js';
import { buildManifest, parseManifest, type Entry } from './manifest.js';
import { applyManifestDelta, diffManifest } from './manifest-delta.js';

const file = (path: string, content: string, mode = 0o644): Entry => ({ path, type: 'file', mode, size: content.length, sha256: sha256(content) });
const meta = (label: string) => ({ label, owner: 'o', notes: '', irreversible: '' });

describe('manifest deltas', () => {
  it('rebuild the target byte for byte: changed, added, removed, mode-only and metadata changes', () => {
    const a = buildManifest(meta('v1'), [file('a', '1'), file('b', '2'), file('c', '3'), { path: 'd', type: 'dir' }]);
    const b = buildManifest({ ...meta('v2'), notes: 'n' }, [file('a', '1'), file('b', '22'), file('c', '3', 0o755), file('e', '5'), { path: 'l', type: 'symlink', target: 'a' }]);
    const delta = diffManifest(a.manifest, b.manifest);
    expect(delta.removed).toEqual(['d']);
    expect(delta.entries.map((e) => e.path)).toEqual(['b', 'c', 'e', 'l']);
    const rebuilt = applyManifestDelta(a.manifest, Buffer.from(JSON.stringify(delta)));
    expect(rebuilt.equals(b.bytes)).toBe(true);
    expect(parseManifest(rebuilt, b.id).label).toBe('v2');
  });

  it('a tampered delta rebuilds something that fails the release id check', () => {
    const a = buildManifest(meta('v1'), [file('a', '1')]);
    const b = buildManifest(meta('v2'), [file('a', '2')]);
    const delta = diffManifest(a.manifest, b.manifest);
    delta.entries = [file('a', 'evil')];
    const rebuilt = applyManifestDelta(a.manifest, Buffer.from(JSON.stringify(delta)));
    expect(() => parseManifest(rebuilt, b.id)).toThrow(/does not match release id/);
    expect(() => applyManifestDelta(a.manifest, Buffer.from('{"nope":1}'))).toThrow(/malformed/);
  });
});
