import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, tempDir } from '../test/fixtures.js';
import { MIGRATIONS } from './migrations.js';
import { Store } from './store.js';

describe('Store', () => {
  let dir = '';
  afterEach(() => cleanup(dir));

  it('hands out generations that only grow, across reopen and past what hosts report', async () => {
    dir = await tempDir();
    const path = join(dir, 'state.db');
    let store = new Store(path);
    expect(store.schemaVersion()).toBe(MIGRATIONS.length);
    expect([store.nextGeneration(), store.nextGeneration()]).toEqual([1, 2]);
    store.close();
    store = new Store(path);
    expect(store.nextGeneration()).toBe(3);
    // A host remembers generation 40 (the database was restored from an older backup).
    store.raiseGeneration(40);
    store.raiseGeneration(7);
    expect(store.nextGeneration()).toBe(41);
    store.close();
  });

  it('refuses a database written by a newer fleetswap', async () => {
    dir = await tempDir();
    const path = join(dir, 'state.db');
    new Store(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => new Store(path)).toThrow(/newer than this fleetswap/);
  });
});
