import { appendFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, tempDir } from '../test/fixtures.js';
import { ErrorLogCounter } from './error-log.js';

// The error-log follower, on real files: `tail -F` semantics.

describe('ErrorLogCounter', () => {
  let dir = '';
  let counter: ErrorLogCounter | undefined;
  afterEach(async () => {
    await counter?.close();
    await cleanup(dir);
  });

  const follow = async (pattern = /error/i) => {
    dir = await tempDir();
    const path = join(dir, 'app.log');
    counter = new ErrorLogCounter(path, pattern);
    return { path, counter };
  };

  it('counts only lines written after it started, and only matching ones', async () => {
    const { path, counter } = await follow();
    await writeFile(path, 'ERROR old\nERROR old\n');
    await counter.start();
    await appendFile(path, 'info ok\nERROR new\nerror: also\nwarn\n');
    expect(await counter.take()).toBe(2);
    expect(await counter.take()).toBe(0);
  });

  it('waits for the end of a line the app is still writing', async () => {
    const { path, counter } = await follow();
    await writeFile(path, '');
    await counter.start();
    await appendFile(path, 'ERR');
    expect(await counter.take()).toBe(0);
    await appendFile(path, 'OR half\n');
    expect(await counter.take()).toBe(1);
  });

  it('follows a file that does not exist yet', async () => {
    const { path, counter } = await follow();
    await counter.start();
    expect(await counter.take()).toBe(0);
    await writeFile(path, 'error one\nerror two\n');
    expect(await counter.take()).toBe(2);
  });

  it('survives truncation: counts what is written after it', async () => {
    const { path, counter } = await follow();
    await writeFile(path, 'error 1\nerror 2\nerror 3\n');
    await counter.start();
    await truncate(path, 0);
    await appendFile(path, 'error after truncate\n');
    expect(await counter.take()).toBe(1);
  });

  it('survives rotation: the new file is read from its start', async () => {
    const { path, counter } = await follow();
    await writeFile(path, '');
    await counter.start();
    await appendFile(path, 'error before rotation\n');
    expect(await counter.take()).toBe(1);
    await rename(path, `${path}.1`);
    await writeFile(path, 'error in the new file\nerror again\n');
    expect(await counter.take()).toBe(2);
  });

  it('counts promptly from file events, not only when asked', async () => {
    const { path, counter } = await follow();
    await writeFile(path, '');
    await counter.start();
    await appendFile(path, 'error a\n');
    // chokidar's change event reads the line; the file then changes under a name it no longer has.
    await new Promise((r) => setTimeout(r, 300));
    await rename(path, `${path}.old`);
    expect(await counter.take()).toBe(1);
  });
});
