import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VitalsRate } from '../../coordinator/agent-limits.js';
import type { VitalsSample__Output as VitalsSample } from '../../shared/gen/fleetswap/v1/VitalsSample.js';
import { openDatabase } from '../database.js';
import { collect, runCli, TEST_TOKEN, waitFor } from '../fixtures.js';
import { AgentStream, aHello } from './agent-stream.js';
import { aTlsFleet, type TlsFleet } from './tls-fleet.js';

// Nothing one host says can flood the coordinator: every field it sends is
// bounded, its vitals are rate-limited, and a stranger is not read at all.

const sample = (ts_ms: number): VitalsSample => ({ ts_ms, release_id: '', load1: 0.1, cpu_pct: 1, mem_pct: 1, error_lines: 0, probed: false, probe_ok: false, probe_latency_ms: 0, interval_ms: 0, error_incidents: 0, error_seconds: 0 });

describe('attack: one host floods or poisons what it sends', () => {
  let fleet: TlsFleet;
  afterEach(() => fleet?.stop());

  async function connected(id: string, hello = aHello(id)) {
    const s = new AgentStream(await fleet.agentClient(id));
    s.send(hello);
    return s;
  }

  it('a hello with too many tags, a huge tag or a bad slot is refused with one line and nothing is stored', async () => {
    fleet = await aTlsFleet();
    const cases: [Parameters<typeof aHello>[1], string][] = [
      [{ tags: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 'v'])) }, '500 tags: at most 32'],
      [{ tags: { dc: 'x'.repeat(100_000) } }, 'tag dc is 100000 characters: at most 256'],
      [{ tags: { 'dc\u001b[2J': 'east' } }, 'bad tag key "dc\\u001b[2J": letters, digits and ._/- up to 63 characters'],
      [{ slots: [{ index: 0, release_id: '../../../etc/passwd', evidence: false }] }, 'slot 0 holds a release id that is not a sha256'],
      [{ slot_count: 100_000 }, '100000 slots: at most 64'],
    ];
    for (const [over, why] of cases) {
      const s = await connected('web-1', aHello('web-1', over));
      expect((await s.ended)?.details).toBe(why);
    }
    expect(await fleet.coordinator.store.hosts.get('web-1')).toBeUndefined();
    expect((await fleet.admin().call('Status', { rollout_id: 0 })).refusals['hello-refused']).toBe(cases.length);
  });

  it('report and drift text is cut to 4 KiB and drift paths to the first 100 before anything is stored or audited', async () => {
    fleet = await aTlsFleet();
    const s = await connected('web-1');
    await waitFor('accepted', () => s.accepted);
    const release = 'a'.repeat(64);
    const paths = Array.from({ length: 5_000 }, (_, i) => ({ path: `f${i}`, change: 'changed' as const }));
    s.send({ drift: { kind: 'content', release_id: release, paths, path_count: 5_000, detected_at_ms: Date.now(), detail: 'y'.repeat(200_000), live_release: '', slots: [] } });
    await waitFor('drift stored', async () => (await collect(fleet.coordinator.audit.entries())).some((e) => e.action === 'drift-content'));
    const entry = (await collect(fleet.coordinator.audit.entries())).find((e) => e.action === 'drift-content')!;
    expect(entry.reason.length).toBeLessThan(4_200);
    expect(entry.reason).toMatch(/… \(195904 more characters cut\)$/);
    const db = await openDatabase(join(fleet.dir, 'data'));
    try {
      const row = (await db.get(`SELECT paths, path_count, length(detail) AS detail FROM drift_events WHERE host = 'web-1'`)) as { paths: string; path_count: number; detail: number };
      expect((JSON.parse(row.paths) as unknown[]).length).toBeLessThanOrEqual(100);
      expect(row.path_count).toBe(5_000);
      expect(row.detail).toBeLessThan(4_200);
    } finally {
      await db.close();
    }
  });

  it('vitals faster than any agent interval are throttled and counted; samples from the future are refused', async () => {
    fleet = await aTlsFleet();
    const s = await connected('web-1');
    await waitFor('accepted', () => s.accepted);
    const now = Date.now();
    s.send({ vitals: { samples: [sample(now + 60_000), sample(now + 3_600_000)], dropped: 0 } });
    for (let i = 0; i < 20; i++) s.send({ vitals: { samples: Array.from({ length: 500 }, (_, j) => sample(now - 60_000 + i * 500 + j)), dropped: 0 } });
    const admin = fleet.admin();
    await waitFor('all seen', async () => {
      const st = await admin.call('Status', { rollout_id: 0 });
      return (st.vitals?.received ?? 0) + (st.refusals['vitals-throttled'] ?? 0) >= 10_002;
    });
    const st = await admin.call('Status', { rollout_id: 0 });
    // The burst an agent may send after an outage, and about 10 a second after that.
    expect(st.vitals!.received).toBeLessThanOrEqual(VitalsRate.BURST + 2 + 100);
    expect(st.refusals['vitals-throttled']).toBeGreaterThanOrEqual(10_000 - VitalsRate.BURST - 100);
    expect(st.vitals!.refused).toBe(2);
    const status = await runCli(['status', '--coordinator', fleet.coordinator.address], { FLEETSWAP_CA: join(fleet.dir, 'ca', 'ca.crt'), FLEETSWAP_INSECURE: '', FLEETSWAP_TOKEN: TEST_TOKEN });
    expect(status.stdout).toMatch(/refused at the edge: .*\d+ vitals-throttled/);
  });

  it('a stream that never says hello is closed after the hello timeout', async () => {
    fleet = await aTlsFleet({ helloTimeoutMs: 300 });
    const s = new AgentStream(await fleet.agentClient('web-1'));
    expect((await s.ended)?.details).toBe('no hello within 0.3 s of opening the stream');
    expect((await fleet.admin().call('Status', { rollout_id: 0 })).refusals['hello-timeout']).toBe(1);
  });

  it('a stranger without a certificate is refused before its 50 MB message is read; an agent’s oversize message is refused by size', async () => {
    fleet = await aTlsFleet();
    const stranger = new AgentStream(await fleet.agentClient());
    stranger.send(aHello('web-1', { agent_version: 'x'.repeat(50 << 20) }));
    const err = await stranger.ended;
    expect(err?.code).toBe(7);
    expect(err?.details).toMatch(/^agents need a client certificate from the fleet CA/);
    const agent = await connected('web-2', aHello('web-2', { agent_version: 'x'.repeat(2 << 20) }));
    const oversize = await agent.ended;
    expect(oversize?.code).toBe(8); // RESOURCE_EXHAUSTED
    expect(oversize?.details).toMatch(/^a Connect message of \d+ bytes is over its limit of 1048576$/);
    const st = await fleet.admin().call('Status', { rollout_id: 0 });
    expect(st.refusals.unauthenticated).toBe(1);
    expect(st.refusals.oversize).toBe(1);
  });
});
