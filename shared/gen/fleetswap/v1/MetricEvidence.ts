// Original file: proto/fleetswap.proto


/**
 * MetricEvidence is one test behind a verdict: canary against the baseline
 * cohort over the same minutes, or against the canaries' own minutes before
 * the switch.
 */
export interface MetricEvidence {
  /**
   * errors | load1 | cpu_pct | probe_ms
   */
  'metric'?: (string);
  /**
   * baseline | before
   */
  'versus'?: (string);
  /**
   * errors: seconds with an error per host-minute; others: median per-host change (or level)
   */
  'canary'?: (number | string);
  'base'?: (number | string);
  /**
   * errors: rate ratio; others: canary minus base
   */
  'effect'?: (number | string);
  /**
   * errors: log likelihood ratio; others: Mann-Whitney z (baseline) or hosts above the tolerance (before)
   */
  'statistic'?: (number | string);
  /**
   * anytime-valid p-value
   */
  'p'?: (number | string);
  /**
   * p at or below which this test fails (its alpha_share while it can decide, 0 when only shown)
   */
  'threshold'?: (number | string);
  /**
   * ok | fail | no-data
   */
  'outcome'?: (string);
  'detail'?: (string);
  /**
   * this test's part of the phase's alpha (e.g. 0.008 of 0.01), declared when the phase started; 0: never decisive
   */
  'alpha_share'?: (number | string);
  /**
   * the change the test must rule out before it fails: errors, a rate ratio (its null); others, an amount
   */
  'tolerance'?: (number | string);
  /**
   * What canary and base measure, in words for operators ("error lines per
   * host-min", "CPU %"); it begins "change in " when both are changes from
   * each host's own past ("change in CPU % since own past"). Empty from an
   * older coordinator.
   */
  'unit'?: (string);
}

/**
 * MetricEvidence is one test behind a verdict: canary against the baseline
 * cohort over the same minutes, or against the canaries' own minutes before
 * the switch.
 */
export interface MetricEvidence__Output {
  /**
   * errors | load1 | cpu_pct | probe_ms
   */
  'metric': (string);
  /**
   * baseline | before
   */
  'versus': (string);
  /**
   * errors: seconds with an error per host-minute; others: median per-host change (or level)
   */
  'canary': (number);
  'base': (number);
  /**
   * errors: rate ratio; others: canary minus base
   */
  'effect': (number);
  /**
   * errors: log likelihood ratio; others: Mann-Whitney z (baseline) or hosts above the tolerance (before)
   */
  'statistic': (number);
  /**
   * anytime-valid p-value
   */
  'p': (number);
  /**
   * p at or below which this test fails (its alpha_share while it can decide, 0 when only shown)
   */
  'threshold': (number);
  /**
   * ok | fail | no-data
   */
  'outcome': (string);
  'detail': (string);
  /**
   * this test's part of the phase's alpha (e.g. 0.008 of 0.01), declared when the phase started; 0: never decisive
   */
  'alpha_share': (number);
  /**
   * the change the test must rule out before it fails: errors, a rate ratio (its null); others, an amount
   */
  'tolerance': (number);
  /**
   * What canary and base measure, in words for operators ("error lines per
   * host-min", "CPU %"); it begins "change in " when both are changes from
   * each host's own past ("change in CPU % since own past"). Empty from an
   * older coordinator.
   */
  'unit': (string);
}
