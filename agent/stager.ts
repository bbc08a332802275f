import { createHash, randomBytes } from 'node:crypto';
import { chmod, open, readFile, rm, statfs, symlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FleetswapError } from '../shared/errors.js';
import { DEFAULT_FLEET, describeSignatures, signedBy, wrongFleet, type ReleaseSignature, type TrustedKey } from '../shared/signing.js';
import { SHA256_RE } from '../shared/hash.js';
import { syncTree, writeFileDurably } from '../shared/fsync.js';
import { fileEntries, parseManifest, type FileEntry, type Manifest } from '../shared/manifest.js';
import { applyManifestDelta } from '../shared/manifest-delta.js';
import { parentDirs } from '../shared/paths.js';
import type { StagingStats__Output as StagingStats } from '../shared/gen/fleetswap/v1/StagingStats.js';
import { failpoint } from '../shared/failpoints.js';
import { mkdirServed, type Layout } from './layout.js';
import { copyVerified, inParallel } from './local-copy.js';
import type { Slots } from './slots.js';

/**
 * ContentSource is where an agent gets what it lacks. The coordinator serves
 * it today; peers or an object store can later, behind the same interface.
 */
export interface ManifestReply {
  /** The canonical manifest; empty when `delta` is given instead. */
  manifest: Buffer;
  /** A delta (shared/manifest-delta.ts) against the manifest of `delta_base`. */
  delta: Buffer;
  delta_base: string;
  signatures?: ReleaseSignature[];
}

export interface ContentSource {
  /** manifest fetches a release's manifest; `have` names releases whose manifests the agent holds, for a delta. */
  manifest(releaseId: string, have: string[]): Promise<ManifestReply>;
  /** blobs yields chunks of the named blobs of a release, each blob's chunks contiguous and in request order. */
  blobs(releaseId: string, hashes: string[], signal: AbortSignal): AsyncIterable<{ hash: string; data: Buffer; last: boolean }>;
}

/** Admitted is a release this host accepts: its manifest hashes to its id, and (unless unsigned releases are allowed) a trusted key signed it for this fleet. */
export interface Admitted {
  id: string;
  label: string;
  irreversible: boolean;
  /** The newest trusted signature's time; undefined when the host allows unsigned releases. */
  signedAtMs: number | undefined;
}

/** ReleaseTrust is whom a host believes: release keys (none: unsigned releases allowed) and its fleet's name. */
export interface ReleaseTrust {
  trusted: readonly TrustedKey[];
  fleet: string;
}

const FETCH_BATCH = 2000;
const FETCH_ATTEMPTS = 3;

/**
 * Stager builds a release into a slot. Every file is written into a temp
 * directory inside ROOT, hashed as it is written and compared with the
 * manifest (CONTRACT invariant 4), fsynced, and only then the directory
 * becomes a slot; the live slot and the previous release's slot are never
 * touched (invariant 3).
 */
export class Stager {
  private readonly parsed = new Map<string, Manifest>();
  /** Releases admitted under the keys this process trusts (see admitted). */
  private readonly admittedNow = new Map<string, Admitted>();
  /**
   * @param trust release keys and fleet: with any key, a release is staged
   * only if one of them signed it for this fleet; with none (the agent
   * allows unsigned releases), any release whose content matches its id is.
   */
  constructor(
    private readonly layout: Layout,
    private readonly slots: Slots,
    private readonly source: ContentSource,
    private readonly trust: ReleaseTrust = { trusted: [], fleet: DEFAULT_FLEET },
  ) {}

  /**
   * stage builds a release that no slot holds yet into a slot, and says what
   * it cost. `admit` sees the release once its manifest is accepted, before
   * a blob is fetched, and may refuse it by throwing.
   */
  async stage(releaseId: string, signal: AbortSignal, admit: (r: Admitted) => void = () => undefined): Promise<StagingStats> {
    const size = { bytes: -1 };
    try {
      return await this.build(releaseId, signal, size, admit);
    } catch (err) {
      if (!isNoSpace(err)) throw err;
      // Measured after the clean-up: what is free now is what the operator has to work with.
      const free = await statfs(this.layout.root).then((s) => mib(s.bavail * s.bsize), () => 'unknown');
      const need = size.bytes < 0 ? '' : `${mib(size.bytes)} needed, `;
      throw noSpaceError(this.layout.root, `to stage release ${releaseId.slice(0, 12)} (${need}${free} free)`, err);
    }
  }

  private async build(releaseId: string, signal: AbortSignal, size: { bytes: number }, admit: (r: Admitted) => void): Promise<StagingStats> {
    const started = Date.now();
    const { manifest, wireBytes, admitted } = await this.loadManifest(releaseId);
    admit(admitted);
    const files = fileEntries(manifest);
    const stats: StagingStats = {
      bytes_fetched: 0,
      blobs_fetched: 0,
      blobs_reused: 0,
      duration_ms: 0,
      files: files.length,
      bytes_total: files.reduce((n, f) => n + f.size, 0),
      manifest_bytes: wireBytes,
    };
    size.bytes = stats.bytes_total;
    const dir = join(this.layout.tmp, `stage-${randomBytes(6).toString('hex')}`);
    // The release's top directory: it becomes slots/N.
    await mkdirServed(dir);
    try {
      const dirs = await this.makeDirs(dir, manifest);
      const byHash = groupByHash(files);
      const placed = new Map<string, string>();
      // Files written with their manifest mode already: no chmod pass for them.
      const moded = new Set<string>();
      const local = await this.localIndex();

      // Reuse what any complete slot holds; a copy that does not hash right
      // (say a hand-edited live file) is simply fetched instead.
      await inParallel([...byHash], async ([hash, entries], buf) => {
        signal.throwIfAborted();
        const src = local.get(hash);
        const first = entries[0] as FileEntry;
        const dest = join(dir, first.path);
        if (src && (await copyVerified(src, dest, first, buf))) {
          placed.set(hash, dest);
          moded.add(dest);
          stats.blobs_reused++;
        }
      });

      const missing = [...byHash.keys()].filter((h) => !placed.has(h));
      for (let attempt = 1; missing.length > 0; attempt++) {
        const bad = await this.fetch(releaseId, missing, byHash, dir, placed, stats, signal);
        if (bad.length === 0) break;
        if (attempt >= FETCH_ATTEMPTS) {
          throw new FleetswapError('HASH_MISMATCH', `blob ${bad[0]?.slice(0, 12)} did not match its hash in ${FETCH_ATTEMPTS} fetches`);
        }
        missing.splice(0, missing.length, ...bad);
      }

      await inParallel([...byHash], async ([hash, entries], buf) => {
        const first = placed.get(hash) as string;
        for (const e of entries.slice(1)) {
          signal.throwIfAborted();
          if (!(await copyVerified(first, join(dir, e.path), e, buf))) {
            throw new FleetswapError('HASH_MISMATCH', `copy of ${e.path} did not match its hash`);
          }
        }
        const firstEntry = entries[0] as FileEntry;
        if (!moded.has(first)) await chmod(first, firstEntry.mode);
        failpoint('stage-after-file');
      });
      for (const e of manifest.entries) if (e.type === 'symlink') await symlink(e.target, join(dir, e.path));
      // Durable before it can become a slot: a power cut after the commit must not find empty files.
      await syncTree(dir, [...dirs, ...files.map((f) => join(dir, f.path))]);

      signal.throwIfAborted();
      failpoint('stage-before-commit');
      await this.slots.commit(this.slots.pickVictim(), dir, releaseId);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    stats.duration_ms = Date.now() - started;
    return stats;
  }

  /**
   * admitted checks a release again before a switch: the manifest and
   * signatures kept when it was staged must still pass the keys trusted now,
   * so a key removed from --trust-key (which takes a restart) stops a
   * release already on disk. Within one process the trusted keys do not
   * change, so a release admitted once is not parsed and checked again on
   * every switch: at a thousand hosts a switch is a matter of milliseconds.
   */
  async admitted(releaseId: string): Promise<Admitted> {
    return this.admittedNow.get(releaseId) ?? (await this.loadManifest(releaseId)).admitted;
  }

  /**
   * loadManifest prefers the copy kept from an earlier staging, checked
   * again against the keys trusted now; otherwise (or when the kept
   * signatures no longer pass: a release may have been signed again by a
   * new key) it asks for a delta against a manifest it holds. Either way the
   * bytes must hash to the release id; a delta that does not rebuild right
   * is dropped for the whole manifest. wireBytes is what crossed the network.
   */
  private async loadManifest(releaseId: string): Promise<{ manifest: Manifest; wireBytes: number; admitted: Admitted }> {
    const keptBytes = await readFile(this.layout.manifest(releaseId)).catch(() => undefined);
    const keptSigs = keptBytes && (await readFile(this.layout.signatures(releaseId), 'utf8').then((t) => JSON.parse(t) as unknown).catch(() => undefined));
    if (keptBytes && Array.isArray(keptSigs)) {
      const manifest = parseManifest(keptBytes, releaseId);
      const admitted = this.admit(releaseId, manifest, keptSigs as ReleaseSignature[]);
      if (admitted) {
        this.remember(admitted);
        return { manifest, wireBytes: 0, admitted };
      }
    }
    const have = this.slots.info().map((s) => s.release_id).filter((id) => id !== releaseId);
    const live = this.slots.liveRelease();
    // The live release is the likeliest close relative of the next one.
    have.sort((a, b) => Number(b === live) - Number(a === live));
    let reply = await this.source.manifest(releaseId, have);
    let wireBytes = reply.manifest.length + reply.delta.length;
    let bytes = reply.delta.length > 0 ? await this.fromDelta(reply, releaseId) : reply.manifest;
    if (!bytes) {
      reply = await this.source.manifest(releaseId, []);
      wireBytes += reply.manifest.length;
      bytes = reply.manifest;
    }
    const manifest = parseManifest(bytes, releaseId);
    const signatures = reply.signatures ?? [];
    // Checked before the manifest is kept: a kept manifest is one this agent accepted.
    const admitted = this.admit(releaseId, manifest, signatures);
    if (!admitted) {
      const what = `release ${releaseId.slice(0, 12)}`;
      throw (
        wrongFleet(what, signatures, this.trust.fleet, 'this host', 'refused (a release is signed for the fleet it may run in)') ??
        new FleetswapError('BAD_SIGNATURE', `${what} is ${describeSignatures(signatures)}, not by a key this host trusts (${this.trust.trusted.map((t) => t.id).join(', ')}); refused`)
      );
    }
    // Signatures first: a kept manifest always has its signatures beside it.
    await writeFileDurably(this.layout.signatures(releaseId), JSON.stringify(signatures));
    await writeFileDurably(this.layout.manifest(releaseId), bytes);
    this.remember(admitted);
    return { manifest, wireBytes, admitted };
  }

  /** remember keeps what was admitted for the releases the slots hold, and this one. */
  private remember(a: Admitted): void {
    const held = new Set(this.slots.info().map((s) => s.release_id));
    for (const id of this.admittedNow.keys()) if (!held.has(id)) this.admittedNow.delete(id);
    this.admittedNow.set(a.id, a);
  }

  /** admit is the release as this host accepts it, or undefined when no trusted key signed it for this fleet. */
  private admit(releaseId: string, manifest: Manifest, signatures: readonly ReleaseSignature[]): Admitted | undefined {
    const base = { id: releaseId, label: manifest.label, irreversible: manifest.irreversible !== '' };
    if (this.trust.trusted.length === 0) return { ...base, signedAtMs: undefined };
    const ok = signedBy(releaseId, signatures, this.trust.trusted, { fleet: this.trust.fleet, irreversible: base.irreversible });
    return ok && { ...base, signedAtMs: ok.signedAtMs };
  }

  private async fromDelta(reply: ManifestReply, releaseId: string): Promise<Buffer | undefined> {
    // A base that is not a release id names no file: ask for the whole manifest instead.
    if (!SHA256_RE.test(reply.delta_base)) return undefined;
    try {
      const base = parseManifest(await readFile(this.layout.manifest(reply.delta_base)), reply.delta_base);
      const bytes = applyManifestDelta(base, reply.delta);
      parseManifest(bytes, releaseId);
      return bytes;
    } catch {
      return undefined;
    }
  }

  private async makeDirs(root: string, m: Manifest): Promise<Set<string>> {
    const dirs = new Set<string>();
    for (const e of m.entries) {
      for (const d of parentDirs(e.path)) dirs.add(join(root, d));
      if (e.type === 'dir') dirs.add(join(root, e.path));
    }
    for (const d of [...dirs].sort((a, b) => a.length - b.length)) await mkdirServed(d);
    return dirs;
  }

  /** localIndex maps every blob hash held in a complete slot to a path holding it. */
  private async localIndex(): Promise<Map<string, string>> {
    const index = new Map<string, string>();
    const held = this.slots.info();
    // A held release's manifest was verified when it was staged and never
    // changes: parse each once, not on every staging.
    for (const id of this.parsed.keys()) if (!held.some((h) => h.release_id === id)) this.parsed.delete(id);
    for (const { index: slot, release_id } of held) {
      let manifest = this.parsed.get(release_id);
      if (!manifest) {
        const bytes = await readFile(this.layout.manifest(release_id)).catch(() => undefined);
        if (!bytes) continue;
        manifest = parseManifest(bytes, release_id);
        this.parsed.set(release_id, manifest);
      }
      for (const f of fileEntries(manifest)) {
        if (!index.has(f.sha256)) index.set(f.sha256, join(this.layout.slot(slot), f.path));
      }
    }
    return index;
  }

  /** fetch streams blobs into their first path, hashing as they land; it returns the hashes that arrived wrong. */
  private async fetch(
    releaseId: string,
    hashes: string[],
    byHash: Map<string, FileEntry[]>,
    dir: string,
    placed: Map<string, string>,
    stats: StagingStats,
    signal: AbortSignal,
  ): Promise<string[]> {
    const bad: string[] = [];
    for (let i = 0; i < hashes.length; i += FETCH_BATCH) {
      const batch = hashes.slice(i, i + FETCH_BATCH);
      let cur: { hash: string; fh: FileHandle; sha: ReturnType<typeof createHash>; dest: string; size: number; bytes: number } | undefined;
      try {
        for await (const chunk of this.source.blobs(releaseId, batch, signal)) {
          if (!cur) {
            const entry = byHash.get(chunk.hash)?.[0];
            if (!entry) throw new FleetswapError('HASH_MISMATCH', `coordinator sent blob ${chunk.hash.slice(0, 12)}, which was not asked for`);
            const dest = join(dir, entry.path);
            cur = { hash: chunk.hash, fh: await open(dest, 'w', 0o600), sha: createHash('sha256'), dest, size: entry.size, bytes: 0 };
          } else if (cur.hash !== chunk.hash) {
            throw new FleetswapError('HASH_MISMATCH', `blob ${cur.hash.slice(0, 12)} was cut short`);
          }
          // Never take more than the manifest says: a source that keeps sending is cut off, not written to disk.
          cur.bytes += chunk.data.length;
          if (cur.bytes > cur.size) {
            throw new FleetswapError('OVERSIZED_BLOB', `blob ${cur.hash.slice(0, 12)} came with more than the ${cur.size} bytes its manifest entry says; fetch aborted`);
          }
          cur.sha.update(chunk.data);
          await cur.fh.write(chunk.data);
          stats.bytes_fetched += chunk.data.length;
          if (!chunk.last) continue;
          failpoint('stage-after-blob-write');
          await cur.fh.close();
          if (cur.sha.digest('hex') === cur.hash) {
            placed.set(cur.hash, cur.dest);
            stats.blobs_fetched++;
          } else {
            await rm(cur.dest, { force: true });
            bad.push(cur.hash);
          }
          cur = undefined;
        }
      } finally {
        await cur?.fh.close().catch(() => undefined);
      }
      if (cur) throw new FleetswapError('HASH_MISMATCH', 'blob stream ended in the middle of a blob');
    }
    const lost = hashes.filter((h) => !placed.has(h) && !bad.includes(h));
    if (lost.length > 0) throw new FleetswapError('MISSING_BLOB', `coordinator did not send ${lost.length} blob(s), e.g. ${lost[0]?.slice(0, 12)}`);
    return bad;
  }
}

export function isNoSpace(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOSPC';
}

/** noSpaceError is ENOSPC as one line an operator can act on: where, doing what, what to do. */
export function noSpaceError(root: string, doing: string, cause: unknown): FleetswapError {
  return new FleetswapError('NO_SPACE', `no space left on the disk holding ${root} ${doing}: free space there, then deploy again`, { cause });
}

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

function groupByHash(files: FileEntry[]): Map<string, FileEntry[]> {
  const m = new Map<string, FileEntry[]>();
  for (const f of files) {
    const list = m.get(f.sha256);
    if (list) list.push(f);
    else m.set(f.sha256, [f]);
  }
  return m;
}
