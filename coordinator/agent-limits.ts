import { parseDriftKind, parseReportKind, type DriftKind, type ReportKind } from '../shared/domain.js';
import { PATH_CHANGES, type DriftPath, type PathChange } from '../shared/drift.js';
import { FleetswapError } from '../shared/errors.js';
import type { DriftReport__Output } from '../shared/gen/fleetswap/v1/DriftReport.js';
import type { Hello__Output } from '../shared/gen/fleetswap/v1/Hello.js';
import type { Report__Output } from '../shared/gen/fleetswap/v1/Report.js';
import type { SlotInfo__Output } from '../shared/gen/fleetswap/v1/SlotInfo.js';
import { SHA256_RE } from '../shared/hash.js';

// What one host may say. Everything a host sends is stored, shown to
// operators or audited; these bounds keep one host (or a stolen agent
// certificate) from filling the database, the audit log or a terminal.

/** Report and drift text is cut to this many characters before it is stored or audited. */
export const MAX_TEXT = 4096;
export const MAX_TAGS = 32;
const TAG_KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;
export const MAX_TAG_VALUE = 256;
export const MAX_SLOTS = 64;
/** Paths kept from one drift report (the agent sends its first 20; path_count says how many there were). */
export const MAX_DRIFT_PATHS = 100;
const MAX_PATH = 4096;
const isPathChange = (c: string): c is PathChange => (PATH_CHANGES as readonly string[]).includes(c);

/** A host's report once checked: its kind one the coordinator knows. */
export type CheckedReport = Omit<Report__Output, 'kind'> & { kind: ReportKind };
/** A host's drift report once checked: its kind one the coordinator knows, each path's change a known word. */
export type CheckedDrift = Omit<DriftReport__Output, 'kind' | 'paths'> & { kind: DriftKind; paths: DriftPath[] };

const refuse = (why: string) => new FleetswapError('BAD_USAGE', why);
const isRelease = (id: string) => id === '' || SHA256_RE.test(id);

export function clip(text: string, max = MAX_TEXT): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters cut)` : text;
}

/** checkHello refuses a hello whose tags, slots or release ids break the rules; it changes nothing. */
export function checkHello(h: Hello__Output): void {
  const tags = Object.entries(h.tags);
  if (tags.length > MAX_TAGS) throw refuse(`${tags.length} tags: at most ${MAX_TAGS}`);
  for (const [k, v] of tags) {
    if (!TAG_KEY_RE.test(k)) throw refuse(`bad tag key ${JSON.stringify(k.slice(0, 80))}: letters, digits and ._/- up to 63 characters`);
    if (v.length > MAX_TAG_VALUE) throw refuse(`tag ${k} is ${v.length} characters: at most ${MAX_TAG_VALUE}`);
  }
  if (h.slot_count > MAX_SLOTS) throw refuse(`${h.slot_count} slots: at most ${MAX_SLOTS}`);
  checkSlots(h.slots, h.slot_count);
  if (!isRelease(h.live_release)) throw refuse('live release is not a sha256');
  if (h.agent_version.length > 64) throw refuse('agent version over 64 characters');
}

function checkSlots(slots: readonly SlotInfo__Output[], count: number): void {
  if (slots.length > Math.max(count, 1) || slots.length > MAX_SLOTS) throw refuse(`${slots.length} slots reported: at most ${Math.min(Math.max(count, 1), MAX_SLOTS)}`);
  for (const s of slots) {
    if (s.index >= MAX_SLOTS) throw refuse(`slot ${s.index} out of range`);
    if (!isRelease(s.release_id)) throw refuse(`slot ${s.index} holds a release id that is not a sha256`);
  }
}

/** boundReport checks a report's kind and ids and cuts its text. */
export function boundReport(r: Report__Output): CheckedReport {
  const kind = parseReportKind(r.kind);
  if (!isRelease(r.release_id) || !isRelease(r.live_release)) throw refuse('report names a release id that is not a sha256');
  checkSlots(r.slots, MAX_SLOTS);
  return { ...r, kind, error_code: clip(r.error_code, 64), error: clip(r.error) };
}

/** boundDrift checks a drift report's kind and ids, keeps its first paths and cuts its text. */
export function boundDrift(d: DriftReport__Output): CheckedDrift {
  const kind = parseDriftKind(d.kind);
  if (!isRelease(d.release_id) || !isRelease(d.live_release)) throw refuse('drift report names a release id that is not a sha256');
  checkSlots(d.slots, MAX_SLOTS);
  const paths = d.paths.slice(0, MAX_DRIFT_PATHS).map((p): DriftPath => ({ path: clip(p.path, MAX_PATH), change: isPathChange(p.change) ? p.change : 'changed' }));
  return { ...d, kind, paths, path_count: Math.max(d.path_count, paths.length), detail: clip(d.detail) };
}

/**
 * VitalsRate keeps one host to the fastest vitals interval an agent may use
 * (100 ms), with room for the backlog an agent sends after an outage (its
 * buffer holds 600 samples). Samples over the rate are dropped and counted.
 */
export class VitalsRate {
  static readonly PER_SECOND = 10;
  static readonly BURST = 700;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number) {}

  /** take is how many of `n` samples the host may send now. */
  take(host: string, n: number): number {
    const t = this.now();
    const b = this.buckets.get(host) ?? { tokens: VitalsRate.BURST, at: t };
    b.tokens = Math.min(VitalsRate.BURST, b.tokens + ((t - b.at) / 1000) * VitalsRate.PER_SECOND);
    b.at = t;
    const ok = Math.min(n, Math.floor(b.tokens));
    b.tokens -= ok;
    this.buckets.set(host, b);
    return ok;
  }
}
