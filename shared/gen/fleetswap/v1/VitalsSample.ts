// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

/**
 * VitalsSample is one host's health over one interval.
 */
export interface VitalsSample {
  /**
   * end of the interval, host clock
   */
  'ts_ms'?: (number | string | Long);
  /**
   * live release while it was taken
   */
  'release_id'?: (string);
  /**
   * 1-minute load average
   */
  'load1'?: (number | string);
  /**
   * CPU busy, 0-100
   */
  'cpu_pct'?: (number | string);
  /**
   * memory in use, 0-100
   */
  'mem_pct'?: (number | string);
  /**
   * new error-log lines matching the pattern
   */
  'error_lines'?: (number);
  /**
   * a health probe ran (probe_* meaningful)
   */
  'probed'?: (boolean);
  'probe_ok'?: (boolean);
  'probe_latency_ms'?: (number | string);
  /**
   * the time this sample covers (since the previous sample was taken), ms
   */
  'interval_ms'?: (number);
  /**
   * error incidents that started in the interval (a multi-line stack trace is one)
   */
  'error_incidents'?: (number);
  /**
   * distinct whole seconds of the host clock, within the interval, in which an incident started
   */
  'error_seconds'?: (number);
}

/**
 * VitalsSample is one host's health over one interval.
 */
export interface VitalsSample__Output {
  /**
   * end of the interval, host clock
   */
  'ts_ms': (number);
  /**
   * live release while it was taken
   */
  'release_id': (string);
  /**
   * 1-minute load average
   */
  'load1': (number);
  /**
   * CPU busy, 0-100
   */
  'cpu_pct': (number);
  /**
   * memory in use, 0-100
   */
  'mem_pct': (number);
  /**
   * new error-log lines matching the pattern
   */
  'error_lines': (number);
  /**
   * a health probe ran (probe_* meaningful)
   */
  'probed': (boolean);
  'probe_ok': (boolean);
  'probe_latency_ms': (number);
  /**
   * the time this sample covers (since the previous sample was taken), ms
   */
  'interval_ms': (number);
  /**
   * error incidents that started in the interval (a multi-line stack trace is one)
   */
  'error_incidents': (number);
  /**
   * distinct whole seconds of the host clock, within the interval, in which an incident started
   */
  'error_seconds': (number);
}
