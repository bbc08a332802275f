import { randomBytes } from 'node:crypto';
import { rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncPath } from '../shared/fsync.js';
import { failpoint } from '../shared/failpoints.js';
import type { Layout } from './layout.js';

/**
 * switchLive points ROOT/current at a slot with one rename(2) of a symlink
 * made under a temporary name (CONTRACT invariant 2): a reader resolving
 * `current` sees the old slot or the new one, never a missing link. The
 * fsync of ROOT makes the switch survive a power cut.
 */
export async function switchLive(layout: Layout, index: number): Promise<void> {
  const tmp = join(layout.tmp, `current-${randomBytes(6).toString('hex')}`);
  await symlink(layout.slotLinkTarget(index), tmp);
  failpoint('swap-after-symlink');
  try {
    await rename(tmp, layout.current);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  failpoint('swap-after-rename');
  await fsyncPath(layout.root);
}
