import { Agent } from '../../agent/agent.js';
import type { MetricsSource } from '../../agent/vitals.js';
import { silentLogger } from '../../shared/log.js';
import { now, type FromWorker, type ToWorker } from './protocol.js';

// A fleet worker: hosts its share of the simulated fleet's agents in one
// process, each agent with its own root and its own gRPC channel, and tells
// the benchmark (its parent) when each connects and reports.

const agents: Agent[] = [];
const send = (m: FromWorker) => process.send?.(m);

process.on('message', (m: ToWorker) => {
  void handle(m).catch((err: unknown) => {
    process.stderr.write(`bench worker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
});

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'start':
      for (const h of m.hosts) {
        const agent = new Agent({
          id: h.id,
          root: h.root,
          coordinator: m.coordinator,
          tags: { role: 'web' },
          log: silentLogger(),
          backoff: m.backoff,
          vitalsIntervalMs: m.vitalsIntervalMs,
          metrics: syntheticMetrics(),
          // Off unless a scenario is about drift: a thousand file watchers would measure inotify, not the rollout path.
          driftWatch: m.driftWatch ?? false,
          // The simulator pushes unsigned releases: what it measures is the same either way.
          allowUnsigned: true,
          // Plaintext on loopback: TLS would measure the handshake of a thousand streams, not the rollout path.
          transport: { insecure: true },
          verifyIntervalMs: m.verifyIntervalMs,
        });
        agent.onConnected = () => send({ type: 'connected', host: h.id, at: now() });
        agent.onDirectiveDone = (report) => send({ type: 'report', host: h.id, at: now(), report });
        agent.onDirective = () => send({ type: 'directive', host: h.id, at: now() });
        agents.push(agent);
      }
      await Promise.all(agents.map((a) => a.start()));
      send({ type: 'started' });
      return;
    case 'live':
      send({ type: 'live', releases: agents.map((a) => a.liveRelease()) });
      return;
    case 'quiet': {
      const totals = { taken: 0, sent: 0, dropped: 0 };
      for (const a of agents) {
        const s = a.stopVitals();
        totals.taken += s.taken;
        totals.sent += s.sent;
        totals.dropped += s.dropped;
      }
      send({ type: 'quiet', ...totals });
      return;
    }
    case 'stop':
      await Promise.all(agents.map((a) => a.stop()));
      send({ type: 'stopped' });
      process.disconnect();
      return;
  }
}

/**
 * syntheticMetrics stands in for systeminformation: a thousand agents in a
 * few processes reading the same real host would measure the benchmark, not
 * a fleet. Values wander around plausible levels, per agent.
 */
function syntheticMetrics(): MetricsSource {
  let load = 0.5 + Math.random();
  return {
    read: async () => {
      load = Math.max(0, load + (Math.random() - 0.5) * 0.1);
      return { load1: load, cpu_pct: 20 + Math.random() * 30, mem_pct: 40 + Math.random() * 10 };
    },
  };
}
