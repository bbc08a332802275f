import { z } from 'zod';
import { FleetswapError } from './errors.js';
import { SHA256_RE, sha256 } from './hash.js';
import { checkRelativePath, compareUtf8, parentDirs, symlinkEscapes } from './paths.js';

// A release manifest is the whole content of a release: its metadata and its
// tree. The release id is the sha256 of the manifest's canonical bytes, so
// the same tree and metadata always give the same id, and any change to a
// byte of any file gives another.

export const MANIFEST_FORMAT = 1;
export const MAX_ENTRIES = 200_000;
export const MAX_FILE_BYTES = 4 * 1024 ** 3;
export const MAX_LABEL_LENGTH = 128;

export interface FileEntry {
  path: string;
  type: 'file';
  mode: number;
  size: number;
  sha256: string;
}
export interface SymlinkEntry {
  path: string;
  type: 'symlink';
  target: string;
}
export interface DirEntry {
  path: string;
  type: 'dir';
}
export type Entry = FileEntry | SymlinkEntry | DirEntry;

export interface ReleaseMeta {
  label: string;
  owner: string;
  notes: string;
  /** Why this release cannot be rolled back past (e.g. a schema migration); empty if it can. */
  irreversible: string;
}

export interface Manifest extends ReleaseMeta {
  format: typeof MANIFEST_FORMAT;
  entries: Entry[];
}

const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

const entrySchema = z.discriminatedUnion('type', [
  z.strictObject({
    path: z.string(),
    type: z.literal('file'),
    mode: z.number().int().min(0).max(0o777),
    size: z.number().int().min(0).max(MAX_FILE_BYTES),
    sha256: z.string().regex(SHA256_RE),
  }),
  z.strictObject({ path: z.string(), type: z.literal('symlink'), target: z.string().min(1) }),
  z.strictObject({ path: z.string(), type: z.literal('dir') }),
]);

const manifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  label: z.string(),
  owner: z.string().max(256),
  notes: z.string().max(4096),
  irreversible: z.string().max(4096),
  entries: z.array(entrySchema).max(MAX_ENTRIES),
});

export function checkLabel(label: string): void {
  if (label.length === 0 || label.length > MAX_LABEL_LENGTH || !LABEL_RE.test(label) || SHA256_RE.test(label)) {
    throw new FleetswapError(
      'BAD_USAGE',
      `bad version label ${JSON.stringify(label)}: use 1-${MAX_LABEL_LENGTH} letters, digits, ".", "_", "+" or "-", starting with a letter or digit`,
    );
  }
}

/**
 * buildManifest sorts and checks entries and returns the manifest, its
 * canonical bytes and its id. Everything that is refused is refused here, on
 * the pushing side, before a byte is uploaded.
 */
export function buildManifest(meta: ReleaseMeta, entries: Entry[]): { manifest: Manifest; bytes: Buffer; id: string } {
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    label: meta.label,
    owner: meta.owner,
    notes: meta.notes,
    irreversible: meta.irreversible,
    entries: [...entries].sort((a, b) => compareUtf8(a.path, b.path)),
  };
  // The same field limits the coordinator applies in parseManifest, so that
  // nothing is hashed and sent only to be refused there.
  checkSchema(manifest);
  checkManifest(manifest);
  const bytes = encodeManifest(manifest);
  return { manifest, bytes, id: sha256(bytes) };
}

/** encodeManifest writes the canonical form: fixed key order, no white space. */
export function encodeManifest(m: Manifest): Buffer {
  const entries = m.entries.map((e) => {
    switch (e.type) {
      case 'file':
        return { path: e.path, type: e.type, mode: e.mode, size: e.size, sha256: e.sha256 };
      case 'symlink':
        return { path: e.path, type: e.type, target: e.target };
      case 'dir':
        return { path: e.path, type: e.type };
    }
  });
  return Buffer.from(
    JSON.stringify({
      format: m.format,
      label: m.label,
      owner: m.owner,
      notes: m.notes,
      irreversible: m.irreversible,
      entries,
    }),
  );
}

/**
 * parseManifest trusts nothing: the bytes must hash to `expectedId` (when
 * given), parse, pass every check, and be in canonical form, so that one
 * release has exactly one byte representation.
 */
export function parseManifest(bytes: Uint8Array, expectedId?: string): Manifest {
  if (expectedId !== undefined && sha256(bytes) !== expectedId) {
    throw new FleetswapError('HASH_MISMATCH', `manifest does not match release id ${expectedId.slice(0, 12)}: refusing it`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new FleetswapError('BAD_MANIFEST', 'manifest is not valid JSON');
  }
  const manifest = checkSchema(raw);
  checkManifest(manifest);
  if (!encodeManifest(manifest).equals(Buffer.from(bytes))) {
    throw new FleetswapError('BAD_MANIFEST', 'manifest is not in canonical form');
  }
  return manifest;
}

/** checkSchema enforces field types and limits (label, owner and notes lengths, modes, sizes, hashes). */
function checkSchema(raw: unknown): Manifest {
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw new FleetswapError('BAD_MANIFEST', `manifest is malformed at ${where || 'top level'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data as Manifest;
}

/** checkManifest enforces the tree rules of CONTRACT invariant 4. */
export function checkManifest(m: Manifest): void {
  checkLabel(m.label);
  if (m.entries.length > MAX_ENTRIES) {
    throw new FleetswapError('BAD_MANIFEST', `release has ${m.entries.length} entries; the limit is ${MAX_ENTRIES}`);
  }
  const byPath = new Map<string, Entry>();
  const folded = new Map<string, string>();
  const links = new Map<string, string>();
  let prev: string | undefined;
  for (const e of m.entries) {
    checkRelativePath(e.path);
    if (prev !== undefined && compareUtf8(prev, e.path) >= 0) {
      throw new FleetswapError(
        'BAD_MANIFEST',
        prev === e.path ? `duplicate path ${JSON.stringify(e.path)}` : 'manifest entries are not sorted by path',
      );
    }
    prev = e.path;
    // Two paths that differ only in case would collide on a case-insensitive
    // file system and are almost always a mistake: refuse them everywhere,
    // implied directories included (a file "A" beside "a/b").
    for (const name of [...parentDirs(e.path), e.path]) {
      const lower = name.toLowerCase();
      const other = folded.get(lower);
      if (other !== undefined && other !== name) {
        throw new FleetswapError('BAD_PATH', `paths ${JSON.stringify(other)} and ${JSON.stringify(name)} differ only in case`);
      }
      folded.set(lower, name);
    }
    byPath.set(e.path, e);
    if (e.type === 'symlink') {
      if (e.target.includes('\0') || !e.target.isWellFormed()) {
        throw new FleetswapError('BAD_SYMLINK', `symlink ${JSON.stringify(e.path)} has a target with a NUL byte or invalid UTF-8`);
      }
      links.set(e.path, e.target);
    }
  }
  for (const e of m.entries) {
    for (const dir of parentDirs(e.path)) {
      const parent = byPath.get(dir);
      if (parent === undefined) continue;
      if (parent.type !== 'dir') {
        throw new FleetswapError('BAD_MANIFEST', `${JSON.stringify(e.path)} lies under ${JSON.stringify(dir)}, which is a ${parent.type}`);
      }
      throw new FleetswapError('BAD_MANIFEST', `directory entry ${JSON.stringify(dir)} is not empty; only empty directories are listed`);
    }
    if (e.type === 'symlink') {
      if (e.target.startsWith('/')) {
        throw new FleetswapError('BAD_SYMLINK', `symlink ${JSON.stringify(e.path)} -> ${JSON.stringify(e.target)} is absolute; make it relative to the tree`);
      }
      if (symlinkEscapes(e.path, e.target, links)) {
        throw new FleetswapError('BAD_SYMLINK', `symlink ${JSON.stringify(e.path)} -> ${JSON.stringify(e.target)} points outside the release tree`);
      }
    }
  }
}

export function fileEntries(m: Manifest): FileEntry[] {
  return m.entries.filter((e): e is FileEntry => e.type === 'file');
}

export function manifestBytes(m: Manifest): number {
  return fileEntries(m).reduce((n, e) => n + e.size, 0);
}
