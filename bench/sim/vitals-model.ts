import { DEFAULT_JUDGE, Judge, type JudgeConfig, type JudgedHost } from '../../coordinator/judge.js';
import { mulberry32 } from '../../shared/prng.js';
import type { Verdict__Output as Verdict } from '../../shared/gen/fleetswap/v1/Verdict.js';
import type { VitalsSample__Output as VitalsSample } from '../../shared/gen/fleetswap/v1/VitalsSample.js';

/*
 * A seeded model of a fleet's vitals for judging the canary judge: hosts are
 * arrays of samples, time is a number. The bench's canary scenario and the
 * judge's unit tests (coordinator/judge-probes.test.ts) both drive
 * coordinator/judge.ts with it, so the variants the bench measures are the
 * ones the tests pin down: skipped ticks, baseline churn, bursty errors,
 * per-host offsets and autocorrelated load and CPU.
 */

export const OLD = 'r-old';
export const NEW = 'r-new';

/** A continuous metric: a per-host lasting offset, and per-second AR(1) noise around it. */
export interface Series {
  mean: number;
  /** Stationary SD of the per-second noise. */
  sd: number;
  /** SD of each host's lasting offset from the mean (hosts differ for good). */
  hostSd: number;
  /** Correlation of the noise from one second to the next (load1 is a one-minute moving average: about 0.98). */
  rho: number;
}

/** How many lines one error incident writes: one, geometric (a stack trace), or heavy-tailed (Pareto, alpha 1.5). */
export type Burst = { kind: 'single' } | { kind: 'geometric'; mean: number } | { kind: 'pareto'; mean: number };

export interface FleetModel {
  seed: number;
  canaries: number;
  baseline: number;
  /** Error incidents per host-second on the old release. */
  rate: number;
  /** The canaries' incident rate on the new release, as a multiple of `rate`. */
  ratio: number;
  /** Hosts' lasting error-rate factors: log-normal with this SD of the log (0: every host alike). */
  rateHostSd: number;
  burst: Burst;
  /** The new release's canaries take a sample only every this many seconds (a slow probe skips ticks): 1 for none. */
  canaryEvery: number;
  /** Agents older than the interval_ms / error_seconds fields: they report lines only. */
  oldAgents: boolean;
  load: Series;
  cpu: Series;
  /** History before the switch every host has. */
  beforeMs: number;
  /** Canary load and CPU on the new release: added to their level. */
  loadShift: number;
  cpuShift: number;
  /** Extra incidents per second on the first baseline host (a noisy host), and when it leaves the baseline (ms after T0; Infinity: never). */
  noisy?: { rate: number; leavesAtMs: number };
  /** One baseline host leaves the baseline every this many ms after T0 (Infinity: none). */
  churnEveryMs: number;
  /** How many baseline hosts (the first ones) joined at T0, with no history before. */
  newcomers?: number;
  /** From this many ms after T0 the canaries run a health probe (ok, 10 ms) with each sample: a metric that appears later. */
  probeFromMs?: number;
}

export const T0 = Date.UTC(2026, 0, 1);

export const DEFAULT_MODEL: FleetModel = {
  seed: 1,
  canaries: 10,
  baseline: 190,
  rate: 0.1,
  ratio: 1,
  rateHostSd: 0,
  burst: { kind: 'single' },
  canaryEvery: 1,
  oldAgents: false,
  load: { mean: 1, sd: 0.15, hostSd: 0, rho: 0 },
  cpu: { mean: 30, sd: 4, hostSd: 0, rho: 0 },
  beforeMs: 120_000,
  loadShift: 0,
  cpuShift: 0,
  churnEveryMs: Infinity,
};

interface HostSim {
  id: string;
  canary: boolean;
  offsetMs: number;
  rateFactor: number;
  load: number;
  cpu: number;
  loadNoise: number;
  cpuNoise: number;
  /** The next whole second to simulate (ms since epoch), and the pending tally since the last sample. */
  next: number;
  pending: { ms: number; incidents: number; seconds: number; lines: number };
  samples: VitalsSample[];
}

/** SimFleet produces every host's samples second by second up to `advance(to)`, and answers samples(host, from, to). */
export class SimFleet {
  readonly hosts: HostSim[] = [];
  private readonly byId = new Map<string, HostSim>();
  private readonly rand: () => number;
  private readonly normal: () => number;

  constructor(readonly m: FleetModel) {
    this.rand = mulberry32(m.seed);
    this.normal = gaussian(this.rand);
    for (let i = 0; i < m.canaries + m.baseline; i++) {
      const canary = i < m.canaries;
      const h: HostSim = {
        id: canary ? `c-${String(i).padStart(4, '0')}` : `b-${String(i - m.canaries).padStart(4, '0')}`,
        canary,
        offsetMs: Math.floor(this.rand() * 1000),
        rateFactor: m.rateHostSd > 0 ? Math.exp(m.rateHostSd * this.normal() - (m.rateHostSd * m.rateHostSd) / 2) : 1,
        load: m.load.mean + m.load.hostSd * this.normal(),
        cpu: m.cpu.mean + m.cpu.hostSd * this.normal(),
        loadNoise: m.load.sd * this.normal(),
        cpuNoise: m.cpu.sd * this.normal(),
        next: !canary && i - m.canaries < (m.newcomers ?? 0) ? T0 : T0 - m.beforeMs,
        pending: { ms: 0, incidents: 0, seconds: 0, lines: 0 },
        samples: [],
      };
      this.hosts.push(h);
      this.byId.set(h.id, h);
    }
  }

  get canaryIds(): string[] {
    return this.hosts.filter((h) => h.canary).map((h) => h.id);
  }

  /** The baseline at `now`: the hosts that have not left (the noisy one at its time, then one per churnEveryMs). */
  baselineAt(now: number): string[] {
    const base = this.hosts.filter((h) => !h.canary);
    const gone = new Set<string>();
    const noisy = base[0];
    if (this.m.noisy && noisy && now - T0 >= this.m.noisy.leavesAtMs) gone.add(noisy.id);
    if (Number.isFinite(this.m.churnEveryMs)) {
      const left = Math.max(0, Math.floor((now - T0) / this.m.churnEveryMs));
      // The last hosts leave first, so the noisy host (the first) is not also churned.
      for (let i = 0; i < left && i < base.length; i++) gone.add((base[base.length - 1 - i] as HostSim).id);
    }
    return base.filter((h) => !gone.has(h.id)).map((h) => h.id);
  }

  /** advance simulates every host through the second that ends at or before `to`. */
  advance(to: number): void {
    for (const h of this.hosts) {
      for (; h.next + 1000 <= to; h.next += 1000) this.second(h, h.next);
    }
  }

  samples = (id: string, from: number, to: number): readonly VitalsSample[] => {
    const h = this.byId.get(id);
    if (!h || to <= from) return [];
    return h.samples.slice(lowerBound(h.samples, from), lowerBound(h.samples, to));
  };

  private second(h: HostSim, t: number): void {
    const m = this.m;
    const onNew = h.canary && t >= T0;
    let rate = m.rate * h.rateFactor * (onNew ? m.ratio : 1);
    if (this.m.noisy && !h.canary && h === this.hosts[m.canaries]) rate += this.m.noisy.rate;
    const incidents = poisson(this.rand, rate);
    let lines = 0;
    for (let i = 0; i < incidents; i++) lines += burstSize(this.rand, m.burst);
    h.loadNoise = m.load.rho * h.loadNoise + Math.sqrt(1 - m.load.rho * m.load.rho) * m.load.sd * this.normal();
    h.cpuNoise = m.cpu.rho * h.cpuNoise + Math.sqrt(1 - m.cpu.rho * m.cpu.rho) * m.cpu.sd * this.normal();
    const p = h.pending;
    p.ms += 1000;
    p.incidents += incidents;
    p.seconds += incidents > 0 ? 1 : 0;
    p.lines += lines;
    const every = onNew ? m.canaryEvery : 1;
    // A skipped tick: the next sample covers this second too.
    if (Math.floor((t - T0) / 1000) % every !== every - 1) return;
    const probed = h.canary && m.probeFromMs !== undefined && t - T0 >= m.probeFromMs;
    h.samples.push({
      ts_ms: t + h.offsetMs,
      release_id: onNew ? NEW : OLD,
      load1: Math.max(0, h.load + h.loadNoise + (onNew ? m.loadShift : 0)),
      cpu_pct: Math.min(100, Math.max(0, h.cpu + h.cpuNoise + (onNew ? m.cpuShift : 0))),
      mem_pct: 40,
      error_lines: p.lines,
      probed,
      probe_ok: probed,
      probe_latency_ms: probed ? 10 : 0,
      // An older agent does not send these: they decode as 0.
      ...(m.oldAgents ? { interval_ms: 0, error_incidents: 0, error_seconds: 0 } : { interval_ms: p.ms, error_incidents: p.incidents, error_seconds: p.seconds }),
    });
    h.pending = { ms: 0, incidents: 0, seconds: 0, lines: 0 };
  }
}

function burstSize(rand: () => number, b: Burst): number {
  if (b.kind === 'single') return 1;
  if (b.kind === 'geometric') {
    // Geometric on 1, 2, ... with mean b.mean: P(stop) = 1/mean each line.
    let n = 1;
    while (rand() > 1 / b.mean) n++;
    return n;
  }
  // Pareto with tail index 1.5 (infinite variance), scaled to the mean, at least one line.
  const alpha = 1.5;
  const xm = (b.mean * (alpha - 1)) / alpha;
  return Math.max(1, Math.round(xm / Math.pow(1 - rand(), 1 / alpha)));
}

function lowerBound(samples: readonly VitalsSample[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((samples[mid] as VitalsSample).ts_ms < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function gaussian(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = rand();
    while (u === 0) u = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * rand();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
}

/** Knuth's method; rates here are at most a few per second. */
function poisson(rand: () => number, mean: number): number {
  if (mean <= 0) return 0;
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rand(); p > limit; p *= rand()) k++;
  return k;
}

export interface JudgedRun {
  outcome: 'pass' | 'fail' | 'undecided';
  /** From the switch to the verdict (or to the deadline). */
  atMs: number;
  verdict: Verdict;
  /** Every verdict, one per simulated second, when asked for. */
  history?: Verdict[];
}

/**
 * judgeRun judges one simulated rollout the way RolloutEngine does: every
 * canary switched at T0, the phase starts then, evaluate once a simulated
 * second until pass or fail (or the deadline).
 */
export function judgeRun(
  model: FleetModel,
  opts: { bakeMs: number; deadlineMs: number; config?: JudgeConfig; keepHistory?: boolean; baselineAt?: (now: number, fleet: SimFleet) => string[] },
): JudgedRun {
  const fleet = new SimFleet(model);
  const canaries: JudgedHost[] = fleet.canaryIds.map((id) => ({ id, switchedAt: T0, live: NEW, connected: true }));
  const judge = new Judge(T0, opts.bakeMs, opts.config ?? DEFAULT_JUDGE);
  const history: Verdict[] = [];
  let last: Verdict | undefined;
  for (let now = T0 + 1000; now - T0 <= opts.deadlineMs; now += 1000) {
    fleet.advance(now);
    const baseline = opts.baselineAt ? opts.baselineAt(now, fleet) : fleet.baselineAt(now);
    const v = judge.evaluate({ now, phase: 'judging', newRelease: NEW, oldRelease: OLD, canaries, baseline, samples: fleet.samples });
    if (opts.keepHistory) history.push(v);
    last = v;
    if (v.outcome === 'pass' || v.outcome === 'fail') return { outcome: v.outcome, atMs: now - T0, verdict: v, ...(opts.keepHistory ? { history } : {}) };
  }
  return { outcome: 'undecided', atMs: opts.deadlineMs, verdict: last as Verdict, ...(opts.keepHistory ? { history } : {}) };
}
