import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import { coordinatorSource } from '../agent/coordinator-source.js';
import type { ContentSource } from '../agent/stager.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import { channelOptions, services } from '../shared/proto.js';
import { AdminClient, aCoordinator, aRelease, aTree, anAgent, checkLive, cleanup, deployAndWait, tempDir } from './fixtures.js';

// Bytes that go bad on the way (CONTRACT invariant 4): caught by their hash,
// never staged, fetched again; a manifest that does not hash to its release
// id is refused and the host stays as it was.

type Tamper = { blobs?: number; manifest?: boolean };

/** tampering wraps the real coordinator source and flips bytes as told. */
function tampering(address: string, tamper: Tamper): { source: ContentSource; close: () => void } {
  const client = new (services().agent)(address, grpc.credentials.createInsecure(), channelOptions);
  const real = coordinatorSource(() => ({ client, target: address }));
  let blobsLeft = tamper.blobs ?? 0;
  return {
    close: () => client.close(),
    source: {
      async manifest(id, have) {
        const reply = await real.manifest(id, have);
        if (!tamper.manifest) return reply;
        // Whichever form came (a delta or the whole manifest), change one byte's worth of it.
        const spoil = (b: Buffer) => Buffer.from(b.toString().replace('"owner":"tests"', '"owner":"evil!"'));
        return { ...reply, manifest: spoil(reply.manifest), delta: spoil(reply.delta) };
      },
      async *blobs(releaseId, hashes, signal) {
        for await (const chunk of real.blobs(releaseId, hashes, signal)) {
          if (blobsLeft > 0 && chunk.data.length > 0) {
            blobsLeft--;
            const bad = Buffer.from(chunk.data);
            bad[0] = (bad[0] as number) ^ 0xff;
            yield { ...chunk, data: bad };
          } else {
            yield chunk;
          }
        }
      },
    },
  };
}

describe('corrupted content on the way to a host', () => {
  let coordinator: Coordinator | undefined;
  let client: AdminClient | undefined;
  let agent: Agent | undefined;
  let close = () => {};
  let dir = '';

  afterEach(async () => {
    await agent?.stop();
    close();
    client?.close();
    await coordinator?.stop();
    await cleanup(dir);
  });

  const setup = async (tamper: Tamper) => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    client = new AdminClient(coordinator.address);
    const t = tampering(coordinator.address, {});
    agent = await anAgent(coordinator.address, join(dir, 'host'), { source: t.source });
    const v1 = await aRelease(client, await aTree(join(dir, 'b1'), { 'a.txt': 'one', 'b.txt': 'bee' }), 'v1');
    expect((await deployAndWait(client, 'v1')).state).toBe('complete');
    await agent.stop();
    t.close();
    const bad = tampering(coordinator.address, tamper);
    close = bad.close;
    agent = await anAgent(coordinator.address, join(dir, 'host'), { source: bad.source });
    const v2 = await aRelease(client, await aTree(join(dir, 'b2'), { 'a.txt': 'two', 'b.txt': 'bee' }), 'v2');
    return { v1, v2 };
  };

  it('a blob corrupted once is caught by its hash and fetched again', async () => {
    const { v2 } = await setup({ blobs: 1 });
    const r = await deployAndWait(client!, 'v2');
    expect(r.state, r.message).toBe('complete');
    expect(await checkLive(join(dir, 'host'))).toBe(v2.id);
    // The changed 3-byte file crossed the wire twice: once bad, once good.
    expect(r.hosts[0]?.stats).toMatchObject({ blobs_fetched: 1, bytes_fetched: 6 });
  });

  it('a blob that keeps arriving corrupted fails staging; nothing switches', async () => {
    const { v1 } = await setup({ blobs: 1000 });
    const r = await deployAndWait(client!, 'v2');
    expect(r.state).toBe('failed');
    expect(r.hosts[0]?.error).toMatch(/HASH_MISMATCH: blob .* did not match its hash in 3 fetches/);
    expect(await checkLive(join(dir, 'host'))).toBe(v1.id);
  });

  it('a manifest that does not hash to the release id is refused; nothing switches', async () => {
    const { v1 } = await setup({ manifest: true });
    const r = await deployAndWait(client!, 'v2');
    expect(r.state).toBe('failed');
    expect(r.hosts[0]?.error).toMatch(/HASH_MISMATCH: manifest does not match release id/);
    expect(await checkLive(join(dir, 'host'))).toBe(v1.id);
  });
});
