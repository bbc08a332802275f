import { spawn } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../../coordinator/coordinator.js';
import { silentLogger } from '../../shared/log.js';
import { BIN, cleanup, runCli, tempDir } from '../fixtures.js';

// DATA/admin.token is an admin credential. A coordinator used to take a
// provisioned one whatever its mode (anyone on the machine who could read it
// was admin), and took an empty one as "no token", made a new one, kept its
// hash and then failed to write it: an admin token nobody holds, and every
// admin locked out for good. Now the file must be its owner's alone and hold
// one token, or the coordinator does not start (exit 2, one line), with DATA
// left as it was.

interface Start {
  /** the exit code, or 'listening' when it started (and was stopped) */
  outcome: number | 'listening';
  stderr: string;
}

/** startCoordinator runs `fleetswap coordinator` as an operator would and reports whether it started or how it exited. */
function startCoordinator(data: string): Promise<Start> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'coordinator', '--data', data, '--listen', '127.0.0.1:0', '--insecure', '--allow-unsigned'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!started && stdout.includes('coordinator listening')) {
        started = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ outcome: started ? 'listening' : (code ?? -1), stderr }));
  });
}

/** adminWorks shows a token is an admin's: token list needs the admin role. */
async function adminWorks(address: string, token: string): Promise<boolean> {
  return (await runCli(['token', 'list', '--coordinator', address], { FLEETSWAP_TOKEN: token })).code === 0;
}

describe('the admin token file', () => {
  let dir = '';
  let coordinator: Coordinator | undefined;
  afterEach(async () => {
    await coordinator?.stop();
    coordinator = undefined;
    await cleanup(dir);
  });

  const startInProcess = (data: string) => Coordinator.start({ dataDir: data, listen: '127.0.0.1:0', log: silentLogger(), signing: { allowUnsigned: true }, transport: { insecure: true } });

  it.each([
    ['others', 0o644, '0644'],
    ['the group', 0o640, '0640'],
  ])('a provisioned admin token %s can read does not start the coordinator', async (_who, mode, shown) => {
    dir = await tempDir();
    const data = join(dir, 'data');
    const file = join(data, 'admin.token');
    await mkdir(data);
    await writeFile(file, 'fst_provisioned-by-ansible\n');
    await chmod(file, mode);

    const start = await startCoordinator(data);
    expect(start.outcome).toBe(2);
    expect(start.stderr).toBe(`fleetswap: ${file} holds an admin token and its mode is ${shown}, open to group or others: chmod 600 ${file}\n`);
    // Nothing opened, nothing kept: the token is not an admin's yet.
    expect(await readdir(data)).toEqual(['admin.token']);
    expect(await readFile(file, 'utf8')).toBe('fst_provisioned-by-ansible\n');

    // What the error says to do is enough.
    await chmod(file, 0o600);
    coordinator = await startInProcess(data);
    expect(await adminWorks(coordinator.address, 'fst_provisioned-by-ansible')).toBe(true);
  });

  it('a token file that became readable by others stops the next start', async () => {
    dir = await tempDir();
    const data = join(dir, 'data');
    const file = join(data, 'admin.token');
    await (await startInProcess(data)).stop();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await chmod(file, 0o604);

    const start = await startCoordinator(data);
    expect(start.outcome).toBe(2);
    expect(start.stderr).toBe(`fleetswap: ${file} holds an admin token and its mode is 0604, open to group or others: chmod 600 ${file}\n`);
  });

  it.each([
    ['an empty', '', 'it is empty'],
    ['a blank', ' \n\t\n', 'it is empty'],
    ['a two-line', 'fst_one\nfst_two\n', 'spaces or non-ASCII in it'],
  ])('%s admin token file cannot lock every admin out', async (_what, content, why) => {
    dir = await tempDir();
    const data = join(dir, 'data');
    const file = join(data, 'admin.token');
    await mkdir(data);
    await writeFile(file, content, { mode: 0o600 });

    const start = await startCoordinator(data);
    expect(start.outcome).toBe(2);
    expect(start.stderr).toBe(`fleetswap: ${file} holds no usable admin token (${why}): write one token in it, or remove it and a new coordinator writes its own\n`);
    expect(await readdir(data)).toEqual(['admin.token']);

    // Removed, as the error says: the coordinator writes a token, and it is an admin's.
    await rm(file);
    coordinator = await startInProcess(data);
    expect(await adminWorks(coordinator.address, (await readFile(file, 'utf8')).trim())).toBe(true);
  });
});
