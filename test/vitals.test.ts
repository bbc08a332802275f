import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import { AdminClient, aCoordinator, anAgent, cleanup, tempDir, waitFor } from './fixtures.js';

// Vitals from a real agent to a real coordinator: error-log lines and
// incidents counted on the host arrive at the coordinator, in its live window
// and its database.

describe('vitals', () => {
  let coordinator: Coordinator | undefined;
  let agent: Agent | undefined;
  let client: AdminClient | undefined;
  let dir = '';
  afterEach(async () => {
    await agent?.stop();
    client?.close();
    await coordinator?.stop();
    await cleanup(dir);
  });

  it('reach the coordinator every interval, with the error lines the app wrote', async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    client = new AdminClient(coordinator.address);
    const log = join(dir, 'app-error.log');
    await writeFile(log, '');
    agent = await anAgent(coordinator.address, join(dir, 'host'), { id: 'web-1', vitalsIntervalMs: 100, errorLog: log });
    await waitFor('first vitals', () => coordinator!.vitals.last('web-1'));
    await appendFile(log, 'PHP Fatal error: x\nnotice\nPHP Warning\nUncaught Exception y\n');
    const total = () => coordinator!.vitals.window('web-1').reduce((n, s) => n + s.error_lines, 0);
    await waitFor('2 error lines counted', () => total() === 2);
    // A stack trace is one incident; each sample says how long it covers.
    await appendFile(log, 'java.lang.IllegalStateException: boom\n\tat a.B.c(B.java:1)\nCaused by: java.io.IOException: x\n\t... 3 more\n');
    const incidents = () => coordinator!.vitals.window('web-1').reduce((n, s) => n + (s.error_incidents ?? 0), 0);
    await waitFor('3 incidents counted', () => incidents() === 3);
    expect(total()).toBe(4);
    const window = coordinator.vitals.window('web-1');
    expect(window.reduce((n, s) => n + (s.error_seconds ?? 0), 0)).toBeGreaterThanOrEqual(1);
    for (const s of window.slice(1)) expect(s.interval_ms).toBeGreaterThanOrEqual(90);

    const host = (await client.call('ListHosts', {})).hosts[0];
    expect(host?.last_vitals).toMatchObject({ release_id: '', probed: false });
    expect(host!.last_vitals!.mem_pct).toBeGreaterThan(0);
    const status = await client.call('Status', { rollout_id: 0 });
    expect(status.vitals!.received).toBeGreaterThanOrEqual(2);
    await waitFor('all stored', async () => {
      const v = (await client!.call('Status', { rollout_id: 0 })).vitals!;
      return v.stored === v.received && v.refused === 0;
    });
    expect(await coordinator.store.vitals.count('web-1')).toBeGreaterThanOrEqual(2);
  });
});
