import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, tempDir } from '../test/fixtures.js';
import { Layout } from './layout.js';
import { Slots } from './slots.js';

// The ring of slots (CONTRACT invariant 3): never stage into the live slot or
// the previous release's slot, reuse the oldest, discard what is incomplete.

const id = (n: number) => String(n).repeat(64).slice(0, 64).replace(/[^0-9a-f]/g, 'a');

async function stageInto(layout: Layout, slots: Slots, releaseId: string): Promise<number> {
  const dir = join(layout.tmp, `t-${releaseId.slice(0, 4)}-${Math.random()}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.html'), releaseId);
  await writeFile(layout.manifest(releaseId), '{}');
  const index = slots.pickVictim();
  await slots.commit(index, dir, releaseId);
  return index;
}

describe('Slots', () => {
  let dir = '';
  afterEach(() => cleanup(dir));

  const fresh = async (count = 3) => {
    dir = await tempDir();
    const layout = new Layout(dir);
    await mkdir(layout.tmp, { recursive: true });
    const slots = new Slots(layout, count, Date.now);
    await slots.load();
    return { layout, slots };
  };

  it('refuses fewer than three slots: live, previous and one to stage into', async () => {
    dir = await tempDir();
    expect(() => new Slots(new Layout(dir), 2, Date.now)).toThrow(/--slots must be 3-64/);
  });

  it('never reuses the live or the previous slot, and reuses the oldest other', async () => {
    const { layout, slots } = await fresh(3);
    const used: number[] = [];
    for (let n = 1; n <= 6; n++) {
      const live = slots.liveIndex();
      const previous = slots.previousIndex();
      const index = await stageInto(layout, slots, id(n));
      expect(index).not.toBe(live);
      expect(index).not.toBe(previous);
      used.push(index);
      await slots.markLive(index);
    }
    // With three slots the ring cycles through all of them in order.
    expect(used).toEqual([0, 1, 2, 0, 1, 2]);
    expect(slots.find(id(6))).toBe(2);
    expect(slots.find(id(5))).toBe(1);
    expect(slots.find(id(3))).toBeUndefined();
  });

  it('stages into a slot that was staged but never live', async () => {
    const { layout, slots } = await fresh(3);
    await stageInto(layout, slots, id(1));
    await slots.markLive(0);
    await stageInto(layout, slots, id(2));
    await slots.markLive(1);
    // A staged-but-never-live slot is fair game; live and previous are not.
    expect(slots.pickVictim()).toBe(2);
  });

  it('discards slots without a completion mark on load, but never the live one', async () => {
    const { layout, slots } = await fresh(4);
    await stageInto(layout, slots, id(1));
    await slots.markLive(0);
    // A crash left slot 2 half-written (no meta), and someone pointed current at slot 3 by hand.
    await mkdir(layout.slot(2), { recursive: true });
    await writeFile(join(layout.slot(2), 'half'), 'x');
    await mkdir(layout.slot(3), { recursive: true });
    await rm(layout.current, { force: true });
    await symlink('slots/3', layout.current);
    const reloaded = new Slots(layout, 4, Date.now);
    await reloaded.load();
    expect(reloaded.info()).toEqual([{ index: 0, release_id: id(1) }]);
    expect((await readdir(layout.slotsDir)).sort()).toEqual(['0', '3']);
    expect(reloaded.liveIndex()).toBe(3);
    expect(reloaded.liveRelease()).toBe('');
  });
});
