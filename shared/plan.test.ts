import { describe, expect, it } from 'vitest';
import { FleetswapError } from './errors.js';
import { ALL_AT_ONCE_PLAN, DEFAULT_PLAN, parseWaves, planOf } from './plan.js';
import type { DeployRequest__Output as DeployRequest } from './gen/fleetswap/v1/DeployRequest.js';

type PlanFlags = Pick<DeployRequest, 'canary' | 'waves' | 'bake' | 'wave_bake' | 'watch_for' | 'manual_promote'>;

/** flags is a deploy request with every phase flag left empty (the CLI's "not given"), except `over`. */
const flags = (over: Partial<PlanFlags> = {}): PlanFlags => ({ canary: '', waves: '', bake: '', wave_bake: '', watch_for: '', manual_promote: false, ...over });

/** refusal runs f and returns the FleetswapError it throws (failing the test if it throws nothing or anything else). */
function refusal(f: () => unknown): FleetswapError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(FleetswapError);
    return err as FleetswapError;
  }
  throw new Error('expected a FleetswapError, nothing was thrown');
}

/** expectBadUsage checks the operator gets BAD_USAGE with one line that names the flag and says what to give. */
function expectBadUsage(f: () => unknown, mentions: RegExp): void {
  const err = refusal(f);
  expect(err.code).toBe('BAD_USAGE');
  expect(err.message).not.toMatch(/[\r\n]/);
  expect(err.message).toMatch(mentions);
}

describe('planOf', () => {
  it('fills every empty flag from DEFAULT_PLAN', () => {
    expect(planOf(flags(), 200)).toEqual({
      canary_hosts: 10,
      waves: [25, 50, 100],
      bake_ms: 60_000,
      wave_bake_ms: 30_000,
      watch_ms: 300_000,
      manual_promote: false,
      spread: '',
    });
    // The defaults are what the help text shows: planOf of them spelled out is the same plan.
    const spelled = flags({ canary: DEFAULT_PLAN.canary, waves: DEFAULT_PLAN.waves, bake: DEFAULT_PLAN.bake, wave_bake: DEFAULT_PLAN.waveBake, watch_for: DEFAULT_PLAN.watchFor });
    expect(planOf(spelled, 200)).toEqual(planOf(flags(), 200));
  });

  it('takes the flags it is given, and manual_promote as is', () => {
    expect(planOf(flags({ canary: '3', waves: '10%,100%', bake: '2m', wave_bake: '500ms', watch_for: '1h', manual_promote: true }), 40)).toEqual({
      canary_hosts: 3,
      waves: [10, 100],
      bake_ms: 120_000,
      wave_bake_ms: 500,
      watch_ms: 3_600_000,
      manual_promote: true,
      spread: '',
    });
  });

  describe('--canary 0 is all at once', () => {
    const allAtOnce = { canary_hosts: 0, waves: [100], bake_ms: 0, wave_bake_ms: 0, watch_ms: 0, manual_promote: false, spread: '' };

    it.each(['0', '0%', '0.0%'])('--canary %s alone: one wave of every host, no bake, no watch', (canary) => {
      expect(planOf(flags({ canary }), 200)).toEqual(allAtOnce);
      expect(planOf(flags({ canary }), 1)).toEqual(allAtOnce);
    });

    it('is what the old spelled-out form gives (--canary 0 --waves 100% --watch-for 0s)', () => {
      expect(planOf(flags({ canary: '0', waves: '100%', watch_for: '0s' }), 200)).toEqual(allAtOnce);
      const spelled = flags({ canary: '0', waves: ALL_AT_ONCE_PLAN.waves, bake: ALL_AT_ONCE_PLAN.bake, wave_bake: ALL_AT_ONCE_PLAN.waveBake, watch_for: ALL_AT_ONCE_PLAN.watchFor });
      expect(planOf(spelled, 200)).toEqual(allAtOnce);
    });

    it.each([
      ['waves', { waves: '25%,50%,100%' }, { waves: [25, 50, 100] }],
      ['a wave bake', { waves: '50%,100%', wave_bake: '10s' }, { waves: [50, 100], wave_bake_ms: 10_000 }],
      ['a watch', { watch_for: '5m' }, { watch_ms: 300_000 }],
      ['manual promote', { manual_promote: true }, { manual_promote: true }],
    ] as const)('keeps %s given explicitly', (_what, over, expected) => {
      expect(planOf(flags({ canary: '0', ...over }), 200)).toEqual({ ...allAtOnce, ...expected });
    });

    it('still refuses a bad flag given with it', () => {
      expectBadUsage(() => planOf(flags({ canary: '0', waves: '50%' }), 10), /--waves/);
      expectBadUsage(() => planOf(flags({ canary: '0', watch_for: 'soon' }), 10), /duration/);
    });

    it('a canary share that rounds to a host is not "no canary": the defaults stay', () => {
      expect(planOf(flags({ canary: '0.1%' }), 3)).toMatchObject({ canary_hosts: 1, waves: [25, 50, 100], wave_bake_ms: 30_000, watch_ms: 300_000 });
    });
  });

  it('accepts zero durations (no bake, no watch)', () => {
    const p = planOf(flags({ bake: '0s', wave_bake: '0ms', watch_for: '0m' }), 10);
    expect([p.bake_ms, p.wave_bake_ms, p.watch_ms]).toEqual([0, 0, 0]);
  });

  describe('canary', () => {
    it('a count is that many hosts, up to the whole fleet', () => {
      expect(planOf(flags({ canary: '3' }), 200).canary_hosts).toBe(3);
      expect(planOf(flags({ canary: '0' }), 200).canary_hosts).toBe(0);
      expect(planOf(flags({ canary: '7' }), 7).canary_hosts).toBe(7);
    });

    it('a count bigger than the fleet is refused', () => {
      expectBadUsage(() => planOf(flags({ canary: '8' }), 7), /--canary 8 .*7 host/);
    });

    it('a share is rounded to the nearest host', () => {
      expect(planOf(flags({ canary: '5%' }), 200).canary_hosts).toBe(10);
      expect(planOf(flags({ canary: '10%' }), 37).canary_hosts).toBe(4); // 3.7
      expect(planOf(flags({ canary: '2.5%' }), 200).canary_hosts).toBe(5);
      expect(planOf(flags({ canary: '100%' }), 37).canary_hosts).toBe(37);
    });

    it('rounds an exact half up, whatever the share (no floating-point drift)', () => {
      // 29% of 50 is 14.5; (29 / 100) * 50 is 14.499999999999998 in floating point.
      expect(planOf(flags({ canary: '29%' }), 50).canary_hosts).toBe(15);
      expect(planOf(flags({ canary: '5%' }), 50).canary_hosts).toBe(3); // 2.5
      for (let hosts = 1; hosts <= 400; hosts++) {
        for (let pct = 1; pct < 100; pct++) {
          const expected = Math.min(hosts - 1 || 1, Math.max(1, Math.floor((2 * pct * hosts + 100) / 200)));
          if (planOf(flags({ canary: `${pct}%` }), hosts).canary_hosts !== expected) {
            expect.fail(`${pct}% of ${hosts} hosts gave ${planOf(flags({ canary: `${pct}%` }), hosts).canary_hosts}, expected ${expected}`);
          }
        }
      }
    });

    it('a share of a small fleet is at least one host', () => {
      expect(planOf(flags({ canary: '5%' }), 3).canary_hosts).toBe(1);
      expect(planOf(flags({ canary: '0.1%' }), 1).canary_hosts).toBe(1);
    });

    it('a share below 100% leaves at least one host on the old release to compare against', () => {
      expect(planOf(flags({ canary: '95%' }), 10).canary_hosts).toBe(9); // 9.5 would round to the whole fleet
      expect(planOf(flags({ canary: '90%' }), 2).canary_hosts).toBe(1);
      expect(planOf(flags({ canary: '99.9%' }), 1000).canary_hosts).toBe(999);
    });

    it('0% is no canary', () => {
      expect(planOf(flags({ canary: '0%' }), 200).canary_hosts).toBe(0);
      expect(planOf(flags({ canary: '0.0%' }), 200).canary_hosts).toBe(0);
    });

    it('a share over 100% is refused', () => {
      expectBadUsage(() => planOf(flags({ canary: '101%' }), 10), /--canary.*101%.*at most 100%/);
    });

    it.each(['abc', '-1', '3.5', '5 %', '%', '5%%', 'three', '1e3', '0x10', ' 3'])('refuses canary %j and says what to give', (canary) => {
      expectBadUsage(() => planOf(flags({ canary }), 10), /--canary.*number of hosts.*share/);
    });

    it('keeps the message on one line even when the flag itself has a newline', () => {
      expectBadUsage(() => planOf(flags({ canary: '3\n' }), 10), /--canary/);
      expectBadUsage(() => planOf(flags({ waves: '25%,\n50' }), 10), /--waves/);
    });
  });

  describe('waves', () => {
    it('parses rising shares ending at 100%, with spaces and fractions', () => {
      expect(parseWaves('100%')).toEqual([100]);
      expect(parseWaves('25%,50%,100%')).toEqual([25, 50, 100]);
      expect(parseWaves(' 12.5% , 50% ,100.0% ')).toEqual([12.5, 50, 100]);
      expect(planOf(flags({ waves: '1%,100%' }), 10).waves).toEqual([1, 100]);
    });

    it.each([
      ['not rising', '50%,25%,100%'],
      ['a repeated share', '25%,25%,100%'],
      ['not ending at 100%', '25%,50%'],
      ['past 100%', '50%,150%'],
      ['ending past 100%', '50%,100%,150%'],
      ['a zero wave', '0%,100%'],
      ['no percent sign', '25,50,100'],
      ['an empty wave', '25%,,100%'],
      ['a trailing comma', '25%,100%,'],
      ['junk', 'all'],
      ['a negative share', '-25%,100%'],
      ['a semicolon list', '25%;100%'],
    ])('refuses %s (%j) and says what to give', (_why, waves) => {
      expectBadUsage(() => planOf(flags({ waves }), 10), /--waves.*rising shares ending at 100%/);
    });
  });

  describe('durations', () => {
    it.each([
      ['bake', '60'],
      ['bake', '1 minute'],
      ['wave_bake', '-5s'],
      ['wave_bake', '5x'],
      ['watch_for', 'forever'],
      ['watch_for', 's'],
    ] as const)('refuses %s %j and says how to write a duration', (flag, value) => {
      expectBadUsage(() => planOf(flags({ [flag]: value }), 10), /duration.*e\.g\. 500ms, 30s/);
    });
  });
});
