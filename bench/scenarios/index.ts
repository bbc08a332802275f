import type { Scenario } from './scenario.js';
import { switchScenario } from './switch.js';

export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map([[switchScenario.name, switchScenario]]);
