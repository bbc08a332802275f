// Original file: proto/fleetswap.proto


export interface CohortVitals {
  /**
   * canary | baseline
   */
  'cohort'?: (string);
  'hosts'?: (number);
  'reporting'?: (number);
  'samples'?: (number);
  'load1'?: (number | string);
  'cpu_pct'?: (number | string);
  'mem_pct'?: (number | string);
  /**
   * per host
   */
  'errors_per_min'?: (number | string);
  'probe_ms'?: (number | string);
  'probe_failures'?: (number);
}

export interface CohortVitals__Output {
  /**
   * canary | baseline
   */
  'cohort': (string);
  'hosts': (number);
  'reporting': (number);
  'samples': (number);
  'load1': (number);
  'cpu_pct': (number);
  'mem_pct': (number);
  /**
   * per host
   */
  'errors_per_min': (number);
  'probe_ms': (number);
  'probe_failures': (number);
}
