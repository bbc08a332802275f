import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import { STALE_UPLOAD_MS } from '../coordinator/blobs/blob-store.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import type { BlobChunk__Output } from '../shared/gen/fleetswap/v1/BlobChunk.js';
import { channelOptions, services } from '../shared/proto.js';
import { channelCredentials } from '../shared/tls.js';
import { AdminClient, aCoordinator, aRelease, aTree, anAgent, checkLive, cleanup, deployAndWait, tempDir, waitFor } from './fixtures.js';
import { aClusterForThisFile } from './postgres.js';

// Several coordinators, one set of blobs (issue 13): what one coordinator
// was pushed, another serves, whether the blobs are in the PostgreSQL
// database they share or in a directory they all mount (--blobs).

const cluster = aClusterForThisFile();
const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let dir: string;
const coordinators: Coordinator[] = [];
const clients: AdminClient[] = [];
let agent: Agent | undefined;

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  for (const c of clients.splice(0)) c.close();
  for (const c of coordinators.splice(0)) await c.stop();
  await cleanup(dir);
});

async function start(name: string, opts: Parameters<typeof aCoordinator>[1]): Promise<{ coordinator: Coordinator; client: AdminClient }> {
  const coordinator = await aCoordinator(join(dir, name), opts);
  coordinators.push(coordinator);
  const client = new AdminClient(coordinator.address);
  clients.push(client);
  return { coordinator, client };
}

/** fetchBlobs asks a coordinator's agent service for blobs, as an agent does (plaintext: anyone may). */
async function fetchBlobs(address: string, releaseId: string, hashes: string[]): Promise<Map<string, Buffer>> {
  const c = new (services().agent)(address, channelCredentials({ insecure: true }), channelOptions);
  try {
    const parts = new Map<string, Buffer[]>();
    for await (const chunk of c.FetchBlobs({ release_id: releaseId, hashes }) as AsyncIterable<BlobChunk__Output>) {
      parts.set(chunk.hash, [...(parts.get(chunk.hash) ?? []), chunk.data]);
    }
    return new Map([...parts].map(([h, p]) => [h, Buffer.concat(p)]));
  } finally {
    c.close();
  }
}

describe('two coordinators on one PostgreSQL database', () => {
  it('a release pushed to one is served byte for byte by the other, and an agent of the other runs it', async () => {
    dir = await tempDir('fleetswap-shared-blobs-');
    const database = await cluster().aDatabase();
    const a = await start('a', { database });
    const b = await start('b', { database });
    const big = randomBytes(3.5 * MiB);
    const build = await aTree(join(dir, 'build'), { 'index.html': '<h1>shared</h1>', 'static/big.bin': big });
    const release = await aRelease(a.client, build, 'v1');
    const files = [Buffer.from('<h1>shared</h1>'), big];
    const hashes = files.map(sha);

    expect((await b.client.call('MissingBlobs', { hashes })).missing).toEqual([]);
    const served = await fetchBlobs(b.coordinator.address, release.id, hashes);
    expect(hashes.map((h) => served.get(h))).toEqual(files);

    // Only one coordinator directs hosts: the one that was pushed to goes away.
    await a.coordinator.stop();
    coordinators.splice(coordinators.indexOf(a.coordinator), 1);
    const root = join(dir, 'host');
    agent = await anAgent(b.coordinator.address, root);
    await waitFor('the host on b', async () => (await b.client.call('ListHosts', {})).hosts.some((h) => h.connected));
    expect((await deployAndWait(b.client, release.id)).state).toBe('complete');
    expect(await checkLive(root)).toBe(release.id);
    expect((await readFile(join(root, 'current', 'static', 'big.bin'))).equals(big)).toBe(true);
  });
});

describe('coordinators sharing a blobs directory (--blobs)', () => {
  it('one starting in the middle of another\'s upload discards only stale uploads; the upload completes and both see the blob', async () => {
    dir = await tempDir('fleetswap-shared-blobs-');
    const blobsDir = join(dir, 'shared-blobs');
    const a = await start('a', { blobsDir });
    // What a coordinator that crashed two hours ago left half uploaded.
    const stale = join(blobsDir, '.tmp', 'upload-crashed');
    await mkdir(stale);
    await writeFile(join(stale, 'f'.repeat(64)), 'half');
    const past = new Date(Date.now() - STALE_UPLOAD_MS - 60_000);
    await utimes(join(stale, 'f'.repeat(64)), past, past);
    await utimes(stale, past, past);

    const blob = randomBytes(3 * MiB);
    const hash = sha(blob);
    let resume!: () => void;
    const resumed = new Promise<void>((r) => (resume = r));
    // Pieces of half a MiB (an upload message may hold 1 MiB); a pause after the first 2 MiB.
    async function* chunks() {
      for (let at = 0; at < blob.length; at += MiB / 2) {
        if (at === 2 * MiB) await resumed;
        yield { hash, data: blob.subarray(at, at + MiB / 2), last: at + MiB / 2 >= blob.length };
      }
    }
    const uploading = a.client.upload(chunks());
    const inProgress = async () => {
      for (const d of await readdir(join(blobsDir, '.tmp'))) {
        if (d === 'upload-crashed') continue;
        if ((await stat(join(blobsDir, '.tmp', d, hash)).catch(() => undefined))?.size === 2 * MiB) return d;
      }
      return undefined;
    };
    const mine = await waitFor('half the blob on disk', inProgress);

    const b = await start('b', { blobsDir });
    expect((await readdir(join(blobsDir, '.tmp'))).sort()).toEqual([mine]);
    resume();
    expect(await uploading).toEqual({ blobs: 1, bytes: blob.length });
    for (const c of [a.client, b.client]) expect((await c.call('MissingBlobs', { hashes: [hash] })).missing).toEqual([]);
    expect((await readFile(join(blobsDir, hash.slice(0, 2), hash))).equals(blob)).toBe(true);
    expect(await readdir(join(blobsDir, '.tmp'))).toEqual([]);
  });
});
