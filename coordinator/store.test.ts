import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, tempDir } from '../test/fixtures.js';
import { MIGRATIONS } from './store/schema.js';
import { Store } from './store.js';

describe('Store', () => {
  let dir = '';
  afterEach(() => cleanup(dir));

  it('hands out generations per host that only grow, across reopen and past what the host reports', async () => {
    dir = await tempDir();
    const path = join(dir, 'state.db');
    let store = await Store.sqlite(path);
    expect(await store.schemaVersion()).toBe(MIGRATIONS.length);
    const seen = async (id: string, last_generation: number) =>
      await store.hosts.upsertSeen({ id, tags: {}, slot_count: 5, slots: [], live_release: '', last_generation, unsigned_allowed: false, at_ms: 0 });
    const next = async (id: string) => (await store.hosts.directAll([id], { kind: 'STAGE', release_id: '', override: null })).get(id);
    await seen('web-1', 0);
    await seen('web-2', 0);
    expect([await next('web-1'), await next('web-1')]).toEqual([1, 2]);
    await store.close();
    store = await Store.sqlite(path);
    expect(await next('web-1')).toBe(3);
    // web-2 remembers generation 40 (the database was restored from an older backup): its next is above that.
    await seen('web-2', 40);
    await seen('web-2', 7);
    expect(await next('web-2')).toBe(41);
    // A claim moves that host's counter alone.
    expect(await next('web-1')).toBe(4);
    await expect(next('nobody')).rejects.toThrow(/no host nobody/);
    await store.close();
  });

  it('reads vitals written before samples said what they cover as from an older agent: zeros', async () => {
    dir = await tempDir();
    const path = join(dir, 'state.db');
    const before = MIGRATIONS.findIndex((m) => m.includes('ADD COLUMN interval_ms'));
    const raw = new Database(path);
    for (const m of MIGRATIONS.slice(0, before)) raw.exec(m);
    raw.pragma(`user_version = ${before}`);
    raw.prepare(`INSERT INTO vitals(ts, host, release, load1, cpu, mem, errors, probed, probe_ok, probe_ms) VALUES (5000, 'web-1', 'r1', 0.5, 10, 20, 3, 0, 0, 0)`).run();
    raw.close();
    const store = await Store.sqlite(path);
    expect(await store.vitals.of('web-1', 0, 10_000)).toEqual([
      { ts_ms: 5000, release_id: 'r1', load1: 0.5, cpu_pct: 10, mem_pct: 20, error_lines: 3, probed: false, probe_ok: false, probe_latency_ms: 0, interval_ms: 0, error_incidents: 0, error_seconds: 0 },
    ]);
    await store.close();
  });

  it('refuses a database written by a newer fleetswap', async () => {
    dir = await tempDir();
    const path = join(dir, 'state.db');
    await (await Store.sqlite(path)).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    await expect(Store.sqlite(path)).rejects.toThrow(/newer than this fleetswap/);
  });
});
