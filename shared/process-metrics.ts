import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's gauges that end in _total, which Prometheus keeps for
 * counters (`promtool check metrics` refuses them); each is the sum of its
 * labelled namesake (nodejs_active_handles by type, ...), which stays.
 */
const MISNAMED = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** processMetrics adds Node's process metrics (CPU, memory, event loop, GC, handles) to a registry, named as Prometheus expects. */
export function processMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED) registry.removeSingleMetric(name);
}
