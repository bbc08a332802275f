/**
 * AGENT_DEFAULTS is what an agent does when it is not told otherwise. The
 * Agent, its drift watcher and `fleetswap agent --help` all read it, so the
 * help cannot promise one thing while the agent does another. It imports
 * nothing: the CLI loads it for help text without loading the agent.
 */
export const AGENT_DEFAULTS = {
  /** Slot directories: one live, one previous for instant rollback, the rest to stage into. */
  slots: 5,
  /** How long the health probe after a switch (and each vitals probe) may take. */
  healthTimeoutMs: 10_000,
  /** How long the reload command after a switch may run. */
  reloadTimeoutMs: 60_000,
  /** How often vitals are sampled and sent. */
  vitalsIntervalMs: 1_000,
  /** What starts an error incident in the app's error log (its stack trace joins it). */
  errorPattern: /error|fatal|exception/i,
  /** An error incident with no new line for this long is over. */
  incidentGapMs: 1_000,
  /** How often the whole live tree is verified against its manifest (file events are watched regardless). */
  verifyIntervalMs: 10 * 60_000,
} as const;
