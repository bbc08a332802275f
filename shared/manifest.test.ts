import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FleetswapError, type ErrorCode } from './errors.js';
import { sha256 } from './hash.js';
import { MAX_FILE_BYTES, buildManifest, encodeManifest, parseManifest, type Entry, type Manifest, type ReleaseMeta } from './manifest.js';

// The manifest is what a release *is*: its id is the sha256 of these bytes.
// Everything CONTRACT invariant 4 refuses must be refused both when the CLI
// builds a manifest and when the coordinator (or an agent) parses one, and
// one release must have exactly one byte representation.

const meta: ReleaseMeta = { label: 'v1', owner: 'web-team', notes: 'n', irreversible: '' };
const HASH = 'a'.repeat(64);
const file = (path: string, sha = HASH): Entry => ({ path, type: 'file', mode: 0o644, size: 3, sha256: sha });
const link = (path: string, target: string): Entry => ({ path, type: 'symlink', target });
const dir = (path: string): Entry => ({ path, type: 'dir' });

function thrown(fn: () => unknown): FleetswapError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FleetswapError) return err;
    throw err;
  }
  throw new Error('expected a refusal, got none');
}

describe('buildManifest refuses a tree that breaks invariant 4', () => {
  const cases: [string, Entry[], ErrorCode, RegExp][] = [
    ['an absolute path', [file('/etc/passwd')], 'BAD_PATH', /absolute/],
    ['a .. path', [file('../outside')], 'BAD_PATH', /"\.\." segment/],
    ['a . segment', [file('a/./b')], 'BAD_PATH', /"\." segment/],
    ['an empty segment', [file('a//b')], 'BAD_PATH', /empty segment/],
    ['a trailing slash', [dir('d/')], 'BAD_PATH', /empty segment/],
    ['a NUL in a path', [file('a\0b')], 'BAD_PATH', /NUL/],
    ['a lone surrogate in a path', [file('a\uD800')], 'BAD_PATH', /UTF-8/],
    ['an over-long segment', [file('x'.repeat(256))], 'BAD_PATH', /255 bytes/],
    ['an absolute symlink', [link('x', '/etc/passwd')], 'BAD_SYMLINK', /"x" -> "\/etc\/passwd" is absolute/],
    ['../x at the top', [link('x', '../x')], 'BAD_SYMLINK', /"x" -> "\.\.\/x" points outside/],
    ['a deeper escape', [link('a/b/x', '../../../etc')], 'BAD_SYMLINK', /"a\/b\/x" .* points outside/],
    ['x -> d/up/.. where d/up -> ..', [link('d/up', '..'), link('x', 'd/up/..')], 'BAD_SYMLINK', /"x" -> "d\/up\/\.\." points outside/],
    ['a symlink loop', [link('a', 'b'), link('b', 'a')], 'BAD_SYMLINK', /"a" -> "b"/],
    ['a symlink target with a NUL', [link('x', 'a\0b')], 'BAD_SYMLINK', /NUL/],
    ['a symlink target that is not UTF-8', [link('x', '\uDC00')], 'BAD_SYMLINK', /UTF-8/],
    ['a duplicate path', [file('a'), file('a', 'b'.repeat(64))], 'BAD_MANIFEST', /duplicate path "a"/],
    ['a path listed as both file and dir', [file('a'), dir('a')], 'BAD_MANIFEST', /duplicate path "a"/],
    ['paths that differ only in case', [file('README'), file('readme')], 'BAD_PATH', /"README" and "readme" differ only in case/],
    ['nested paths that differ only in case', [file('Static/a.js'), file('static/A.js')], 'BAD_PATH', /differ only in case/],
    ['a path under a file', [file('f'), file('f/g')], 'BAD_MANIFEST', /"f\/g" lies under "f", which is a file/],
    ['a path under a symlink', [link('s', 'd'), file('s/g')], 'BAD_MANIFEST', /"s\/g" lies under "s", which is a symlink/],
    ['a dir entry that is not empty', [dir('d'), file('d/f')], 'BAD_MANIFEST', /directory entry "d" is not empty/],
  ];
  it.each(cases)('%s', (_why, entries, code, message) => {
    const err = thrown(() => buildManifest(meta, entries));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
  });

  it.each([
    ['a relative symlink inside', [file('a/b'), link('c', 'a/b')]],
    ['d/up -> .. (points at the tree root)', [file('d/f'), link('d/up', '..')]],
    ['a link through d/up that stays inside', [file('f'), link('d/up', '..'), link('x', 'd/up/f')]],
    ['a dangling link inside', [link('x', 'not/there')]],
    ['an empty dir beside files', [file('a'), dir('b'), file('c/d')]],
    ['dot files and triple dots', [file('.env'), file('...')]],
    ['no entries at all', []],
  ] as [string, Entry[]][])('accepts %s', (_why, entries) => {
    const { manifest, bytes, id } = buildManifest(meta, entries);
    expect(id).toBe(sha256(bytes));
    expect(parseManifest(bytes, id)).toEqual(manifest);
  });

  it('sorts entries by UTF-8 bytes so that the order of the walk does not change the id', () => {
    const a = buildManifest(meta, [file('b'), file('a/b'), file('a-b'), file('\u{10000}'), file('\uFFFF')]);
    const b = buildManifest(meta, [file('\uFFFF'), file('a-b'), file('\u{10000}'), file('b'), file('a/b')]);
    expect(a.id).toBe(b.id);
    expect(a.manifest.entries.map((e) => e.path)).toEqual(['a-b', 'a/b', 'b', '\uFFFF', '\u{10000}']);
  });

  // The coordinator's limits, refused where the user pushes rather than after the tree is hashed.
  it.each([
    ['an owner over 256 characters', { ...meta, owner: 'o'.repeat(257) }, [file('a')], /malformed at owner/],
    ['notes over 4096 characters', { ...meta, notes: 'n'.repeat(4097) }, [file('a')], /malformed at notes/],
    ['a file over the size limit', meta, [{ ...file('big'), size: MAX_FILE_BYTES + 1 }], /malformed at entries\.0\.size/],
    ['a mode with more than permission bits', meta, [{ ...file('a'), mode: 0o4755 }], /malformed at entries\.0\.mode/],
  ] as [string, ReleaseMeta, Entry[], RegExp][])('refuses %s with BAD_MANIFEST', (_why, m, entries, message) => {
    const err = thrown(() => buildManifest(m, entries));
    expect(err.code).toBe('BAD_MANIFEST');
    expect(err.message).toMatch(message);
  });

  it('refuses a bad version label before anything else', () => {
    expect(thrown(() => buildManifest({ ...meta, label: '../v1' }, [file('a')])).code).toBe('BAD_USAGE');
    expect(thrown(() => buildManifest({ ...meta, label: HASH }, [file('a')])).message).toMatch(/bad version label/);
  });
});

describe('parseManifest trusts no bytes', () => {
  const good = buildManifest(meta, [file('a', 'c'.repeat(64)), link('l', 'a'), dir('z')]);
  const text = good.bytes.toString('utf8');
  const obj = JSON.parse(text) as Record<string, unknown>;
  const withEntries = (entries: unknown[]) => Buffer.from(JSON.stringify({ ...obj, entries }));

  const cases: [string, Buffer, ErrorCode, RegExp][] = [
    ['extra white space', Buffer.from(JSON.stringify(obj, null, 1)), 'BAD_MANIFEST', /canonical/],
    ['a trailing newline', Buffer.from(`${text}\n`), 'BAD_MANIFEST', /canonical/],
    ['a leading BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), good.bytes]), 'BAD_MANIFEST', /JSON|canonical/],
    [
      'reordered top-level keys',
      Buffer.from(JSON.stringify({ entries: obj.entries, format: 1, label: 'v1', owner: 'web-team', notes: 'n', irreversible: '' })),
      'BAD_MANIFEST',
      /canonical/,
    ],
    [
      'reordered keys in an entry',
      withEntries([{ type: 'file', path: 'a', mode: 420, size: 3, sha256: 'c'.repeat(64) }, { path: 'l', type: 'symlink', target: 'a' }, { path: 'z', type: 'dir' }]),
      'BAD_MANIFEST',
      /canonical/,
    ],
    ['an escaped character where a plain one would do', Buffer.from(text.replace('"label":"v1"', '"label":"\\u00761"')), 'BAD_MANIFEST', /canonical/],
    ['a number written another way', Buffer.from(text.replace('"mode":420', '"mode":4.2e2')), 'BAD_MANIFEST', /canonical/],
    ['a duplicated key', Buffer.from(text.replace('"label":"v1"', '"label":"v0","label":"v1"')), 'BAD_MANIFEST', /canonical/],
    ['bytes that are not UTF-8', Buffer.from(text.replace('"notes":"n"', '"notes":"\u00ff"'), 'latin1'), 'BAD_MANIFEST', /canonical/],
    ['entries out of order', withEntries([{ path: 'z', type: 'dir' }, ...(obj.entries as unknown[]).slice(0, 2)]), 'BAD_MANIFEST', /not sorted/],
    ['a duplicate entry', withEntries([{ path: 'z', type: 'dir' }, { path: 'z', type: 'dir' }]), 'BAD_MANIFEST', /duplicate path "z"/],
    ['an absolute path', withEntries([{ path: '/etc/passwd', type: 'dir' }]), 'BAD_PATH', /absolute/],
    ['an escaping symlink', withEntries([{ path: 'x', type: 'symlink', target: '../x' }]), 'BAD_SYMLINK', /outside/],
    ['an escaped lone surrogate in a path', Buffer.from(text.replace('"path":"z"', '"path":"\\udc00"')), 'BAD_PATH', /UTF-8/],
    ['case-colliding paths', withEntries([{ path: 'A', type: 'dir' }, { path: 'a', type: 'dir' }]), 'BAD_PATH', /differ only in case/],
    ['an unknown key', Buffer.from(text.replace('"format":1', '"format":1,"extra":true')), 'BAD_MANIFEST', /malformed/],
    ['an unknown entry type', withEntries([{ path: 'p', type: 'fifo' }]), 'BAD_MANIFEST', /malformed at entries\.0/],
    ['a mode with file-type bits', withEntries([{ path: 'a', type: 'file', mode: 0o100644, size: 3, sha256: HASH }]), 'BAD_MANIFEST', /malformed at entries\.0\.mode/],
    ['a negative size', withEntries([{ path: 'a', type: 'file', mode: 420, size: -1, sha256: HASH }]), 'BAD_MANIFEST', /malformed at entries\.0\.size/],
    ['an upper-case hash', withEntries([{ path: 'a', type: 'file', mode: 420, size: 3, sha256: 'A'.repeat(64) }]), 'BAD_MANIFEST', /malformed at entries\.0\.sha256/],
    ['an empty symlink target', withEntries([{ path: 'l', type: 'symlink', target: '' }]), 'BAD_MANIFEST', /malformed at entries\.0\.target/],
    ['another format', Buffer.from(text.replace('"format":1', '"format":2')), 'BAD_MANIFEST', /malformed at format/],
    ['not JSON', Buffer.from(text.slice(0, -1)), 'BAD_MANIFEST', /not valid JSON/],
  ];
  it.each(cases)('refuses %s', (_why, bytes, code, message) => {
    const err = thrown(() => parseManifest(bytes));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
  });

  it('accepts the canonical bytes, and only when they hash to the expected id', () => {
    expect(parseManifest(good.bytes, good.id)).toEqual(good.manifest);
    const other = buildManifest({ ...meta, notes: 'm' }, []);
    const err = thrown(() => parseManifest(good.bytes, other.id));
    expect(err.code).toBe('HASH_MISMATCH');
    expect(err.message).toContain(other.id.slice(0, 12));
  });
});

// ---- properties ----

const segment = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9_][a-z0-9._-]{0,7}$/) },
  { weight: 1, arbitrary: fc.constantFrom('日本', 'ünï', '😀', '.env', '...', 'a b', 'x\ny', 'Mixed') },
);
const relPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));

/** consistent keeps paths that can coexist as leaves of one tree: none under another, none equal up to case. */
function consistent(paths: string[]): string[] {
  const kept: string[] = [];
  for (const p of paths) {
    const lp = p.toLowerCase();
    const clash = kept.some((k) => {
      const lk = k.toLowerCase();
      return lk === lp || lp.startsWith(`${lk}/`) || lk.startsWith(`${lp}/`);
    });
    if (!clash) kept.push(p);
  }
  return kept;
}

const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });

/** A valid tree: files, empty dirs, and symlinks pointing at other (non-link) entries or their ancestors. */
const validEntries: fc.Arbitrary<Entry[]> = fc
  .array(relPath, { maxLength: 25 })
  .map(consistent)
  .chain((paths) =>
    fc.tuple(
      fc.constant(paths),
      fc.array(
        fc.record({
          kind: fc.constantFrom('file', 'file', 'file', 'dir', 'symlink'),
          mode: fc.integer({ min: 0, max: 0o777 }),
          size: fc.integer({ min: 0, max: MAX_FILE_BYTES }),
          sha: hex64,
          pick: fc.nat(),
          up: fc.boolean(),
        }),
        { minLength: paths.length, maxLength: paths.length },
      ),
    ),
  )
  .map(([paths, specs]) => {
    const links = new Set(paths.filter((_, i) => specs[i]?.kind === 'symlink'));
    const targets = paths.filter((p) => !links.has(p));
    return paths.map((path, i): Entry => {
      const s = specs[i] as NonNullable<(typeof specs)[number]>;
      if (s.kind === 'dir') return { path, type: 'dir' };
      if (s.kind === 'file' || targets.length === 0) return { path, type: 'file', mode: s.mode, size: s.size, sha256: s.sha };
      let to = targets[s.pick % targets.length] as string;
      if (s.up && to.includes('/')) to = posix.dirname(to);
      return { path, type: 'symlink', target: posix.relative(posix.dirname(path), to) || '.' };
    });
  });

const label = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,30}$/);
const validMeta: fc.Arbitrary<ReleaseMeta> = fc.record({
  label,
  owner: fc.string({ unit: 'binary', maxLength: 256 }).filter((s) => s.length <= 256),
  notes: fc.string({ unit: 'grapheme', maxLength: 300 }).filter((s) => s.length <= 4096),
  irreversible: fc.oneof(fc.constant(''), fc.string({ maxLength: 60 })),
});

describe('manifest properties', () => {
  it('build -> encode -> parse round-trips for any valid tree, in any input order', () => {
    fc.assert(
      fc.property(validMeta, validEntries.chain((e) => fc.shuffledSubarray(e, { minLength: e.length, maxLength: e.length })), (m, entries) => {
        const built = buildManifest(m, entries);
        expect(encodeManifest(built.manifest).equals(built.bytes)).toBe(true);
        const parsed = parseManifest(built.bytes, built.id);
        expect(parsed).toEqual(built.manifest);
        expect(buildManifest(m, parsed.entries).id).toBe(built.id);
      }),
      { numRuns: 400 },
    );
  });

  it('a different byte in any file hash gives a different release id', () => {
    const withFile = validEntries.filter((e) => e.some((x) => x.type === 'file'));
    fc.assert(
      fc.property(validMeta, withFile, fc.nat(), fc.nat({ max: 63 }), fc.integer({ min: 1, max: 15 }), (m, entries, which, pos, delta) => {
        const files = entries.filter((e) => e.type === 'file');
        const victim = files[which % files.length] as Extract<Entry, { type: 'file' }>;
        const digit = (parseInt(victim.sha256[pos] as string, 16) + delta) % 16;
        const changed = entries.map((e) =>
          e === victim ? { ...victim, sha256: victim.sha256.slice(0, pos) + digit.toString(16) + victim.sha256.slice(pos + 1) } : e,
        );
        expect(buildManifest(m, changed).id).not.toBe(buildManifest(m, entries).id);
      }),
      { numRuns: 300 },
    );
  });

  it('entries in any order but the canonical one are refused', () => {
    const twoOrMore = validEntries.filter((e) => e.length >= 2);
    fc.assert(
      fc.property(validMeta, twoOrMore, fc.nat(), (m, entries, seed) => {
        const { manifest } = buildManifest(m, entries);
        const sorted = manifest.entries;
        // Swap two entries: the smallest change that breaks the order.
        const i = seed % (sorted.length - 1);
        const swapped = [...sorted];
        [swapped[i], swapped[i + 1]] = [swapped[i + 1] as Entry, swapped[i] as Entry];
        const err = thrown(() => parseManifest(encodeManifest({ ...manifest, entries: swapped })));
        expect(err.message).toMatch(/not sorted/);
      }),
      { numRuns: 200 },
    );
  });

  it('whatever buildManifest accepts, parseManifest accepts', () => {
    // buildManifest runs on the pushing side; anything it lets through that
    // the coordinator then refuses was hashed (and could be uploaded) for nothing.
    const anyMeta = fc.record({
      label,
      owner: fc.string({ maxLength: 300 }),
      notes: fc.string({ maxLength: 5000 }),
      irreversible: fc.string({ maxLength: 5000 }),
    });
    const anyFile = fc.record({
      path: relPath,
      type: fc.constant('file' as const),
      mode: fc.integer({ min: -1, max: 0o7777 }),
      size: fc.oneof(fc.nat(), fc.constant(-1), fc.constant(2 ** 33), fc.constant(0.5)),
      sha256: fc.oneof(hex64, fc.constant('not-a-hash')),
    });
    fc.assert(
      fc.property(anyMeta, fc.array(anyFile, { maxLength: 4 }), (m, files) => {
        const entries = consistent(files.map((f) => f.path)).map((p) => files.find((f) => f.path === p) as Entry);
        let built: ReturnType<typeof buildManifest>;
        try {
          built = buildManifest(m, entries);
        } catch (err) {
          if (err instanceof FleetswapError) return;
          throw err;
        }
        expect(parseManifest(built.bytes, built.id)).toEqual(built.manifest);
      }),
      { numRuns: 300 },
    );
  });
});

describe('encodeManifest', () => {
  it('writes keys in a fixed order with no white space', () => {
    const m: Manifest = { format: 1, label: 'v1', owner: '', notes: '', irreversible: '', entries: [file('a')] };
    expect(encodeManifest(m).toString()).toBe(
      `{"format":1,"label":"v1","owner":"","notes":"","irreversible":"","entries":[{"path":"a","type":"file","mode":420,"size":3,"sha256":"${HASH}"}]}`,
    );
  });
});

describe('case collisions through implied directories', () => {
  it('refuses a file "A" beside a directory "a" implied by "a/b"', () => {
    const meta = { label: 'v1', owner: '', notes: '', irreversible: '' };
    const file = (path: string) => ({ path, type: 'file' as const, mode: 0o644, size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
    expect(() => buildManifest(meta, [file('A'), file('a/b')])).toThrow(/"A" and "a" differ only in case|"a" and "A" differ only in case/);
    expect(() => buildManifest(meta, [file('x/A/1'), file('x/a/2')])).toThrow(/differ only in case/);
    expect(() => buildManifest(meta, [file('a/1'), file('a/2')])).not.toThrow();
  });
});
