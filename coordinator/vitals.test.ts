import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../shared/log.js';
import type { VitalsSample } from '../shared/wire.js';
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
  ...over,
});

describe('VitalsSink', () => {
  let dir = '';
  let store: Store | undefined;
  afterEach(async () => {
    store?.close();
    await cleanup(dir);
  });

  it('stores every valid sample, refuses and counts malformed ones, and counts what agents dropped', async () => {
    dir = await tempDir();
    store = new Store(join(dir, 'state.db'));
    let now = 1_000_000;
    const sink = new VitalsSink(store, () => now, silentLogger(), { windowMs: 10_000 });
    sink.accept('web-1', { samples: [aSample(now - 1000), aSample(now)], dropped: 3 });
    sink.accept('web-2', {
      samples: [aSample(now, { cpu_pct: Number.NaN }), aSample(now, { load1: -1 }), aSample(now + 3_600_000), aSample(now, { error_lines: 2 })],
      dropped: 0,
    });
    sink.flush();
    expect(sink.stats()).toEqual({ received: 6, stored: 3, refused: 3, dropped_by_agents: 3 });
    expect(store.countVitals()).toBe(3);
    expect(sink.last('web-2')?.error_lines).toBe(2);

    // The live window keeps the last windowMs; the database keeps everything within retention.
    now += 20_000;
    sink.accept('web-1', { samples: [aSample(now)], dropped: 0 });
    expect(sink.window('web-1').map((s) => s.ts_ms)).toEqual([now]);
    sink.flush();
    expect(store.countVitals('web-1')).toBe(3);
  });

  it('drops raw samples past the retention period', async () => {
    dir = await tempDir();
    store = new Store(join(dir, 'state.db'));
    let now = 10_000_000;
    const sink = new VitalsSink(store, () => now, silentLogger(), { retentionMs: 60_000 });
    sink.accept('web-1', { samples: [aSample(now)], dropped: 0 });
    sink.flush();
    now += 120_000;
    sink.accept('web-1', { samples: [aSample(now)], dropped: 0 });
    sink.flush();
    expect(store.countVitals()).toBe(1);
  });
});
