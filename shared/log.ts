import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * createLogger writes one JSON object a line. Daemons log to stdout (the
 * journal under systemd); `level` silent is for in-process fleets in tests
 * and the benchmark.
 */
export function createLogger(component: string, level: string = process.env.FLEETSWAP_LOG_LEVEL ?? 'info', dest = 1): Logger {
  return pino(
    { level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ fd: dest, sync: true }),
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
