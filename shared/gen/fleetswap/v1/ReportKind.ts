// Original file: proto/fleetswap.proto

export const ReportKind = {
  REPORT_KIND_UNSPECIFIED: 'REPORT_KIND_UNSPECIFIED',
  /**
   * release verified in a slot, not live
   */
  STAGED: 'STAGED',
  /**
   * release live
   */
  ACTIVATED: 'ACTIVATED',
  /**
   * directive failed; live release unchanged
   */
  FAILED: 'FAILED',
  /**
   * switched, failed its health check, switched straight back
   */
  REVERTED: 'REVERTED',
  /**
   * the drifted live tree was rebuilt into a fresh slot and made live; the old one kept as evidence
   */
  REPAIRED: 'REPAIRED',
  /**
   * evidence slots removed
   */
  CLEANED: 'CLEANED',
} as const;

export type ReportKind =
  | 'REPORT_KIND_UNSPECIFIED'
  | 0
  /**
   * release verified in a slot, not live
   */
  | 'STAGED'
  | 1
  /**
   * release live
   */
  | 'ACTIVATED'
  | 2
  /**
   * directive failed; live release unchanged
   */
  | 'FAILED'
  | 3
  /**
   * switched, failed its health check, switched straight back
   */
  | 'REVERTED'
  | 4
  /**
   * the drifted live tree was rebuilt into a fresh slot and made live; the old one kept as evidence
   */
  | 'REPAIRED'
  | 5
  /**
   * evidence slots removed
   */
  | 'CLEANED'
  | 6

export type ReportKind__Output = typeof ReportKind[keyof typeof ReportKind]
