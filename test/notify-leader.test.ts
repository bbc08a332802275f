import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Coordinator } from '../coordinator/coordinator.js';
import { AdminClient, aCoordinator, cleanup, tempDir, TEST_TOKEN, waitFor } from './fixtures.js';
import { aClusterForThisFile } from './postgres.js';
import { Receiver } from './receiver.js';

// Notifications with several coordinators on one PostgreSQL database: only
// the leader delivers, and a new leader delivers what the old one left.

const cluster = aClusterForThisFile();
const stops: (() => Promise<void>)[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  await cleanup(...dirs.splice(0));
});

describe('notifications with several coordinators', () => {
  it('only the leader delivers (each event once); the next leader delivers what was pending', async () => {
    const url = await cluster().aDatabase();
    const cs: Coordinator[] = [];
    for (let i = 0; i < 2; i++) {
      const dir = await tempDir();
      dirs.push(dir);
      const c = await aCoordinator(join(dir, 'data'), { database: url, name: `c${i}`, leaseMs: 1_000, notify: { retryMs: 100, pollMs: 100 } });
      stops.push(() => c.stop());
      cs.push(c);
    }
    const [c0, c1] = cs as [Coordinator, Coordinator];
    expect(c0.leading && !c1.leading).toBe(true);
    const rx = await new Receiver().start();
    stops.push(() => rx.stop());
    const client = new AdminClient(`${c1.address},${c0.address}`, TEST_TOKEN, { insecure: true });
    stops.push(async () => client.close());
    await client.call('AddNotify', { name: 'rx', url: rx.url, format: 'generic', events: [], min_severity: '', select: {}, secret: '', actor: '' });
    await client.call('Halt', { actor: '', reason: 'one' });
    await client.call('Unhalt', { actor: '', reason: 'two' });
    await waitFor('2 delivered', () => rx.got.length >= 2);
    // The follower polls the same outbox and sends nothing: nothing comes twice.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(rx.got.map((g) => g.json.reason)).toEqual(['fleet halted: one', 'halt lifted: two']);

    await rx.stop();
    await client.call('Halt', { actor: '', reason: 'three' });
    await waitFor('pending on the leader', async () => (await client.call('Status', { rollout_id: 0 })).notify[0]?.pending === 1);
    await c0.stop();
    await waitFor('c1 leads', () => c1.leading, 15_000);
    await rx.start();
    await waitFor('the new leader delivered it', () => rx.got.length >= 3, 15_000);
    expect(rx.got.map((g) => g.json.reason)).toEqual(['fleet halted: one', 'halt lifted: two', 'fleet halted: three']);
  });
});
