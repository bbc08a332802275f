import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../shared/log.js';
import type { VitalsSample__Output as VitalsSample } from '../shared/gen/fleetswap/v1/VitalsSample.js';
import { cleanup, tempDir } from '../test/fixtures.js';
import { Store } from './store.js';
import { VitalsSink } from './vitals.js';

const aSample = (ts: number, over: Partial<VitalsSample> = {}): VitalsSample => ({
  ts_ms: ts,
  release_id: 'r1',
  load1: 0.3,
  cpu_pct: 12,
  mem_pct: 40,
  error_lines: 0,
  probed: false,
  probe_ok: false,
  probe_latency_ms: 0,
  // As decoded from an agent older than these fields.
  interval_ms: 0,
  error_incidents: 0,
  error_seconds: 0,
  ...over,
});

describe('VitalsSink', () => {
  let dir = '';
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    await cleanup(dir);
  });

  it('keeps a sample sent again (to this coordinator, or to a new leader after another stored it) once', async () => {
    dir = await tempDir();
    store = await Store.sqlite(join(dir, 'state.db'));
    const now = 1_000_000;
    // The leader before stored three samples, then died.
    const before = new VitalsSink(store, () => now, silentLogger(), { windowMs: 60_000 });
    before.accept('web-1', { samples: [aSample(now - 3000), aSample(now - 2000), aSample(now - 1000)], dropped: 0 });
    await before.flush();
    // The new leader reads them back, then the agent sends its last samples again, and one new one.
    const sink = new VitalsSink(store, () => now, silentLogger(), { windowMs: 60_000 });
    await sink.start();
    sink.accept('web-1', { samples: [aSample(now - 2000), aSample(now - 1000), aSample(now)], dropped: 0 });
    sink.accept('web-1', { samples: [aSample(now)], dropped: 0 });
    await sink.stop();
    expect(sink.stats()).toEqual({ received: 1, stored: 1, refused: 0, dropped_by_agents: 0 });
    expect(sink.between('web-1', 0, now + 1).map((s) => s.ts_ms)).toEqual([now - 3000, now - 2000, now - 1000, now]);
    expect(await store.vitals.count()).toBe(4);
    // What memory no longer holds is kept once by the database too.
    expect(await store.vitals.insert([{ host: 'web-1', s: aSample(now - 3000) }])).toBe(0);
    expect(await store.vitals.count()).toBe(4);
  });

  it('stores every valid sample, refuses and counts malformed ones, and counts what agents dropped', async () => {
    dir = await tempDir();
    store = await Store.sqlite(join(dir, 'state.db'));
    let now = 1_000_000;
    const sink = new VitalsSink(store, () => now, silentLogger(), { windowMs: 10_000 });
    sink.accept('web-1', { samples: [aSample(now - 1000), aSample(now)], dropped: 3 });
    sink.accept('web-2', {
      samples: [aSample(now, { cpu_pct: Number.NaN }), aSample(now, { load1: -1 }), aSample(now + 3_600_000), aSample(now, { error_lines: 2 })],
      dropped: 0,
    });
    await sink.flush();
    expect(sink.stats()).toEqual({ received: 6, stored: 3, refused: 3, dropped_by_agents: 3 });
    expect(await store.vitals.count()).toBe(3);
    expect(sink.last('web-2')?.error_lines).toBe(2);

    // The live window keeps the last windowMs; the database keeps everything within retention.
    now += 20_000;
    sink.accept('web-1', { samples: [aSample(now)], dropped: 0 });
    expect(sink.window('web-1').map((s) => s.ts_ms)).toEqual([now]);
    await sink.flush();
    expect(await store.vitals.count('web-1')).toBe(3);
  });

  it('keeps what each sample covers and its error incidents, in memory, in the database and across a restart', async () => {
    dir = await tempDir();
    store = await Store.sqlite(join(dir, 'state.db'));
    const now = 1_000_000;
    const sink = new VitalsSink(store, () => now, silentLogger(), { windowMs: 10_000 });
    const sample = aSample(now - 2_000, { error_lines: 9, interval_ms: 2_000, error_incidents: 4, error_seconds: 2 });
    sink.accept('web-1', { samples: [sample], dropped: 0 });
    await sink.flush();
    expect(sink.window('web-1')).toEqual([sample]);
    // Past the live window the database answers: the same fields come back.
    expect(await store.vitals.of('web-1', 0, now)).toEqual([sample]);
    const restarted = new VitalsSink(store, () => now, silentLogger(), { windowMs: 10_000 });
    await restarted.start();
    await restarted.stop();
    expect(restarted.window('web-1')).toEqual([sample]);
  });

  // Error counts that no interval could hold are refused (a host could claim
  // any exposure); a sample from an agent older than the fields has all at 0.
  it.each([
    ['an agent older than the fields (all 0)', {}, true],
    ['one second, one incident', { interval_ms: 1_000, error_incidents: 1, error_seconds: 1 }, true],
    ['a skipped tick: 2 s, seconds in 3 of them (straddling)', { interval_ms: 2_000, error_incidents: 7, error_seconds: 3 }, true],
    ['a 10-minute gap', { interval_ms: 600_000 }, true],
    ['more than 10 minutes', { interval_ms: 600_001 }, false],
    ['more error seconds than the interval touches', { interval_ms: 1_000, error_incidents: 3, error_seconds: 3 }, false],
    ['error seconds with no incident', { interval_ms: 2_000, error_incidents: 1, error_seconds: 2 }, false],
    ['a fractional interval', { interval_ms: 999.5 }, false],
    ['a negative incident count', { interval_ms: 1_000, error_incidents: -1 }, false],
  ] as [string, Partial<VitalsSample>, boolean][])('%s: accepted %s', async (_name, over, accepted) => {
    dir = await tempDir();
    store = await Store.sqlite(join(dir, 'state.db'));
    const now = 1_000_000;
    const sink = new VitalsSink(store, () => now, silentLogger());
    sink.accept('web-1', { samples: [aSample(now, over)], dropped: 0 });
    await sink.flush();
    expect(sink.stats()).toMatchObject({ received: 1, stored: accepted ? 1 : 0, refused: accepted ? 0 : 1 });
  });

  it('drops raw samples past the retention period', async () => {
    dir = await tempDir();
    store = await Store.sqlite(join(dir, 'state.db'));
    let now = 10_000_000;
    const sink = new VitalsSink(store, () => now, silentLogger(), { retentionMs: 60_000 });
    sink.accept('web-1', { samples: [aSample(now)], dropped: 0 });
    await sink.flush();
    now += 120_000;
    sink.accept('web-1', { samples: [aSample(now)], dropped: 0 });
    await sink.flush();
    expect(await store.vitals.count()).toBe(1);
  });
});

describe('VitalsSink as the judge reads it', () => {
  let dir = '';
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    await cleanup(dir);
  });

  it('prepare reads back from the database what the window no longer holds, and keeps it while the hosts are judged', async () => {
    dir = await tempDir();
    store = await Store.sqlite(join(dir, 'state.db'));
    let now = 1_000_000;
    const sink = new VitalsSink(store, () => now, silentLogger(), { windowMs: 10_000 });
    for (let t = 0; t < 30; t++) {
      if (t > 0) now += 1_000;
      sink.accept('web-1', { samples: [aSample(now)], dropped: 0 });
    }
    // The window has trimmed the first 19 seconds away; the database holds all 30.
    expect(sink.between('web-1', 1_000_000, now + 1)).toHaveLength(11);
    await sink.prepare(['web-1'], 1_000_000);
    expect(sink.between('web-1', 1_000_000, now + 1).map((s) => s.ts_ms)).toEqual(Array.from({ length: 30 }, (_, t) => 1_000_000 + t * 1000));
    // While pinned, new samples do not trim what the judge still reads.
    now += 1_000;
    sink.accept('web-1', { samples: [aSample(now)], dropped: 0 });
    expect(sink.between('web-1', 1_000_000, now + 1)).toHaveLength(31);
    // Judging another host unpins it: the window is trimmed again.
    await sink.prepare(['web-2'], now - 5_000);
    sink.accept('web-1', { samples: [aSample(now + 500)], dropped: 0 });
    expect(sink.between('web-1', 0, now + 1_000).length).toBeLessThanOrEqual(12);
  });
});
