// Original file: proto/fleetswap.proto

import type { Hello as _fleetswap_v1_Hello, Hello__Output as _fleetswap_v1_Hello__Output } from '../../fleetswap/v1/Hello.js';
import type { Report as _fleetswap_v1_Report, Report__Output as _fleetswap_v1_Report__Output } from '../../fleetswap/v1/Report.js';
import type { VitalsBatch as _fleetswap_v1_VitalsBatch, VitalsBatch__Output as _fleetswap_v1_VitalsBatch__Output } from '../../fleetswap/v1/VitalsBatch.js';
import type { DriftReport as _fleetswap_v1_DriftReport, DriftReport__Output as _fleetswap_v1_DriftReport__Output } from '../../fleetswap/v1/DriftReport.js';

export interface AgentMessage {
  'hello'?: (_fleetswap_v1_Hello | null);
  'report'?: (_fleetswap_v1_Report | null);
  'vitals'?: (_fleetswap_v1_VitalsBatch | null);
  'drift'?: (_fleetswap_v1_DriftReport | null);
  'body'?: "hello"|"report"|"vitals"|"drift";
}

export interface AgentMessage__Output {
  'hello'?: (_fleetswap_v1_Hello__Output | null);
  'report'?: (_fleetswap_v1_Report__Output | null);
  'vitals'?: (_fleetswap_v1_VitalsBatch__Output | null);
  'drift'?: (_fleetswap_v1_DriftReport__Output | null);
  'body'?: "hello"|"report"|"vitals"|"drift";
}
