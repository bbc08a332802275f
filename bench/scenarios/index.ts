import { agentFootprintScenario } from './agent-footprint.js';
import { canaryScenario } from './canary.js';
import { connectScenario } from './connect.js';
import { dashboardScenario } from './dashboard.js';
import { deltaVsRsyncScenario } from './delta-vs-rsync.js';
import { driftScenario } from './drift.js';
import { failoverScenario } from './failover.js';
import { metricsScenario } from './metrics.js';
import { reconnectStormScenario } from './reconnect-storm.js';
import type { Scenario } from './scenario.js';
import { switchScenario } from './switch.js';
import { vitalsScenario } from './vitals.js';

export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map(
  [switchScenario, connectScenario, reconnectStormScenario, vitalsScenario, deltaVsRsyncScenario, agentFootprintScenario, canaryScenario, driftScenario, failoverScenario, metricsScenario, dashboardScenario].map((s) => [s.name, s]),
);
