import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Agent } from '../agent/agent.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import { AdminClient, aCoordinator, aRelease, anAgent, aTree, deployAndWait, waitConnected } from './fixtures.js';

// A small fleet with something in every table a move must carry, and what an
// operator sees of it: for tests that back a fleet up, or move it to another
// database, and check that a coordinator on the copy shows the same.

export interface AFleet {
  coordinator: Coordinator;
  client: AdminClient;
  agents: Agent[];
  stop(): Promise<void>;
}

/**
 * aFleet starts a coordinator on data (SQLite unless database is given) with
 * two hosts sending vitals every 50 ms, pushes v1 and v2, deploys v1 to
 * completion (a finished rollout, desired changes, audit entries) and adds
 * a viewer token.
 */
export async function aFleet(dir: string, data: string, database?: string): Promise<AFleet> {
  const coordinator = await aCoordinator(data, { database });
  const client = new AdminClient(coordinator.address);
  const agents: Agent[] = [];
  for (const id of ['web-1', 'web-2']) agents.push(await anAgent(coordinator.address, join(dir, id), { id, tags: { role: 'web' }, vitalsIntervalMs: 50 }));
  await waitConnected(coordinator, 2);
  await aRelease(client, await aTree(join(dir, 'build-v1'), { 'index.html': FILES[0] }), 'v1');
  await aRelease(client, await aTree(join(dir, 'build-v2'), { 'index.html': FILES[1], 'bin/x': FILES[2] }), 'v2');
  const done = await deployAndWait(client, 'v1');
  if (done.state !== 'complete') throw new Error(`the fleet's first deploy ended ${done.state}`);
  await client.call('CreateToken', { name: 'ops', role: 'viewer', actor: 'tests' });
  return {
    coordinator,
    client,
    agents,
    async stop() {
      for (const a of agents) await a.stop();
      client.close();
      await coordinator.stop();
    },
  };
}

/** The contents of aFleet's releases' files: v1 has the first, v2 the others. */
const FILES = ['one', 'two', Buffer.from([0, 255, 10])] as const;

/** FLEET_BLOBS are the blobs aFleet's releases name, each as its hash and its contents in hex, by hash. */
export const FLEET_BLOBS: readonly { hash: string; hex: string }[] = FILES.map((f) => ({ hash: createHash('sha256').update(f).digest('hex'), hex: Buffer.from(f).toString('hex') })).sort((a, b) => a.hash.localeCompare(b.hash));

/** blobsIn lists the blobs a blob directory (DATA/blobs, --blobs) holds, as FLEET_BLOBS does. */
export async function blobsIn(dir: string): Promise<{ hash: string; hex: string }[]> {
  const out: { hash: string; hex: string }[] = [];
  for (const sub of (await readdir(dir)).filter((d) => /^[0-9a-f]{2}$/.test(d))) {
    for (const hash of await readdir(join(dir, sub))) out.push({ hash, hex: (await readFile(join(dir, sub, hash))).toString('hex') });
  }
  return out.sort((a, b) => a.hash.localeCompare(b.hash));
}

/** FleetView is what an operator sees of a fleet that survives a move: not who is connected now, nor live vitals. */
export interface FleetView {
  releases: { id: string; label: string }[];
  hosts: { id: string; tags: Record<string, string>; live: string; desired: string }[];
  history: unknown[];
  tokens: { name: string; role: string }[];
  audit: number;
}

export async function fleetView(client: AdminClient): Promise<FleetView> {
  const releases = (await client.call('ListReleases', {})).releases.map((r) => ({ id: r.id, label: r.label })).sort((a, b) => a.label.localeCompare(b.label));
  const hosts = (await client.call('ListHosts', {})).hosts.map((h) => ({ id: h.id, tags: h.tags, live: h.live_release, desired: h.desired_release })).sort((a, b) => a.id.localeCompare(b.id));
  const history = (await client.call('History', {})).changes;
  const tokens = (await client.call('ListTokens', {})).tokens.map((t) => ({ name: t.name, role: t.role }));
  const audit = Number((await client.call('Audit', { after_id: 0, limit: 1 })).head_id);
  return { releases, hosts, history, tokens, audit };
}
