// Original file: proto/fleetswap.proto

export const DirectiveKind = {
  DIRECTIVE_KIND_UNSPECIFIED: 'DIRECTIVE_KIND_UNSPECIFIED',
  /**
   * put release_id into a slot, verified; do not switch
   */
  STAGE: 'STAGE',
  /**
   * make release_id live (staging it first if needed)
   */
  ACTIVATE: 'ACTIVATE',
  /**
   * rebuild release_id into a fresh slot, verified, and make it live; keep the drifted slot as evidence
   */
  REPAIR: 'REPAIR',
  /**
   * remove the evidence slots
   */
  CLEAN: 'CLEAN',
} as const;

export type DirectiveKind =
  | 'DIRECTIVE_KIND_UNSPECIFIED'
  | 0
  /**
   * put release_id into a slot, verified; do not switch
   */
  | 'STAGE'
  | 1
  /**
   * make release_id live (staging it first if needed)
   */
  | 'ACTIVATE'
  | 2
  /**
   * rebuild release_id into a fresh slot, verified, and make it live; keep the drifted slot as evidence
   */
  | 'REPAIR'
  | 3
  /**
   * remove the evidence slots
   */
  | 'CLEAN'
  | 4

export type DirectiveKind__Output = typeof DirectiveKind[keyof typeof DirectiveKind]
