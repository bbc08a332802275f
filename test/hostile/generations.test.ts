import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../../agent/agent.js';
import type { Coordinator } from '../../coordinator/coordinator.js';
import { MAX_GENERATION } from '../../shared/generation.js';
import { AdminClient, aCoordinator, collect, aRelease, aTree, anAgent, checkLive, cleanup, deployAndWait, freePort, tempDir, waitConnected, waitFor } from '../fixtures.js';
import { backUp } from '../database.js';
import { AgentStream, aHello } from './agent-stream.js';
import { aTlsFleet, type TlsFleet } from './tls-fleet.js';

// Directive generations: what a host claims moves its own counter at most,
// within bounds, and is audited; it can never make the fleet ignore directives.

describe('attack: one host claims a huge directive generation', () => {
  let fleet: TlsFleet;
  afterEach(() => fleet?.stop());

  it('a claim past what any coordinator issues is refused; a large one moves only that host, and is audited', async () => {
    fleet = await aTlsFleet();
    const admin = fleet.admin();
    await aRelease(admin, await aTree(join(fleet.dir, 'b1'), { 'index.html': 'v1' }), 'v1');
    await fleet.anAgent('web-1');
    await waitConnected(fleet.coordinator, 1);

    // The attack of record: 2^53 - 1, after which main ignored every later directive fleet-wide.
    const evil = new AgentStream(await fleet.agentClient('evil'));
    evil.send(aHello('evil', { last_generation: Number.MAX_SAFE_INTEGER }));
    const refused = await evil.ended;
    expect(refused?.details).toBe(`generation ${Number.MAX_SAFE_INTEGER} is not a directive generation: the agent's state is corrupt or forged`);
    expect(await fleet.coordinator.store.hosts.get('evil')).toBeUndefined();

    // Within bounds but beyond anything issued: accepted for that host alone, and audited.
    const claim = MAX_GENERATION - 10;
    const bold = new AgentStream(await fleet.agentClient('evil'));
    bold.send(aHello('evil', { last_generation: claim }));
    await waitFor('evil accepted', () => bold.accepted);
    const audit = (await collect(fleet.coordinator.audit.entries())).filter((e) => e.action === 'generation-claim');
    expect(audit.map((e) => [e.actor, e.reason])).toEqual([['host:evil', `claims generation ${claim}, beyond the 0 issued to it (a coordinator restored from a backup, or a forged claim)`]]);

    // The rest of the fleet is directed as before: web-1 takes v1, with its own small generations.
    bold.close();
    await waitFor('evil gone', () => !fleet.coordinator.fleet.isConnected('evil'));
    const r = await deployAndWait(admin, 'v1', { skip_offline: true });
    expect(r.hosts.find((h) => h.host_id === 'web-1')?.switch).toBe('done');
    expect((await fleet.coordinator.store.hosts.get('web-1'))?.directive_generation).toBeLessThan(10);
    const status = await admin.call('Status', { rollout_id: 0 });
    expect(status.refusals['generation-claim']).toBe(1);
    expect(status.refusals['hello-refused']).toBe(1);
  });

  it('a stream that closes while its hello is being recorded leaves no host connected: the host can come back', async () => {
    fleet = await aTlsFleet();
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // A transaction held open: the hello's own waits behind it, as behind a slow database.
    let release: (() => void) | undefined;
    const held = fleet.coordinator.store.tx(() => new Promise<void>((r) => (release = r)));
    const s = new AgentStream(await fleet.agentClient('web-1'));
    s.send(aHello('web-1'));
    await pause(200);
    s.close();
    await pause(200);
    release?.();
    await held;
    await waitFor('the hello recorded', async () => (await fleet.coordinator.store.hosts.get('web-1')) !== undefined);
    await pause(200);
    expect(fleet.coordinator.fleet.isConnected('web-1')).toBe(false);
    const again = new AgentStream(await fleet.agentClient('web-1'));
    again.send(aHello('web-1'));
    await waitFor('web-1 accepted again', () => again.accepted);
    again.close();
  });

  it('a report for a generation never issued is refused and changes nothing', async () => {
    fleet = await aTlsFleet();
    const s = new AgentStream(await fleet.agentClient('web-9'));
    s.send(aHello('web-9'));
    await waitFor('accepted', () => s.accepted);
    s.send({ report: { generation: 500, kind: 'ACTIVATED', release_id: 'a'.repeat(64), error_code: '', error: '', stats: null, live_release: 'a'.repeat(64), slots: [] } });
    expect((await s.ended)?.details).toBe('report for generation 500, which was never issued to web-9 (newest 0)');
    expect((await fleet.coordinator.store.hosts.get('web-9'))?.live_release).toBe('');
    expect((await collect(fleet.coordinator.audit.entries())).some((e) => e.actor === 'host:web-9' && e.action === 'switched')).toBe(false);
  });
});

describe('a coordinator restored from an older backup', () => {
  let dir = '';
  let coordinator: Coordinator | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    await agent?.stop();
    await coordinator?.stop();
    await cleanup(dir);
  });

  it('still reaches a host that remembers newer directives', async () => {
    dir = await tempDir();
    const listen = `127.0.0.1:${await freePort()}`;
    const data = join(dir, 'data');
    coordinator = await aCoordinator(data, { listen });
    let admin = new AdminClient(coordinator.address);
    await aRelease(admin, await aTree(join(dir, 'b1'), { 'index.html': 'v1' }), 'v1');
    agent = await anAgent(coordinator.address, join(dir, 'web-1'), { id: 'web-1' });
    await waitConnected(coordinator, 1);
    await deployAndWait(admin, 'v1');
    // The backup is taken here; the coordinator goes on directing web-1.
    await coordinator.stop();
    await backUp(data, join(dir, 'backup'));
    coordinator = await aCoordinator(data, { listen });
    admin = new AdminClient(coordinator.address);
    await aRelease(admin, await aTree(join(dir, 'b2'), { 'index.html': 'v2' }), 'v2');
    await waitConnected(coordinator, 1);
    await deployAndWait(admin, 'v2');
    await deployAndWait(admin, 'v1');
    const remembered = agent.lastGeneration();
    await coordinator.stop();

    // Restored: the database knows less than web-1 remembers.
    coordinator = await aCoordinator(join(dir, 'backup'), { listen });
    admin = new AdminClient(coordinator.address);
    await waitConnected(coordinator, 1);
    expect((await coordinator.store.hosts.get('web-1'))!.directive_generation).toBeLessThan(remembered);
    const v3 = await aRelease(admin, await aTree(join(dir, 'b3'), { 'index.html': 'v3' }), 'v3');
    expect((await deployAndWait(admin, 'v3')).state).toBe('complete');
    expect(await checkLive(join(dir, 'web-1'))).toBe(v3.id);
    expect(agent.lastGeneration()).toBeGreaterThan(remembered);
    expect((await collect(coordinator.audit.entries())).some((e) => e.action === 'generation-claim' && e.actor === 'host:web-1')).toBe(true);
  });
});
