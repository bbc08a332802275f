// The rollout engine lives in rollout/ (engine.ts is its front); this module
// keeps the path the rest of the coordinator imports it by.
export { RolloutEngine, type EngineOptions } from './rollout/engine.js';
export type { Clock } from './rollout/core.js';
export type { SampleSource } from './rollout/progress.js';
export type { FleetLink } from './rollout/send.js';
export { DEFAULT_DECISION_GRACE_MS, DEFAULT_STAGE_TIMEOUT_MS, DEFAULT_SWITCH_TIMEOUT_MS } from './rollout/moves.js';
