import { readFile, readlink } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { DriftPath } from '../shared/drift.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { parseManifest } from '../shared/manifest.js';
import type { DriftKind } from '../shared/domain.js';
import type { DriftReport } from '../shared/gen/fleetswap/v1/DriftReport.js';
import { AGENT_DEFAULTS } from './defaults.js';
import type { Layout } from './layout.js';
import type { Slots } from './slots.js';
import { checkPath, indexManifest, verifyTree, type ManifestIndex } from './verify.js';

export interface DriftWatchOptions {
  layout: Layout;
  slots: Slots;
  /** Sends a finding; false while the coordinator is away (the finding is kept and sent on reconnect). */
  send: (report: DriftReport) => boolean;
  /** Told of each finding once, when it is made (a finding sent again after a reconnect is not a new one). */
  found?: (kind: DriftKind) => void;
  /** True while the agent applies a directive: its own switches are not drift. */
  busy: () => boolean;
  log: Logger;
  now: () => number;
  /** How often the whole live tree is verified against its manifest; 0 turns it off. @default AGENT_DEFAULTS.verifyIntervalMs */
  verifyIntervalMs?: number;
  /** The full verification's read rate, so it never starves the app of disk. @default 32 MiB/s */
  bytesPerSecond?: number;
  /** How often `current` is read back. @default 500 ms */
  pollMs?: number;
}

// Events come in bursts (an editor writes a temp file, renames it, chmods it): check once they settle.
const SETTLE_MS = 150;
const FIRST_PATHS = 20;

/**
 * DriftWatcher keeps proving that the live tree is its release: it watches
 * the live slot for changed, added and removed files (chokidar) and checks
 * each against the manifest; it reads `current` back to notice it moved by
 * hand; and it verifies the whole tree now and then, throttled, which
 * catches what events miss (a chmod, a change while it was not running).
 * The agent never writes into a live slot, so any change there is drift.
 */
export class DriftWatcher {
  private watcher: FSWatcher | undefined;
  private watched: number | undefined;
  private index: { release: string; index: ManifestIndex } | undefined;
  private pendingPaths = new Set<string>();
  private settle: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private verify: NodeJS.Timeout | undefined;
  private verifying: AbortController | undefined;
  private lastTarget: string | undefined;
  /** The newest finding not yet accepted by the coordinator. */
  private unsent: DriftReport | undefined;
  /** Content drift reported and not yet cleared by a clean verification or a new live slot. */
  private dirty = false;
  private stopped = false;

  constructor(private readonly opts: DriftWatchOptions) {}

  start(): void {
    this.lastTarget = this.expectedTarget();
    this.poll = setInterval(() => void this.checkCurrent().catch((err) => this.opts.log.warn({ err: errorMessage(err) }, 'could not check current')), this.opts.pollMs ?? 500);
    const every = this.opts.verifyIntervalMs ?? AGENT_DEFAULTS.verifyIntervalMs;
    if (every > 0) this.verify = setInterval(() => void this.verifyNow(), every);
    void this.follow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearInterval(this.verify);
    clearTimeout(this.settle);
    this.verifying?.abort();
    await this.watcher?.close();
  }

  /** resend sends the finding the coordinator has not had yet (after a reconnect). */
  resend(): void {
    if (this.unsent) this.emit(this.unsent);
  }

  /** verifyNow runs a full verification of the live tree; what it finds is reported. */
  private async verifyNow(): Promise<void> {
    const live = this.opts.slots.liveIndex();
    const release = this.opts.slots.liveRelease();
    if (live === undefined || !release || this.verifying || this.opts.busy()) return;
    this.verifying = new AbortController();
    try {
      const manifest = parseManifest(await readFile(this.opts.layout.manifest(release)), release);
      const res = await verifyTree(this.opts.layout.slot(live), manifest, { bytesPerSecond: this.opts.bytesPerSecond, signal: this.verifying.signal });
      // A switch during the walk makes its answer about a slot no longer live.
      if (this.opts.slots.liveIndex() !== live) return;
      this.opts.log.info({ release, files: res.files, bytes: res.bytes, duration_ms: Math.round(res.durationMs), drift: res.drift.length }, 'live tree verified');
      if (res.drift.length > 0) this.report('content', release, res.drift, res.count, 'full verification');
      else if (this.dirty) {
        this.dirty = false;
        this.emit(this.message('clean', release, [], 0, 'full verification found the tree whole'));
      }
    } catch (err) {
      if (!this.stopped) this.opts.log.warn({ err: errorMessage(err) }, 'live tree verification failed');
      return;
    } finally {
      this.verifying = undefined;
    }
  }

  private expectedTarget(): string | undefined {
    const live = this.opts.slots.liveIndex();
    return live === undefined ? undefined : `slots/${live}`;
  }

  /** checkCurrent reads `current` back: a target the agent did not set is drift; a switch the agent made moves the watch. */
  private async checkCurrent(): Promise<void> {
    if (this.stopped || this.opts.busy()) return;
    const target = await readlink(this.opts.layout.current).catch(() => undefined);
    const expected = this.expectedTarget();
    if (target === expected) {
      this.lastTarget = target;
      if (this.opts.slots.liveIndex() !== this.watched) await this.follow();
      return;
    }
    if (target === this.lastTarget) return;
    this.lastTarget = target;
    const from = expected ?? '(nothing)';
    await this.opts.slots.reloadLive();
    this.dirty = false;
    this.opts.log.warn({ from, to: target ?? '(missing)', release: this.opts.slots.liveRelease() }, 'drift: current was moved by hand');
    this.emit(this.message('symlink', this.opts.slots.liveRelease(), [], 0, `current -> ${target ?? '(missing)'} (was ${from})`));
    await this.follow();
  }

  /** follow points the watcher at the live slot (after start, a switch, or a hand move). */
  private async follow(): Promise<void> {
    const live = this.opts.slots.liveIndex();
    if (live === this.watched && this.watcher) return;
    await this.watcher?.close();
    this.watcher = undefined;
    this.watched = live;
    this.dirty = false;
    if (live === undefined || this.stopped) return;
    const dir = this.opts.layout.slot(live);
    this.watcher = watch(dir, { ignoreInitial: true, persistent: false, followSymlinks: false, alwaysStat: false });
    this.watcher.on('all', (_event, path) => {
      const rel = relative(dir, path).split(sep).join('/');
      if (!rel || rel.startsWith('..')) return;
      this.pendingPaths.add(rel);
      // At most SETTLE_MS after the first event, however busy the tree: an app that writes a log
      // under its own code every 100 ms must not keep every other change from being checked.
      this.settle ??= setTimeout(() => {
        this.settle = undefined;
        void this.checkPending(live);
      }, SETTLE_MS);
    });
    this.watcher.on('error', (err) => this.opts.log.warn({ err: errorMessage(err) }, 'live tree watch failed; the periodic verification still runs'));
  }

  private async checkPending(slot: number): Promise<void> {
    const paths = [...this.pendingPaths].sort();
    this.pendingPaths.clear();
    const release = this.opts.slots.liveRelease();
    if (this.stopped || slot !== this.opts.slots.liveIndex() || !release) return;
    try {
      const index = await this.indexFor(release);
      const root = this.opts.layout.slot(slot);
      const drift: DriftPath[] = [];
      for (const p of paths) drift.push(...(await checkPath(root, p, index)));
      if (drift.length > 0) this.report('content', release, drift, drift.length, 'file watch');
    } catch (err) {
      this.opts.log.warn({ err: errorMessage(err) }, 'could not check changed paths; the periodic verification still runs');
    }
  }

  private async indexFor(release: string): Promise<ManifestIndex> {
    if (this.index?.release !== release) {
      this.index = { release, index: indexManifest(parseManifest(await readFile(this.opts.layout.manifest(release)), release)) };
    }
    return this.index.index;
  }

  private report(kind: 'content', release: string, drift: DriftPath[], count: number, how: string): void {
    this.dirty = true;
    this.opts.log.warn({ release, paths: count, first: drift.slice(0, 5).map((d) => `${d.path} (${d.change})`), how }, 'drift: live tree differs from its manifest');
    this.emit(this.message(kind, release, drift.slice(0, FIRST_PATHS), count, how));
  }

  private message(kind: DriftKind, release: string, paths: DriftPath[], count: number, detail: string): DriftReport {
    this.opts.found?.(kind);
    return {
      kind,
      release_id: release,
      paths,
      path_count: count,
      detected_at_ms: this.opts.now(),
      detail,
      live_release: this.opts.slots.liveRelease(),
      slots: this.opts.slots.info(),
    };
  }

  private emit(m: DriftReport): void {
    this.unsent = this.opts.send(m) ? undefined : m;
  }
}
