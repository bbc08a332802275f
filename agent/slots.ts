import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readlink, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FleetswapError } from '../shared/errors.js';
import { fsyncPath, writeFileDurably, writeFilesDurably } from '../shared/fsync.js';
import { SHA256_RE } from '../shared/hash.js';
import type { SlotInfo__Output } from '../shared/gen/fleetswap/v1/SlotInfo.js';
import { failpoint } from '../shared/failpoints.js';
import { mkdirServed, type Layout } from './layout.js';

export const MIN_SLOTS = 3;

/** A slot as the agent reports it (hello, reports, drift): `evidence` is there only for an evidence slot. */
export type HeldSlot = Omit<SlotInfo__Output, 'evidence'> & { evidence?: true };

interface SlotMeta {
  release_id: string;
  staged_at: string;
  /**
   * Bumped each time the slot starts or stops being live; orders "previous"
   * and "oldest". A counter, not a time, so that a clock that stands still or
   * jumps back cannot make two slots tie.
   */
  live_seq: number;
  /** Set when the slot's tree drifted and was replaced: kept as evidence, never reused or switched to, until cleaned. */
  evidence?: string;
}

/**
 * Slots is the ring of numbered slot directories. A slot counts as holding a
 * release only when its meta file exists: the meta is written last, after the
 * tree is complete and fsynced, and removed first, before the slot is
 * reused. So a crash anywhere leaves each slot either whole and marked, or
 * unmarked and discarded at the next start.
 */
export class Slots {
  private readonly metas = new Map<number, SlotMeta>();
  private live: number | undefined;

  constructor(
    private readonly layout: Layout,
    readonly count: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(count) || count < MIN_SLOTS || count > 64) {
      throw new FleetswapError('BAD_USAGE', `--slots must be ${MIN_SLOTS}-64: one live, one previous for instant rollback, one to stage into`);
    }
  }

  /** load rebuilds the view from disk and discards incomplete slots (never the live one). */
  async load(): Promise<void> {
    await mkdirServed(this.layout.slotsDir);
    await mkdir(this.layout.metaDir, { recursive: true });
    await mkdir(this.layout.manifestsDir, { recursive: true });
    this.live = await this.readLive();
    this.metas.clear();
    for (let i = 0; i < this.count; i++) {
      const meta = await this.readMeta(i);
      if (meta) {
        this.metas.set(i, meta);
      } else if (i !== this.live) {
        await rm(this.layout.slot(i), { recursive: true, force: true });
      }
    }
    // A crash between the rename of `current` and markLive left the switch
    // unrecorded: the live slot's number is not the highest. Record it now, or
    // after a second such crash the slot live before would rank below an
    // older one, lose its protection as "previous", and be staged over.
    const live = this.live === undefined ? undefined : this.metas.get(this.live);
    const top = Math.max(0, ...[...this.metas.values()].map((m) => m.live_seq));
    if (this.live !== undefined && live && live.live_seq < top) {
      live.live_seq = top + 1;
      await writeFileDurably(this.layout.meta(this.live), JSON.stringify(live));
    }
  }

  private async readLive(): Promise<number | undefined> {
    const target = await readlink(this.layout.current).catch(() => undefined);
    const m = target === undefined ? null : /^slots\/(\d+)$/.exec(target);
    return m ? Number(m[1]) : undefined;
  }

  private async readMeta(i: number): Promise<SlotMeta | undefined> {
    try {
      const meta = JSON.parse(await readFile(this.layout.meta(i), 'utf8')) as SlotMeta;
      if (!SHA256_RE.test(meta.release_id) || typeof meta.live_seq !== 'number') return undefined;
      await readFile(this.layout.manifest(meta.release_id));
      return meta;
    } catch {
      return undefined;
    }
  }

  liveIndex(): number | undefined {
    return this.live;
  }

  liveRelease(): string {
    return this.live === undefined ? '' : (this.metas.get(this.live)?.release_id ?? '');
  }

  /** previousIndex is the slot that was live before the current one: kept for instant rollback. */
  previousIndex(): number | undefined {
    let best: number | undefined;
    let bestSeq = 0;
    for (const [i, m] of this.metas) {
      if (i === this.live || m.evidence) continue;
      if (m.live_seq > bestSeq) [best, bestSeq] = [i, m.live_seq];
    }
    return best;
  }

  /** find is a slot holding the release that can go live: evidence slots hold a drifted copy and never can. */
  find(releaseId: string): number | undefined {
    for (const [i, m] of this.metas) if (m.release_id === releaseId && !m.evidence) return i;
    return undefined;
  }

  info(): HeldSlot[] {
    return [...this.metas].sort(([a], [b]) => a - b).map(([index, m]) => ({ index, release_id: m.release_id, ...(m.evidence ? { evidence: true } : {}) }));
  }

  /** markEvidence sets a drifted slot aside: it keeps its tree for inspection and is not reused until cleaned. */
  async markEvidence(index: number, why: string): Promise<void> {
    const meta = this.metas.get(index);
    if (!meta) return;
    meta.evidence = why;
    await writeFileDurably(this.layout.meta(index), JSON.stringify(meta));
  }

  /** cleanEvidence removes every evidence slot (never the live one); returns their numbers. */
  async cleanEvidence(): Promise<number[]> {
    const gone: number[] = [];
    for (const [i, m] of [...this.metas]) {
      if (!m.evidence || i === this.live) continue;
      // Unmark first, as in commit: a crash leaves an unmarked slot, discarded at the next start.
      this.metas.delete(i);
      await unlink(this.layout.meta(i));
      await fsyncPath(this.layout.metaDir);
      await rm(this.layout.slot(i), { recursive: true, force: true });
      gone.push(i);
    }
    return gone;
  }

  /** reloadLive re-reads `current` after someone moved it by hand; returns the slot it points at now. */
  async reloadLive(): Promise<number | undefined> {
    this.live = await this.readLive();
    if (this.live !== undefined && !this.metas.has(this.live)) this.live = undefined;
    return this.live;
  }

  /**
   * pickVictim chooses where to stage: an empty slot if there is one, else the
   * slot used longest ago, never the live slot or the previous release's
   * (CONTRACT invariant 3).
   */
  pickVictim(): number {
    const protectedSlots = new Set([this.live, this.previousIndex()]);
    let best: number | undefined;
    let bestKey = '';
    for (let i = 0; i < this.count; i++) {
      if (protectedSlots.has(i)) continue;
      const m = this.metas.get(i);
      if (!m) return i;
      if (m.evidence) continue;
      // Never live (seq 0) sorts before anything that was, oldest staging first.
      const key = `${String(m.live_seq).padStart(12, '0')}|${m.staged_at}`;
      if (best === undefined || key < bestKey) [best, bestKey] = [i, key];
    }
    if (best === undefined) {
      const kept = [...this.metas.values()].filter((m) => m.evidence).length;
      throw new FleetswapError('NO_FREE_SLOT', `no slot free to stage into among ${this.count}${kept ? ` (${kept} kept as drift evidence: fleetswap drift clean HOST)` : ''}; raise --slots`);
    }
    return best;
  }

  /** commit turns a complete, fsynced tree into slot `index`. */
  async commit(index: number, stagedDir: string, releaseId: string): Promise<void> {
    if (index === this.live || index === this.previousIndex()) {
      throw new Error(`refusing to overwrite slot ${index}: it is live or holds the previous release`);
    }
    // Unmark first: from here until the new meta lands, a crash discards the slot.
    this.metas.delete(index);
    await unlink(this.layout.meta(index)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await fsyncPath(this.layout.metaDir);
    failpoint('slot-after-unmark');
    const trash = join(this.layout.tmp, `trash-${randomBytes(6).toString('hex')}`);
    await rename(this.layout.slot(index), trash).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(stagedDir, this.layout.slot(index));
    await fsyncPath(this.layout.slotsDir);
    failpoint('slot-after-rename');
    const meta: SlotMeta = { release_id: releaseId, staged_at: new Date(this.now()).toISOString(), live_seq: 0 };
    await writeFileDurably(this.layout.meta(index), JSON.stringify(meta));
    this.metas.set(index, meta);
    await rm(trash, { recursive: true, force: true });
  }

  /**
   * markLive records a switch: the slot left gets the next sequence number
   * and the slot entered the one after it. Numbers never tie, so when a
   * crash lands between the rename of `current` and this record, the slot
   * just left still has the highest number besides the live one and stays
   * protected as the previous release (with one number for both, the slot
   * left tied with the one before it, and the next staging could overwrite
   * the release an instant rollback needs).
   */
  async markLive(index: number): Promise<void> {
    let seq = Math.max(0, ...[...this.metas.values()].map((m) => m.live_seq));
    const touched = [this.live === index ? undefined : this.live, index].filter((i): i is number => i !== undefined && this.metas.has(i));
    this.live = index;
    for (const i of touched) (this.metas.get(i) as SlotMeta).live_seq = ++seq;
    await writeFilesDurably(
      this.layout.metaDir,
      touched.map((i) => ({ name: `${i}.json`, data: JSON.stringify(this.metas.get(i)) })),
    );
  }
}
