// Original file: proto/fleetswap.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AddNotifyRequest as _fleetswap_v1_AddNotifyRequest, AddNotifyRequest__Output as _fleetswap_v1_AddNotifyRequest__Output } from '../../fleetswap/v1/AddNotifyRequest.js';
import type { AuditReply as _fleetswap_v1_AuditReply, AuditReply__Output as _fleetswap_v1_AuditReply__Output } from '../../fleetswap/v1/AuditReply.js';
import type { AuditRequest as _fleetswap_v1_AuditRequest, AuditRequest__Output as _fleetswap_v1_AuditRequest__Output } from '../../fleetswap/v1/AuditRequest.js';
import type { BlobChunk as _fleetswap_v1_BlobChunk, BlobChunk__Output as _fleetswap_v1_BlobChunk__Output } from '../../fleetswap/v1/BlobChunk.js';
import type { CreateTokenReply as _fleetswap_v1_CreateTokenReply, CreateTokenReply__Output as _fleetswap_v1_CreateTokenReply__Output } from '../../fleetswap/v1/CreateTokenReply.js';
import type { CreateTokenRequest as _fleetswap_v1_CreateTokenRequest, CreateTokenRequest__Output as _fleetswap_v1_CreateTokenRequest__Output } from '../../fleetswap/v1/CreateTokenRequest.js';
import type { DeployReply as _fleetswap_v1_DeployReply, DeployReply__Output as _fleetswap_v1_DeployReply__Output } from '../../fleetswap/v1/DeployReply.js';
import type { DeployRequest as _fleetswap_v1_DeployRequest, DeployRequest__Output as _fleetswap_v1_DeployRequest__Output } from '../../fleetswap/v1/DeployRequest.js';
import type { DriftCleanRequest as _fleetswap_v1_DriftCleanRequest, DriftCleanRequest__Output as _fleetswap_v1_DriftCleanRequest__Output } from '../../fleetswap/v1/DriftCleanRequest.js';
import type { DriftPolicies as _fleetswap_v1_DriftPolicies, DriftPolicies__Output as _fleetswap_v1_DriftPolicies__Output } from '../../fleetswap/v1/DriftPolicies.js';
import type { DriftPolicyRequest as _fleetswap_v1_DriftPolicyRequest, DriftPolicyRequest__Output as _fleetswap_v1_DriftPolicyRequest__Output } from '../../fleetswap/v1/DriftPolicyRequest.js';
import type { DriftReportReply as _fleetswap_v1_DriftReportReply, DriftReportReply__Output as _fleetswap_v1_DriftReportReply__Output } from '../../fleetswap/v1/DriftReportReply.js';
import type { Empty as _fleetswap_v1_Empty, Empty__Output as _fleetswap_v1_Empty__Output } from '../../fleetswap/v1/Empty.js';
import type { EventsReply as _fleetswap_v1_EventsReply, EventsReply__Output as _fleetswap_v1_EventsReply__Output } from '../../fleetswap/v1/EventsReply.js';
import type { EventsRequest as _fleetswap_v1_EventsRequest, EventsRequest__Output as _fleetswap_v1_EventsRequest__Output } from '../../fleetswap/v1/EventsRequest.js';
import type { HaltRequest as _fleetswap_v1_HaltRequest, HaltRequest__Output as _fleetswap_v1_HaltRequest__Output } from '../../fleetswap/v1/HaltRequest.js';
import type { HaltState as _fleetswap_v1_HaltState, HaltState__Output as _fleetswap_v1_HaltState__Output } from '../../fleetswap/v1/HaltState.js';
import type { HistoryReply as _fleetswap_v1_HistoryReply, HistoryReply__Output as _fleetswap_v1_HistoryReply__Output } from '../../fleetswap/v1/HistoryReply.js';
import type { ListHostsReply as _fleetswap_v1_ListHostsReply, ListHostsReply__Output as _fleetswap_v1_ListHostsReply__Output } from '../../fleetswap/v1/ListHostsReply.js';
import type { ListNotifyReply as _fleetswap_v1_ListNotifyReply, ListNotifyReply__Output as _fleetswap_v1_ListNotifyReply__Output } from '../../fleetswap/v1/ListNotifyReply.js';
import type { ListReleasesReply as _fleetswap_v1_ListReleasesReply, ListReleasesReply__Output as _fleetswap_v1_ListReleasesReply__Output } from '../../fleetswap/v1/ListReleasesReply.js';
import type { ListTokensReply as _fleetswap_v1_ListTokensReply, ListTokensReply__Output as _fleetswap_v1_ListTokensReply__Output } from '../../fleetswap/v1/ListTokensReply.js';
import type { MissingBlobsReply as _fleetswap_v1_MissingBlobsReply, MissingBlobsReply__Output as _fleetswap_v1_MissingBlobsReply__Output } from '../../fleetswap/v1/MissingBlobsReply.js';
import type { MissingBlobsRequest as _fleetswap_v1_MissingBlobsRequest, MissingBlobsRequest__Output as _fleetswap_v1_MissingBlobsRequest__Output } from '../../fleetswap/v1/MissingBlobsRequest.js';
import type { NotifyNameRequest as _fleetswap_v1_NotifyNameRequest, NotifyNameRequest__Output as _fleetswap_v1_NotifyNameRequest__Output } from '../../fleetswap/v1/NotifyNameRequest.js';
import type { NotifyReceiver as _fleetswap_v1_NotifyReceiver, NotifyReceiver__Output as _fleetswap_v1_NotifyReceiver__Output } from '../../fleetswap/v1/NotifyReceiver.js';
import type { RegisterReleaseReply as _fleetswap_v1_RegisterReleaseReply, RegisterReleaseReply__Output as _fleetswap_v1_RegisterReleaseReply__Output } from '../../fleetswap/v1/RegisterReleaseReply.js';
import type { RegisterReleaseRequest as _fleetswap_v1_RegisterReleaseRequest, RegisterReleaseRequest__Output as _fleetswap_v1_RegisterReleaseRequest__Output } from '../../fleetswap/v1/RegisterReleaseRequest.js';
import type { RevokeTokenRequest as _fleetswap_v1_RevokeTokenRequest, RevokeTokenRequest__Output as _fleetswap_v1_RevokeTokenRequest__Output } from '../../fleetswap/v1/RevokeTokenRequest.js';
import type { RollbackReply as _fleetswap_v1_RollbackReply, RollbackReply__Output as _fleetswap_v1_RollbackReply__Output } from '../../fleetswap/v1/RollbackReply.js';
import type { RollbackRequest as _fleetswap_v1_RollbackRequest, RollbackRequest__Output as _fleetswap_v1_RollbackRequest__Output } from '../../fleetswap/v1/RollbackRequest.js';
import type { RolloutAction as _fleetswap_v1_RolloutAction, RolloutAction__Output as _fleetswap_v1_RolloutAction__Output } from '../../fleetswap/v1/RolloutAction.js';
import type { RolloutReply as _fleetswap_v1_RolloutReply, RolloutReply__Output as _fleetswap_v1_RolloutReply__Output } from '../../fleetswap/v1/RolloutReply.js';
import type { StatusReply as _fleetswap_v1_StatusReply, StatusReply__Output as _fleetswap_v1_StatusReply__Output } from '../../fleetswap/v1/StatusReply.js';
import type { StatusRequest as _fleetswap_v1_StatusRequest, StatusRequest__Output as _fleetswap_v1_StatusRequest__Output } from '../../fleetswap/v1/StatusRequest.js';
import type { TestNotifyReply as _fleetswap_v1_TestNotifyReply, TestNotifyReply__Output as _fleetswap_v1_TestNotifyReply__Output } from '../../fleetswap/v1/TestNotifyReply.js';
import type { UploadBlobsReply as _fleetswap_v1_UploadBlobsReply, UploadBlobsReply__Output as _fleetswap_v1_UploadBlobsReply__Output } from '../../fleetswap/v1/UploadBlobsReply.js';

/**
 * AdminService is what the fleetswap CLI calls.
 */
export interface AdminServiceClient extends grpc.Client {
  Abort(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  Abort(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  Abort(argument: _fleetswap_v1_RolloutAction, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  Abort(argument: _fleetswap_v1_RolloutAction, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  abort(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  abort(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  abort(argument: _fleetswap_v1_RolloutAction, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  abort(argument: _fleetswap_v1_RolloutAction, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  
  AddNotify(argument: _fleetswap_v1_AddNotifyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_NotifyReceiver__Output>): grpc.ClientUnaryCall;
  AddNotify(argument: _fleetswap_v1_AddNotifyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_NotifyReceiver__Output>): grpc.ClientUnaryCall;
  AddNotify(argument: _fleetswap_v1_AddNotifyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_NotifyReceiver__Output>): grpc.ClientUnaryCall;
  AddNotify(argument: _fleetswap_v1_AddNotifyRequest, callback: grpc.requestCallback<_fleetswap_v1_NotifyReceiver__Output>): grpc.ClientUnaryCall;
  addNotify(argument: _fleetswap_v1_AddNotifyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_NotifyReceiver__Output>): grpc.ClientUnaryCall;
  addNotify(argument: _fleetswap_v1_AddNotifyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_NotifyReceiver__Output>): grpc.ClientUnaryCall;
  addNotify(argument: _fleetswap_v1_AddNotifyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_NotifyReceiver__Output>): grpc.ClientUnaryCall;
  addNotify(argument: _fleetswap_v1_AddNotifyRequest, callback: grpc.requestCallback<_fleetswap_v1_NotifyReceiver__Output>): grpc.ClientUnaryCall;
  
  /**
   * The audit log, a page at a time, and whether its hash chain is whole.
   */
  Audit(argument: _fleetswap_v1_AuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_AuditReply__Output>): grpc.ClientUnaryCall;
  Audit(argument: _fleetswap_v1_AuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_AuditReply__Output>): grpc.ClientUnaryCall;
  Audit(argument: _fleetswap_v1_AuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_AuditReply__Output>): grpc.ClientUnaryCall;
  Audit(argument: _fleetswap_v1_AuditRequest, callback: grpc.requestCallback<_fleetswap_v1_AuditReply__Output>): grpc.ClientUnaryCall;
  /**
   * The audit log, a page at a time, and whether its hash chain is whole.
   */
  audit(argument: _fleetswap_v1_AuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_AuditReply__Output>): grpc.ClientUnaryCall;
  audit(argument: _fleetswap_v1_AuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_AuditReply__Output>): grpc.ClientUnaryCall;
  audit(argument: _fleetswap_v1_AuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_AuditReply__Output>): grpc.ClientUnaryCall;
  audit(argument: _fleetswap_v1_AuditRequest, callback: grpc.requestCallback<_fleetswap_v1_AuditReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * API tokens (admin only); a token is shown once, when it is made.
   */
  CreateToken(argument: _fleetswap_v1_CreateTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _fleetswap_v1_CreateTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _fleetswap_v1_CreateTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _fleetswap_v1_CreateTokenRequest, callback: grpc.requestCallback<_fleetswap_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  /**
   * API tokens (admin only); a token is shown once, when it is made.
   */
  createToken(argument: _fleetswap_v1_CreateTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  createToken(argument: _fleetswap_v1_CreateTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  createToken(argument: _fleetswap_v1_CreateTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  createToken(argument: _fleetswap_v1_CreateTokenRequest, callback: grpc.requestCallback<_fleetswap_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  
  Deploy(argument: _fleetswap_v1_DeployRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_DeployReply__Output>): grpc.ClientUnaryCall;
  Deploy(argument: _fleetswap_v1_DeployRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_DeployReply__Output>): grpc.ClientUnaryCall;
  Deploy(argument: _fleetswap_v1_DeployRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_DeployReply__Output>): grpc.ClientUnaryCall;
  Deploy(argument: _fleetswap_v1_DeployRequest, callback: grpc.requestCallback<_fleetswap_v1_DeployReply__Output>): grpc.ClientUnaryCall;
  deploy(argument: _fleetswap_v1_DeployRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_DeployReply__Output>): grpc.ClientUnaryCall;
  deploy(argument: _fleetswap_v1_DeployRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_DeployReply__Output>): grpc.ClientUnaryCall;
  deploy(argument: _fleetswap_v1_DeployRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_DeployReply__Output>): grpc.ClientUnaryCall;
  deploy(argument: _fleetswap_v1_DeployRequest, callback: grpc.requestCallback<_fleetswap_v1_DeployReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Drift: the report, evidence clean-up, and the policy.
   */
  Drift(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_DriftReportReply__Output>): grpc.ClientUnaryCall;
  Drift(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_DriftReportReply__Output>): grpc.ClientUnaryCall;
  Drift(argument: _fleetswap_v1_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_DriftReportReply__Output>): grpc.ClientUnaryCall;
  Drift(argument: _fleetswap_v1_Empty, callback: grpc.requestCallback<_fleetswap_v1_DriftReportReply__Output>): grpc.ClientUnaryCall;
  /**
   * Drift: the report, evidence clean-up, and the policy.
   */
  drift(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_DriftReportReply__Output>): grpc.ClientUnaryCall;
  drift(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_DriftReportReply__Output>): grpc.ClientUnaryCall;
  drift(argument: _fleetswap_v1_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_DriftReportReply__Output>): grpc.ClientUnaryCall;
  drift(argument: _fleetswap_v1_Empty, callback: grpc.requestCallback<_fleetswap_v1_DriftReportReply__Output>): grpc.ClientUnaryCall;
  
  DriftClean(argument: _fleetswap_v1_DriftCleanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  DriftClean(argument: _fleetswap_v1_DriftCleanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  DriftClean(argument: _fleetswap_v1_DriftCleanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  DriftClean(argument: _fleetswap_v1_DriftCleanRequest, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  driftClean(argument: _fleetswap_v1_DriftCleanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  driftClean(argument: _fleetswap_v1_DriftCleanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  driftClean(argument: _fleetswap_v1_DriftCleanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  driftClean(argument: _fleetswap_v1_DriftCleanRequest, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  
  /**
   * The event stream (coordinator/events.ts) and the receivers told of it (coordinator/notify/).
   */
  Events(argument: _fleetswap_v1_EventsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_EventsReply__Output>): grpc.ClientUnaryCall;
  Events(argument: _fleetswap_v1_EventsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_EventsReply__Output>): grpc.ClientUnaryCall;
  Events(argument: _fleetswap_v1_EventsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_EventsReply__Output>): grpc.ClientUnaryCall;
  Events(argument: _fleetswap_v1_EventsRequest, callback: grpc.requestCallback<_fleetswap_v1_EventsReply__Output>): grpc.ClientUnaryCall;
  /**
   * The event stream (coordinator/events.ts) and the receivers told of it (coordinator/notify/).
   */
  events(argument: _fleetswap_v1_EventsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_EventsReply__Output>): grpc.ClientUnaryCall;
  events(argument: _fleetswap_v1_EventsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_EventsReply__Output>): grpc.ClientUnaryCall;
  events(argument: _fleetswap_v1_EventsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_EventsReply__Output>): grpc.ClientUnaryCall;
  events(argument: _fleetswap_v1_EventsRequest, callback: grpc.requestCallback<_fleetswap_v1_EventsReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * The kill switch: nothing switches anywhere while a halt is in force.
   */
  Halt(argument: _fleetswap_v1_HaltRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  Halt(argument: _fleetswap_v1_HaltRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  Halt(argument: _fleetswap_v1_HaltRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  Halt(argument: _fleetswap_v1_HaltRequest, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  /**
   * The kill switch: nothing switches anywhere while a halt is in force.
   */
  halt(argument: _fleetswap_v1_HaltRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  halt(argument: _fleetswap_v1_HaltRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  halt(argument: _fleetswap_v1_HaltRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  halt(argument: _fleetswap_v1_HaltRequest, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  
  History(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  History(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  History(argument: _fleetswap_v1_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  History(argument: _fleetswap_v1_Empty, callback: grpc.requestCallback<_fleetswap_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  history(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  history(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  history(argument: _fleetswap_v1_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  history(argument: _fleetswap_v1_Empty, callback: grpc.requestCallback<_fleetswap_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  
  ListHosts(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListHostsReply__Output>): grpc.ClientUnaryCall;
  ListHosts(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_ListHostsReply__Output>): grpc.ClientUnaryCall;
  ListHosts(argument: _fleetswap_v1_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListHostsReply__Output>): grpc.ClientUnaryCall;
  ListHosts(argument: _fleetswap_v1_Empty, callback: grpc.requestCallback<_fleetswap_v1_ListHostsReply__Output>): grpc.ClientUnaryCall;
  listHosts(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListHostsReply__Output>): grpc.ClientUnaryCall;
  listHosts(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_ListHostsReply__Output>): grpc.ClientUnaryCall;
  listHosts(argument: _fleetswap_v1_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListHostsReply__Output>): grpc.ClientUnaryCall;
  listHosts(argument: _fleetswap_v1_Empty, callback: grpc.requestCallback<_fleetswap_v1_ListHostsReply__Output>): grpc.ClientUnaryCall;
  
  ListNotify(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListNotifyReply__Output>): grpc.ClientUnaryCall;
  ListNotify(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_ListNotifyReply__Output>): grpc.ClientUnaryCall;
  ListNotify(argument: _fleetswap_v1_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListNotifyReply__Output>): grpc.ClientUnaryCall;
  ListNotify(argument: _fleetswap_v1_Empty, callback: grpc.requestCallback<_fleetswap_v1_ListNotifyReply__Output>): grpc.ClientUnaryCall;
  listNotify(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListNotifyReply__Output>): grpc.ClientUnaryCall;
  listNotify(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_ListNotifyReply__Output>): grpc.ClientUnaryCall;
  listNotify(argument: _fleetswap_v1_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListNotifyReply__Output>): grpc.ClientUnaryCall;
  listNotify(argument: _fleetswap_v1_Empty, callback: grpc.requestCallback<_fleetswap_v1_ListNotifyReply__Output>): grpc.ClientUnaryCall;
  
  ListReleases(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListReleasesReply__Output>): grpc.ClientUnaryCall;
  ListReleases(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_ListReleasesReply__Output>): grpc.ClientUnaryCall;
  ListReleases(argument: _fleetswap_v1_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListReleasesReply__Output>): grpc.ClientUnaryCall;
  ListReleases(argument: _fleetswap_v1_Empty, callback: grpc.requestCallback<_fleetswap_v1_ListReleasesReply__Output>): grpc.ClientUnaryCall;
  listReleases(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListReleasesReply__Output>): grpc.ClientUnaryCall;
  listReleases(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_ListReleasesReply__Output>): grpc.ClientUnaryCall;
  listReleases(argument: _fleetswap_v1_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListReleasesReply__Output>): grpc.ClientUnaryCall;
  listReleases(argument: _fleetswap_v1_Empty, callback: grpc.requestCallback<_fleetswap_v1_ListReleasesReply__Output>): grpc.ClientUnaryCall;
  
  ListTokens(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _fleetswap_v1_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _fleetswap_v1_Empty, callback: grpc.requestCallback<_fleetswap_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _fleetswap_v1_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _fleetswap_v1_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _fleetswap_v1_Empty, callback: grpc.requestCallback<_fleetswap_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  
  MissingBlobs(argument: _fleetswap_v1_MissingBlobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_MissingBlobsReply__Output>): grpc.ClientUnaryCall;
  MissingBlobs(argument: _fleetswap_v1_MissingBlobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_MissingBlobsReply__Output>): grpc.ClientUnaryCall;
  MissingBlobs(argument: _fleetswap_v1_MissingBlobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_MissingBlobsReply__Output>): grpc.ClientUnaryCall;
  MissingBlobs(argument: _fleetswap_v1_MissingBlobsRequest, callback: grpc.requestCallback<_fleetswap_v1_MissingBlobsReply__Output>): grpc.ClientUnaryCall;
  missingBlobs(argument: _fleetswap_v1_MissingBlobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_MissingBlobsReply__Output>): grpc.ClientUnaryCall;
  missingBlobs(argument: _fleetswap_v1_MissingBlobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_MissingBlobsReply__Output>): grpc.ClientUnaryCall;
  missingBlobs(argument: _fleetswap_v1_MissingBlobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_MissingBlobsReply__Output>): grpc.ClientUnaryCall;
  missingBlobs(argument: _fleetswap_v1_MissingBlobsRequest, callback: grpc.requestCallback<_fleetswap_v1_MissingBlobsReply__Output>): grpc.ClientUnaryCall;
  
  Pause(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  Pause(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  Pause(argument: _fleetswap_v1_RolloutAction, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  Pause(argument: _fleetswap_v1_RolloutAction, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  pause(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  pause(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  pause(argument: _fleetswap_v1_RolloutAction, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  pause(argument: _fleetswap_v1_RolloutAction, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Operator control of the active rollout.
   */
  Promote(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  Promote(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  Promote(argument: _fleetswap_v1_RolloutAction, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  Promote(argument: _fleetswap_v1_RolloutAction, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  /**
   * Operator control of the active rollout.
   */
  promote(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  promote(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  promote(argument: _fleetswap_v1_RolloutAction, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  promote(argument: _fleetswap_v1_RolloutAction, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  
  RegisterRelease(argument: _fleetswap_v1_RegisterReleaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RegisterReleaseReply__Output>): grpc.ClientUnaryCall;
  RegisterRelease(argument: _fleetswap_v1_RegisterReleaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_RegisterReleaseReply__Output>): grpc.ClientUnaryCall;
  RegisterRelease(argument: _fleetswap_v1_RegisterReleaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RegisterReleaseReply__Output>): grpc.ClientUnaryCall;
  RegisterRelease(argument: _fleetswap_v1_RegisterReleaseRequest, callback: grpc.requestCallback<_fleetswap_v1_RegisterReleaseReply__Output>): grpc.ClientUnaryCall;
  registerRelease(argument: _fleetswap_v1_RegisterReleaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RegisterReleaseReply__Output>): grpc.ClientUnaryCall;
  registerRelease(argument: _fleetswap_v1_RegisterReleaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_RegisterReleaseReply__Output>): grpc.ClientUnaryCall;
  registerRelease(argument: _fleetswap_v1_RegisterReleaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RegisterReleaseReply__Output>): grpc.ClientUnaryCall;
  registerRelease(argument: _fleetswap_v1_RegisterReleaseRequest, callback: grpc.requestCallback<_fleetswap_v1_RegisterReleaseReply__Output>): grpc.ClientUnaryCall;
  
  RemoveNotify(argument: _fleetswap_v1_NotifyNameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  RemoveNotify(argument: _fleetswap_v1_NotifyNameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  RemoveNotify(argument: _fleetswap_v1_NotifyNameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  RemoveNotify(argument: _fleetswap_v1_NotifyNameRequest, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  removeNotify(argument: _fleetswap_v1_NotifyNameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  removeNotify(argument: _fleetswap_v1_NotifyNameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  removeNotify(argument: _fleetswap_v1_NotifyNameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  removeNotify(argument: _fleetswap_v1_NotifyNameRequest, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  
  Resume(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  Resume(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  Resume(argument: _fleetswap_v1_RolloutAction, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  Resume(argument: _fleetswap_v1_RolloutAction, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  resume(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  resume(argument: _fleetswap_v1_RolloutAction, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  resume(argument: _fleetswap_v1_RolloutAction, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  resume(argument: _fleetswap_v1_RolloutAction, callback: grpc.requestCallback<_fleetswap_v1_RolloutReply__Output>): grpc.ClientUnaryCall;
  
  RevokeToken(argument: _fleetswap_v1_RevokeTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _fleetswap_v1_RevokeTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _fleetswap_v1_RevokeTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _fleetswap_v1_RevokeTokenRequest, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _fleetswap_v1_RevokeTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _fleetswap_v1_RevokeTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _fleetswap_v1_RevokeTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _fleetswap_v1_RevokeTokenRequest, callback: grpc.requestCallback<_fleetswap_v1_Empty__Output>): grpc.ClientUnaryCall;
  
  Rollback(argument: _fleetswap_v1_RollbackRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RollbackReply__Output>): grpc.ClientUnaryCall;
  Rollback(argument: _fleetswap_v1_RollbackRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_RollbackReply__Output>): grpc.ClientUnaryCall;
  Rollback(argument: _fleetswap_v1_RollbackRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RollbackReply__Output>): grpc.ClientUnaryCall;
  Rollback(argument: _fleetswap_v1_RollbackRequest, callback: grpc.requestCallback<_fleetswap_v1_RollbackReply__Output>): grpc.ClientUnaryCall;
  rollback(argument: _fleetswap_v1_RollbackRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RollbackReply__Output>): grpc.ClientUnaryCall;
  rollback(argument: _fleetswap_v1_RollbackRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_RollbackReply__Output>): grpc.ClientUnaryCall;
  rollback(argument: _fleetswap_v1_RollbackRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_RollbackReply__Output>): grpc.ClientUnaryCall;
  rollback(argument: _fleetswap_v1_RollbackRequest, callback: grpc.requestCallback<_fleetswap_v1_RollbackReply__Output>): grpc.ClientUnaryCall;
  
  SetDriftPolicy(argument: _fleetswap_v1_DriftPolicyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_DriftPolicies__Output>): grpc.ClientUnaryCall;
  SetDriftPolicy(argument: _fleetswap_v1_DriftPolicyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_DriftPolicies__Output>): grpc.ClientUnaryCall;
  SetDriftPolicy(argument: _fleetswap_v1_DriftPolicyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_DriftPolicies__Output>): grpc.ClientUnaryCall;
  SetDriftPolicy(argument: _fleetswap_v1_DriftPolicyRequest, callback: grpc.requestCallback<_fleetswap_v1_DriftPolicies__Output>): grpc.ClientUnaryCall;
  setDriftPolicy(argument: _fleetswap_v1_DriftPolicyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_DriftPolicies__Output>): grpc.ClientUnaryCall;
  setDriftPolicy(argument: _fleetswap_v1_DriftPolicyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_DriftPolicies__Output>): grpc.ClientUnaryCall;
  setDriftPolicy(argument: _fleetswap_v1_DriftPolicyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_DriftPolicies__Output>): grpc.ClientUnaryCall;
  setDriftPolicy(argument: _fleetswap_v1_DriftPolicyRequest, callback: grpc.requestCallback<_fleetswap_v1_DriftPolicies__Output>): grpc.ClientUnaryCall;
  
  Status(argument: _fleetswap_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _fleetswap_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _fleetswap_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _fleetswap_v1_StatusRequest, callback: grpc.requestCallback<_fleetswap_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _fleetswap_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _fleetswap_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _fleetswap_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _fleetswap_v1_StatusRequest, callback: grpc.requestCallback<_fleetswap_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  
  TestNotify(argument: _fleetswap_v1_NotifyNameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_TestNotifyReply__Output>): grpc.ClientUnaryCall;
  TestNotify(argument: _fleetswap_v1_NotifyNameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_TestNotifyReply__Output>): grpc.ClientUnaryCall;
  TestNotify(argument: _fleetswap_v1_NotifyNameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_TestNotifyReply__Output>): grpc.ClientUnaryCall;
  TestNotify(argument: _fleetswap_v1_NotifyNameRequest, callback: grpc.requestCallback<_fleetswap_v1_TestNotifyReply__Output>): grpc.ClientUnaryCall;
  testNotify(argument: _fleetswap_v1_NotifyNameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_TestNotifyReply__Output>): grpc.ClientUnaryCall;
  testNotify(argument: _fleetswap_v1_NotifyNameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_TestNotifyReply__Output>): grpc.ClientUnaryCall;
  testNotify(argument: _fleetswap_v1_NotifyNameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_TestNotifyReply__Output>): grpc.ClientUnaryCall;
  testNotify(argument: _fleetswap_v1_NotifyNameRequest, callback: grpc.requestCallback<_fleetswap_v1_TestNotifyReply__Output>): grpc.ClientUnaryCall;
  
  Unhalt(argument: _fleetswap_v1_HaltRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  Unhalt(argument: _fleetswap_v1_HaltRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  Unhalt(argument: _fleetswap_v1_HaltRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  Unhalt(argument: _fleetswap_v1_HaltRequest, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  unhalt(argument: _fleetswap_v1_HaltRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  unhalt(argument: _fleetswap_v1_HaltRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  unhalt(argument: _fleetswap_v1_HaltRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  unhalt(argument: _fleetswap_v1_HaltRequest, callback: grpc.requestCallback<_fleetswap_v1_HaltState__Output>): grpc.ClientUnaryCall;
  
  /**
   * UploadBlobs stores blobs only when the whole stream verified: a push
   * refused half-way leaves the blob store as it was.
   */
  UploadBlobs(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_UploadBlobsReply__Output>): grpc.ClientWritableStream<_fleetswap_v1_BlobChunk>;
  UploadBlobs(metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_UploadBlobsReply__Output>): grpc.ClientWritableStream<_fleetswap_v1_BlobChunk>;
  UploadBlobs(options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_UploadBlobsReply__Output>): grpc.ClientWritableStream<_fleetswap_v1_BlobChunk>;
  UploadBlobs(callback: grpc.requestCallback<_fleetswap_v1_UploadBlobsReply__Output>): grpc.ClientWritableStream<_fleetswap_v1_BlobChunk>;
  /**
   * UploadBlobs stores blobs only when the whole stream verified: a push
   * refused half-way leaves the blob store as it was.
   */
  uploadBlobs(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_UploadBlobsReply__Output>): grpc.ClientWritableStream<_fleetswap_v1_BlobChunk>;
  uploadBlobs(metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_UploadBlobsReply__Output>): grpc.ClientWritableStream<_fleetswap_v1_BlobChunk>;
  uploadBlobs(options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_UploadBlobsReply__Output>): grpc.ClientWritableStream<_fleetswap_v1_BlobChunk>;
  uploadBlobs(callback: grpc.requestCallback<_fleetswap_v1_UploadBlobsReply__Output>): grpc.ClientWritableStream<_fleetswap_v1_BlobChunk>;
  
}

/**
 * AdminService is what the fleetswap CLI calls.
 */
export interface AdminServiceHandlers extends grpc.UntypedServiceImplementation {
  Abort: grpc.handleUnaryCall<_fleetswap_v1_RolloutAction__Output, _fleetswap_v1_RolloutReply>;
  
  AddNotify: grpc.handleUnaryCall<_fleetswap_v1_AddNotifyRequest__Output, _fleetswap_v1_NotifyReceiver>;
  
  /**
   * The audit log, a page at a time, and whether its hash chain is whole.
   */
  Audit: grpc.handleUnaryCall<_fleetswap_v1_AuditRequest__Output, _fleetswap_v1_AuditReply>;
  
  /**
   * API tokens (admin only); a token is shown once, when it is made.
   */
  CreateToken: grpc.handleUnaryCall<_fleetswap_v1_CreateTokenRequest__Output, _fleetswap_v1_CreateTokenReply>;
  
  Deploy: grpc.handleUnaryCall<_fleetswap_v1_DeployRequest__Output, _fleetswap_v1_DeployReply>;
  
  /**
   * Drift: the report, evidence clean-up, and the policy.
   */
  Drift: grpc.handleUnaryCall<_fleetswap_v1_Empty__Output, _fleetswap_v1_DriftReportReply>;
  
  DriftClean: grpc.handleUnaryCall<_fleetswap_v1_DriftCleanRequest__Output, _fleetswap_v1_Empty>;
  
  /**
   * The event stream (coordinator/events.ts) and the receivers told of it (coordinator/notify/).
   */
  Events: grpc.handleUnaryCall<_fleetswap_v1_EventsRequest__Output, _fleetswap_v1_EventsReply>;
  
  /**
   * The kill switch: nothing switches anywhere while a halt is in force.
   */
  Halt: grpc.handleUnaryCall<_fleetswap_v1_HaltRequest__Output, _fleetswap_v1_HaltState>;
  
  History: grpc.handleUnaryCall<_fleetswap_v1_Empty__Output, _fleetswap_v1_HistoryReply>;
  
  ListHosts: grpc.handleUnaryCall<_fleetswap_v1_Empty__Output, _fleetswap_v1_ListHostsReply>;
  
  ListNotify: grpc.handleUnaryCall<_fleetswap_v1_Empty__Output, _fleetswap_v1_ListNotifyReply>;
  
  ListReleases: grpc.handleUnaryCall<_fleetswap_v1_Empty__Output, _fleetswap_v1_ListReleasesReply>;
  
  ListTokens: grpc.handleUnaryCall<_fleetswap_v1_Empty__Output, _fleetswap_v1_ListTokensReply>;
  
  MissingBlobs: grpc.handleUnaryCall<_fleetswap_v1_MissingBlobsRequest__Output, _fleetswap_v1_MissingBlobsReply>;
  
  Pause: grpc.handleUnaryCall<_fleetswap_v1_RolloutAction__Output, _fleetswap_v1_RolloutReply>;
  
  /**
   * Operator control of the active rollout.
   */
  Promote: grpc.handleUnaryCall<_fleetswap_v1_RolloutAction__Output, _fleetswap_v1_RolloutReply>;
  
  RegisterRelease: grpc.handleUnaryCall<_fleetswap_v1_RegisterReleaseRequest__Output, _fleetswap_v1_RegisterReleaseReply>;
  
  RemoveNotify: grpc.handleUnaryCall<_fleetswap_v1_NotifyNameRequest__Output, _fleetswap_v1_Empty>;
  
  Resume: grpc.handleUnaryCall<_fleetswap_v1_RolloutAction__Output, _fleetswap_v1_RolloutReply>;
  
  RevokeToken: grpc.handleUnaryCall<_fleetswap_v1_RevokeTokenRequest__Output, _fleetswap_v1_Empty>;
  
  Rollback: grpc.handleUnaryCall<_fleetswap_v1_RollbackRequest__Output, _fleetswap_v1_RollbackReply>;
  
  SetDriftPolicy: grpc.handleUnaryCall<_fleetswap_v1_DriftPolicyRequest__Output, _fleetswap_v1_DriftPolicies>;
  
  Status: grpc.handleUnaryCall<_fleetswap_v1_StatusRequest__Output, _fleetswap_v1_StatusReply>;
  
  TestNotify: grpc.handleUnaryCall<_fleetswap_v1_NotifyNameRequest__Output, _fleetswap_v1_TestNotifyReply>;
  
  Unhalt: grpc.handleUnaryCall<_fleetswap_v1_HaltRequest__Output, _fleetswap_v1_HaltState>;
  
  /**
   * UploadBlobs stores blobs only when the whole stream verified: a push
   * refused half-way leaves the blob store as it was.
   */
  UploadBlobs: grpc.handleClientStreamingCall<_fleetswap_v1_BlobChunk__Output, _fleetswap_v1_UploadBlobsReply>;
  
}

export interface AdminServiceDefinition extends grpc.ServiceDefinition {
  Abort: MethodDefinition<_fleetswap_v1_RolloutAction, _fleetswap_v1_RolloutReply, _fleetswap_v1_RolloutAction__Output, _fleetswap_v1_RolloutReply__Output>
  AddNotify: MethodDefinition<_fleetswap_v1_AddNotifyRequest, _fleetswap_v1_NotifyReceiver, _fleetswap_v1_AddNotifyRequest__Output, _fleetswap_v1_NotifyReceiver__Output>
  Audit: MethodDefinition<_fleetswap_v1_AuditRequest, _fleetswap_v1_AuditReply, _fleetswap_v1_AuditRequest__Output, _fleetswap_v1_AuditReply__Output>
  CreateToken: MethodDefinition<_fleetswap_v1_CreateTokenRequest, _fleetswap_v1_CreateTokenReply, _fleetswap_v1_CreateTokenRequest__Output, _fleetswap_v1_CreateTokenReply__Output>
  Deploy: MethodDefinition<_fleetswap_v1_DeployRequest, _fleetswap_v1_DeployReply, _fleetswap_v1_DeployRequest__Output, _fleetswap_v1_DeployReply__Output>
  Drift: MethodDefinition<_fleetswap_v1_Empty, _fleetswap_v1_DriftReportReply, _fleetswap_v1_Empty__Output, _fleetswap_v1_DriftReportReply__Output>
  DriftClean: MethodDefinition<_fleetswap_v1_DriftCleanRequest, _fleetswap_v1_Empty, _fleetswap_v1_DriftCleanRequest__Output, _fleetswap_v1_Empty__Output>
  Events: MethodDefinition<_fleetswap_v1_EventsRequest, _fleetswap_v1_EventsReply, _fleetswap_v1_EventsRequest__Output, _fleetswap_v1_EventsReply__Output>
  Halt: MethodDefinition<_fleetswap_v1_HaltRequest, _fleetswap_v1_HaltState, _fleetswap_v1_HaltRequest__Output, _fleetswap_v1_HaltState__Output>
  History: MethodDefinition<_fleetswap_v1_Empty, _fleetswap_v1_HistoryReply, _fleetswap_v1_Empty__Output, _fleetswap_v1_HistoryReply__Output>
  ListHosts: MethodDefinition<_fleetswap_v1_Empty, _fleetswap_v1_ListHostsReply, _fleetswap_v1_Empty__Output, _fleetswap_v1_ListHostsReply__Output>
  ListNotify: MethodDefinition<_fleetswap_v1_Empty, _fleetswap_v1_ListNotifyReply, _fleetswap_v1_Empty__Output, _fleetswap_v1_ListNotifyReply__Output>
  ListReleases: MethodDefinition<_fleetswap_v1_Empty, _fleetswap_v1_ListReleasesReply, _fleetswap_v1_Empty__Output, _fleetswap_v1_ListReleasesReply__Output>
  ListTokens: MethodDefinition<_fleetswap_v1_Empty, _fleetswap_v1_ListTokensReply, _fleetswap_v1_Empty__Output, _fleetswap_v1_ListTokensReply__Output>
  MissingBlobs: MethodDefinition<_fleetswap_v1_MissingBlobsRequest, _fleetswap_v1_MissingBlobsReply, _fleetswap_v1_MissingBlobsRequest__Output, _fleetswap_v1_MissingBlobsReply__Output>
  Pause: MethodDefinition<_fleetswap_v1_RolloutAction, _fleetswap_v1_RolloutReply, _fleetswap_v1_RolloutAction__Output, _fleetswap_v1_RolloutReply__Output>
  Promote: MethodDefinition<_fleetswap_v1_RolloutAction, _fleetswap_v1_RolloutReply, _fleetswap_v1_RolloutAction__Output, _fleetswap_v1_RolloutReply__Output>
  RegisterRelease: MethodDefinition<_fleetswap_v1_RegisterReleaseRequest, _fleetswap_v1_RegisterReleaseReply, _fleetswap_v1_RegisterReleaseRequest__Output, _fleetswap_v1_RegisterReleaseReply__Output>
  RemoveNotify: MethodDefinition<_fleetswap_v1_NotifyNameRequest, _fleetswap_v1_Empty, _fleetswap_v1_NotifyNameRequest__Output, _fleetswap_v1_Empty__Output>
  Resume: MethodDefinition<_fleetswap_v1_RolloutAction, _fleetswap_v1_RolloutReply, _fleetswap_v1_RolloutAction__Output, _fleetswap_v1_RolloutReply__Output>
  RevokeToken: MethodDefinition<_fleetswap_v1_RevokeTokenRequest, _fleetswap_v1_Empty, _fleetswap_v1_RevokeTokenRequest__Output, _fleetswap_v1_Empty__Output>
  Rollback: MethodDefinition<_fleetswap_v1_RollbackRequest, _fleetswap_v1_RollbackReply, _fleetswap_v1_RollbackRequest__Output, _fleetswap_v1_RollbackReply__Output>
  SetDriftPolicy: MethodDefinition<_fleetswap_v1_DriftPolicyRequest, _fleetswap_v1_DriftPolicies, _fleetswap_v1_DriftPolicyRequest__Output, _fleetswap_v1_DriftPolicies__Output>
  Status: MethodDefinition<_fleetswap_v1_StatusRequest, _fleetswap_v1_StatusReply, _fleetswap_v1_StatusRequest__Output, _fleetswap_v1_StatusReply__Output>
  TestNotify: MethodDefinition<_fleetswap_v1_NotifyNameRequest, _fleetswap_v1_TestNotifyReply, _fleetswap_v1_NotifyNameRequest__Output, _fleetswap_v1_TestNotifyReply__Output>
  Unhalt: MethodDefinition<_fleetswap_v1_HaltRequest, _fleetswap_v1_HaltState, _fleetswap_v1_HaltRequest__Output, _fleetswap_v1_HaltState__Output>
  UploadBlobs: MethodDefinition<_fleetswap_v1_BlobChunk, _fleetswap_v1_UploadBlobsReply, _fleetswap_v1_BlobChunk__Output, _fleetswap_v1_UploadBlobsReply__Output>
}
