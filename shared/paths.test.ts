import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { posix, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetswapError } from './errors.js';
import { MAX_PATH_BYTES, MAX_SEGMENT_BYTES, checkRelativePath, compareUtf8, parentDirs, symlinkEscapes } from './paths.js';

// CONTRACT invariant 4: paths are relative and normalised, and symlinks that
// point outside the tree are refused. These are the checks everything else
// (push, the coordinator, the agent's stager) relies on.

/** pathOfBytes gives a valid-looking path of exactly n UTF-8 bytes (segments of 100 bytes). */
function pathOfBytes(n: number): string {
  const segs: string[] = [];
  let left = n;
  while (left > 0) {
    const take = Math.min(left, 100);
    segs.push('a'.repeat(take));
    left -= take + 1;
  }
  const p = segs.join('/');
  // The last segment absorbs any off-by-one from the separators.
  return p + 'b'.repeat(n - Buffer.byteLength(p));
}

function refusal(path: string): FleetswapError | undefined {
  try {
    checkRelativePath(path);
    return undefined;
  } catch (err) {
    if (err instanceof FleetswapError) return err;
    throw err;
  }
}

describe('checkRelativePath', () => {
  const accepted: [string, string][] = [
    ['a plain name', 'index.html'],
    ['nested', 'static/js/app.js'],
    ['a dot file', '.htaccess'],
    ['a name made of three dots', '...'],
    ['dots inside a name', 'a..b/c.d'],
    ['spaces and a newline are legal in Linux names', 'my file/line\nbreak'],
    ['non-ASCII UTF-8', 'ünïcödé/日本語/😀'],
    ['a segment of exactly NAME_MAX bytes', 'a'.repeat(MAX_SEGMENT_BYTES)],
    ['a path of exactly PATH_MAX bytes', pathOfBytes(MAX_PATH_BYTES)],
  ];
  it.each(accepted)('accepts %s', (_why, path) => {
    expect(refusal(path)).toBeUndefined();
  });

  const refused: [string, string, RegExp][] = [
    ['empty', '', /empty/],
    ['absolute', '/etc/passwd', /absolute/],
    ['the root itself', '/', /absolute/],
    ['a bare ..', '..', /"\.\." segment/],
    ['a leading ..', '../etc/passwd', /"\.\." segment/],
    ['a .. in the middle', 'a/../../b', /"\.\." segment/],
    ['a trailing ..', 'a/..', /"\.\." segment/],
    ['a bare .', '.', /"\." segment/],
    ['a leading ./', './a', /"\." segment/],
    ['a . in the middle', 'a/./b', /"\." segment/],
    ['a doubled slash', 'a//b', /empty segment/],
    ['a trailing slash', 'a/', /empty segment/],
    ['a NUL byte', 'a\0b', /NUL/],
    ['a lone high surrogate (no UTF-8 encoding exists)', 'a\uD800b', /UTF-8/],
    ['a lone low surrogate', '\uDC00', /UTF-8/],
    ['a path one byte over PATH_MAX', pathOfBytes(MAX_PATH_BYTES + 1), /longer than 4096 bytes/],
    ['a segment one byte over NAME_MAX', `d/${'a'.repeat(MAX_SEGMENT_BYTES + 1)}`, /segment is longer than 255 bytes/],
    // The limit is in bytes, as the kernel counts: 128 characters, 256 bytes.
    ['a segment of 128 two-byte characters', 'é'.repeat(128), /segment is longer than 255 bytes/],
  ];
  it.each(refused)('refuses %s with BAD_PATH and a one-line reason', (_why, path, reason) => {
    const err = refusal(path);
    expect(err?.code).toBe('BAD_PATH');
    expect(err?.message).toMatch(reason);
    expect(err?.message).not.toContain('\n');
  });

  it('never accepts a path that could leave the tree or is not normalised', () => {
    // Bias the alphabet towards the characters that make paths dangerous.
    const risky = fc.string({ unit: fc.constantFrom('/', '.', '.', 'a', 'B', 'é', '\0', '\uD800', '\\', ' '), maxLength: 24 });
    fc.assert(
      fc.property(fc.oneof(risky, fc.string({ unit: 'binary' })), (p) => {
        if (refusal(p) !== undefined) return;
        expect(posix.normalize(p)).toBe(p);
        expect(p.split('/')).not.toContain('..');
        expect(posix.isAbsolute(p)).toBe(false);
        expect(posix.join('/release', p).startsWith('/release/')).toBe(true);
        expect(Buffer.from(p, 'utf8').toString('utf8')).toBe(p);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parentDirs', () => {
  it.each([
    ['a', []],
    ['a/b', ['a']],
    ['a/b/c', ['a', 'a/b']],
  ])('%s has ancestors %j', (path, want) => {
    expect(parentDirs(path)).toEqual(want);
  });
});

describe('compareUtf8', () => {
  it('orders by UTF-8 bytes, not by UTF-16 code units', () => {
    // U+FFFF sorts after U+10000 in UTF-16 (0xFFFF > 0xD800) but before it in UTF-8.
    expect(compareUtf8('\uFFFF', '\u{10000}')).toBeLessThan(0);
    expect(['b', 'a/b', 'a-b', 'a'].sort(compareUtf8)).toEqual(['a', 'a-b', 'a/b', 'b']);
    expect(compareUtf8('x', 'x')).toBe(0);
  });
});

describe('symlinkEscapes', () => {
  const cases: [string, string, string, Record<string, string>, boolean][] = [
    ['an absolute target', 'x', '/etc/passwd', {}, true],
    ['an absolute target that names the tree itself', 'x', '/release/a', {}, true],
    ['../x at the top', 'x', '../x', {}, true],
    ['a target that dips below the top and comes back', 'x', 'a/../../release/a', {}, true],
    ['.. from one level down', 'd/x', '../y', {}, false],
    ['../.. from one level down', 'd/x', '../../y', {}, true],
    ['a sibling', 'd/x', 'y', {}, false],
    ['. at the top', 'x', '.', {}, false],
    ['redundant . and // components', 'x', './a//b/.', {}, false],
    ['d/up -> .. (the tree root)', 'd/up', '..', { 'd/up': '..' }, false],
    ['a link through d/up to the root', 'x', 'd/up', { 'd/up': '..' }, false],
    ['a link through d/up into the tree', 'x', 'd/up/y', { 'd/up': '..' }, false],
    // Lexically d/up/.. is d, inside; the kernel follows d/up to the root first, then .. leaves it.
    ['x -> d/up/.. (resolves through a symlink above the root)', 'x', 'd/up/..', { 'd/up': '..' }, true],
    ['a chain whose last link escapes', 'a', 'b', { a: 'b', b: 'c', c: '../out' }, true],
    ['a chain whose last link is absolute', 'a', 'b', { a: 'b', b: '/etc' }, true],
    ['a chain that stays inside', 'a', 'b', { a: 'b', b: 'd/c', 'd/c': '../f' }, false],
    ['a two-link loop', 'a', 'b', { a: 'b', b: 'a' }, true],
    ['a link to itself', 'a', 'a', { a: 'a' }, true],
    ['a link that loops through its own parent', 'x', 'x/..', { x: 'x/..' }, true],
  ];
  it.each(cases)('%s', (_why, link, target, links, escapes) => {
    expect(symlinkEscapes(link, target, new Map(Object.entries(links)))).toBe(escapes);
  });

  it('follows a long but finite chain, and calls a longer one than the kernel follows a loop', () => {
    const chain = (n: number) => new Map(Array.from({ length: n }, (_, i) => [`l${i}`, i === n - 1 ? 'file' : `l${i + 1}`]));
    expect(symlinkEscapes('l0', 'l1', chain(30))).toBe(false);
    expect(symlinkEscapes('l0', 'l1', chain(60))).toBe(true);
  });

  // The kernel is the oracle: build the tree for real, let realpath(3)
  // resolve each link, and check symlinkEscapes never calls "inside" what the
  // kernel resolves to outside (or cannot resolve because of a loop).
  describe('agrees with the kernel on a real tree', () => {
    let base: string;
    let run = 0;
    beforeAll(async () => {
      base = await mkdtemp(join(tmpdir(), 'fleetswap-paths-'));
    });
    afterAll(async () => {
      await rm(base, { recursive: true, force: true });
    });

    const slots = ['l1', 'd/l2', 'd/e/l3'] as const;
    const component = fc.constantFrom('..', '..', '.', 'd', 'e', 'f', 'l1', 'l2', 'l3', 'root');
    const target = fc.array(component, { minLength: 1, maxLength: 5 }).map((c) => c.join('/'));

    it('for generated link sets', async () => {
      await fc.assert(
        fc.asyncProperty(fc.tuple(target, target, target), async (targets) => {
          // Outside the root, a look-alike tree so that escaping links resolve instead of dangling.
          const top = join(base, String(run++));
          const root = join(top, 'root');
          for (const d of [root, join(root, 'd', 'e'), join(top, 'd', 'e')]) await mkdir(d, { recursive: true });
          const links = new Map<string, string>();
          for (const [i, slot] of slots.entries()) {
            links.set(slot, targets[i] as string);
            await symlink(targets[i] as string, join(root, slot));
          }
          const realRoot = await realpath(root);
          for (const [slot, tgt] of links) {
            const escapes = symlinkEscapes(slot, tgt, links);
            const resolved = await realpath(join(root, slot)).then(
              (p) => ({ p }),
              (err: NodeJS.ErrnoException) => ({ err: err.code }),
            );
            if ('p' in resolved) {
              const inside = resolved.p === realRoot || resolved.p.startsWith(`${realRoot}/`);
              if (!inside) expect({ slot, tgt, escapes }).toEqual({ slot, tgt, escapes: true });
            } else if (resolved.err === 'ELOOP') {
              expect({ slot, tgt, escapes }).toEqual({ slot, tgt, escapes: true });
            }
          }
        }),
        { numRuns: 150 },
      );
    });
  });
});
