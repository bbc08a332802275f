import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AddNotifyRequest as _fleetswap_v1_AddNotifyRequest, AddNotifyRequest__Output as _fleetswap_v1_AddNotifyRequest__Output } from './fleetswap/v1/AddNotifyRequest.js';
import type { AdminServiceClient as _fleetswap_v1_AdminServiceClient, AdminServiceDefinition as _fleetswap_v1_AdminServiceDefinition } from './fleetswap/v1/AdminService.js';
import type { AgentMessage as _fleetswap_v1_AgentMessage, AgentMessage__Output as _fleetswap_v1_AgentMessage__Output } from './fleetswap/v1/AgentMessage.js';
import type { AgentServiceClient as _fleetswap_v1_AgentServiceClient, AgentServiceDefinition as _fleetswap_v1_AgentServiceDefinition } from './fleetswap/v1/AgentService.js';
import type { AuditEntry as _fleetswap_v1_AuditEntry, AuditEntry__Output as _fleetswap_v1_AuditEntry__Output } from './fleetswap/v1/AuditEntry.js';
import type { AuditReply as _fleetswap_v1_AuditReply, AuditReply__Output as _fleetswap_v1_AuditReply__Output } from './fleetswap/v1/AuditReply.js';
import type { AuditRequest as _fleetswap_v1_AuditRequest, AuditRequest__Output as _fleetswap_v1_AuditRequest__Output } from './fleetswap/v1/AuditRequest.js';
import type { BlobChunk as _fleetswap_v1_BlobChunk, BlobChunk__Output as _fleetswap_v1_BlobChunk__Output } from './fleetswap/v1/BlobChunk.js';
import type { CohortVitals as _fleetswap_v1_CohortVitals, CohortVitals__Output as _fleetswap_v1_CohortVitals__Output } from './fleetswap/v1/CohortVitals.js';
import type { CoordinatorMember as _fleetswap_v1_CoordinatorMember, CoordinatorMember__Output as _fleetswap_v1_CoordinatorMember__Output } from './fleetswap/v1/CoordinatorMember.js';
import type { CreateTokenReply as _fleetswap_v1_CreateTokenReply, CreateTokenReply__Output as _fleetswap_v1_CreateTokenReply__Output } from './fleetswap/v1/CreateTokenReply.js';
import type { CreateTokenRequest as _fleetswap_v1_CreateTokenRequest, CreateTokenRequest__Output as _fleetswap_v1_CreateTokenRequest__Output } from './fleetswap/v1/CreateTokenRequest.js';
import type { DeployReply as _fleetswap_v1_DeployReply, DeployReply__Output as _fleetswap_v1_DeployReply__Output } from './fleetswap/v1/DeployReply.js';
import type { DeployRequest as _fleetswap_v1_DeployRequest, DeployRequest__Output as _fleetswap_v1_DeployRequest__Output } from './fleetswap/v1/DeployRequest.js';
import type { DesiredChange as _fleetswap_v1_DesiredChange, DesiredChange__Output as _fleetswap_v1_DesiredChange__Output } from './fleetswap/v1/DesiredChange.js';
import type { Directive as _fleetswap_v1_Directive, Directive__Output as _fleetswap_v1_Directive__Output } from './fleetswap/v1/Directive.js';
import type { DriftCleanRequest as _fleetswap_v1_DriftCleanRequest, DriftCleanRequest__Output as _fleetswap_v1_DriftCleanRequest__Output } from './fleetswap/v1/DriftCleanRequest.js';
import type { DriftEvent as _fleetswap_v1_DriftEvent, DriftEvent__Output as _fleetswap_v1_DriftEvent__Output } from './fleetswap/v1/DriftEvent.js';
import type { DriftHost as _fleetswap_v1_DriftHost, DriftHost__Output as _fleetswap_v1_DriftHost__Output } from './fleetswap/v1/DriftHost.js';
import type { DriftPath as _fleetswap_v1_DriftPath, DriftPath__Output as _fleetswap_v1_DriftPath__Output } from './fleetswap/v1/DriftPath.js';
import type { DriftPolicies as _fleetswap_v1_DriftPolicies, DriftPolicies__Output as _fleetswap_v1_DriftPolicies__Output } from './fleetswap/v1/DriftPolicies.js';
import type { DriftPolicyRequest as _fleetswap_v1_DriftPolicyRequest, DriftPolicyRequest__Output as _fleetswap_v1_DriftPolicyRequest__Output } from './fleetswap/v1/DriftPolicyRequest.js';
import type { DriftPolicyRule as _fleetswap_v1_DriftPolicyRule, DriftPolicyRule__Output as _fleetswap_v1_DriftPolicyRule__Output } from './fleetswap/v1/DriftPolicyRule.js';
import type { DriftReport as _fleetswap_v1_DriftReport, DriftReport__Output as _fleetswap_v1_DriftReport__Output } from './fleetswap/v1/DriftReport.js';
import type { DriftReportReply as _fleetswap_v1_DriftReportReply, DriftReportReply__Output as _fleetswap_v1_DriftReportReply__Output } from './fleetswap/v1/DriftReportReply.js';
import type { Empty as _fleetswap_v1_Empty, Empty__Output as _fleetswap_v1_Empty__Output } from './fleetswap/v1/Empty.js';
import type { Event as _fleetswap_v1_Event, Event__Output as _fleetswap_v1_Event__Output } from './fleetswap/v1/Event.js';
import type { EventsReply as _fleetswap_v1_EventsReply, EventsReply__Output as _fleetswap_v1_EventsReply__Output } from './fleetswap/v1/EventsReply.js';
import type { EventsRequest as _fleetswap_v1_EventsRequest, EventsRequest__Output as _fleetswap_v1_EventsRequest__Output } from './fleetswap/v1/EventsRequest.js';
import type { FetchBlobsRequest as _fleetswap_v1_FetchBlobsRequest, FetchBlobsRequest__Output as _fleetswap_v1_FetchBlobsRequest__Output } from './fleetswap/v1/FetchBlobsRequest.js';
import type { HaltRequest as _fleetswap_v1_HaltRequest, HaltRequest__Output as _fleetswap_v1_HaltRequest__Output } from './fleetswap/v1/HaltRequest.js';
import type { HaltState as _fleetswap_v1_HaltState, HaltState__Output as _fleetswap_v1_HaltState__Output } from './fleetswap/v1/HaltState.js';
import type { Hello as _fleetswap_v1_Hello, Hello__Output as _fleetswap_v1_Hello__Output } from './fleetswap/v1/Hello.js';
import type { HistoryReply as _fleetswap_v1_HistoryReply, HistoryReply__Output as _fleetswap_v1_HistoryReply__Output } from './fleetswap/v1/HistoryReply.js';
import type { Host as _fleetswap_v1_Host, Host__Output as _fleetswap_v1_Host__Output } from './fleetswap/v1/Host.js';
import type { ListHostsReply as _fleetswap_v1_ListHostsReply, ListHostsReply__Output as _fleetswap_v1_ListHostsReply__Output } from './fleetswap/v1/ListHostsReply.js';
import type { ListNotifyReply as _fleetswap_v1_ListNotifyReply, ListNotifyReply__Output as _fleetswap_v1_ListNotifyReply__Output } from './fleetswap/v1/ListNotifyReply.js';
import type { ListReleasesReply as _fleetswap_v1_ListReleasesReply, ListReleasesReply__Output as _fleetswap_v1_ListReleasesReply__Output } from './fleetswap/v1/ListReleasesReply.js';
import type { ListTokensReply as _fleetswap_v1_ListTokensReply, ListTokensReply__Output as _fleetswap_v1_ListTokensReply__Output } from './fleetswap/v1/ListTokensReply.js';
import type { ManifestReply as _fleetswap_v1_ManifestReply, ManifestReply__Output as _fleetswap_v1_ManifestReply__Output } from './fleetswap/v1/ManifestReply.js';
import type { ManifestRequest as _fleetswap_v1_ManifestRequest, ManifestRequest__Output as _fleetswap_v1_ManifestRequest__Output } from './fleetswap/v1/ManifestRequest.js';
import type { MetricEvidence as _fleetswap_v1_MetricEvidence, MetricEvidence__Output as _fleetswap_v1_MetricEvidence__Output } from './fleetswap/v1/MetricEvidence.js';
import type { MissingBlobsReply as _fleetswap_v1_MissingBlobsReply, MissingBlobsReply__Output as _fleetswap_v1_MissingBlobsReply__Output } from './fleetswap/v1/MissingBlobsReply.js';
import type { MissingBlobsRequest as _fleetswap_v1_MissingBlobsRequest, MissingBlobsRequest__Output as _fleetswap_v1_MissingBlobsRequest__Output } from './fleetswap/v1/MissingBlobsRequest.js';
import type { NotifyNameRequest as _fleetswap_v1_NotifyNameRequest, NotifyNameRequest__Output as _fleetswap_v1_NotifyNameRequest__Output } from './fleetswap/v1/NotifyNameRequest.js';
import type { NotifyReceiver as _fleetswap_v1_NotifyReceiver, NotifyReceiver__Output as _fleetswap_v1_NotifyReceiver__Output } from './fleetswap/v1/NotifyReceiver.js';
import type { Override as _fleetswap_v1_Override, Override__Output as _fleetswap_v1_Override__Output } from './fleetswap/v1/Override.js';
import type { RegisterReleaseReply as _fleetswap_v1_RegisterReleaseReply, RegisterReleaseReply__Output as _fleetswap_v1_RegisterReleaseReply__Output } from './fleetswap/v1/RegisterReleaseReply.js';
import type { RegisterReleaseRequest as _fleetswap_v1_RegisterReleaseRequest, RegisterReleaseRequest__Output as _fleetswap_v1_RegisterReleaseRequest__Output } from './fleetswap/v1/RegisterReleaseRequest.js';
import type { Release as _fleetswap_v1_Release, Release__Output as _fleetswap_v1_Release__Output } from './fleetswap/v1/Release.js';
import type { ReleaseSignature as _fleetswap_v1_ReleaseSignature, ReleaseSignature__Output as _fleetswap_v1_ReleaseSignature__Output } from './fleetswap/v1/ReleaseSignature.js';
import type { Report as _fleetswap_v1_Report, Report__Output as _fleetswap_v1_Report__Output } from './fleetswap/v1/Report.js';
import type { RevokeTokenRequest as _fleetswap_v1_RevokeTokenRequest, RevokeTokenRequest__Output as _fleetswap_v1_RevokeTokenRequest__Output } from './fleetswap/v1/RevokeTokenRequest.js';
import type { RollbackReply as _fleetswap_v1_RollbackReply, RollbackReply__Output as _fleetswap_v1_RollbackReply__Output } from './fleetswap/v1/RollbackReply.js';
import type { RollbackRequest as _fleetswap_v1_RollbackRequest, RollbackRequest__Output as _fleetswap_v1_RollbackRequest__Output } from './fleetswap/v1/RollbackRequest.js';
import type { Rollout as _fleetswap_v1_Rollout, Rollout__Output as _fleetswap_v1_Rollout__Output } from './fleetswap/v1/Rollout.js';
import type { RolloutAction as _fleetswap_v1_RolloutAction, RolloutAction__Output as _fleetswap_v1_RolloutAction__Output } from './fleetswap/v1/RolloutAction.js';
import type { RolloutHost as _fleetswap_v1_RolloutHost, RolloutHost__Output as _fleetswap_v1_RolloutHost__Output } from './fleetswap/v1/RolloutHost.js';
import type { RolloutPlan as _fleetswap_v1_RolloutPlan, RolloutPlan__Output as _fleetswap_v1_RolloutPlan__Output } from './fleetswap/v1/RolloutPlan.js';
import type { RolloutReply as _fleetswap_v1_RolloutReply, RolloutReply__Output as _fleetswap_v1_RolloutReply__Output } from './fleetswap/v1/RolloutReply.js';
import type { SlotInfo as _fleetswap_v1_SlotInfo, SlotInfo__Output as _fleetswap_v1_SlotInfo__Output } from './fleetswap/v1/SlotInfo.js';
import type { StagingStats as _fleetswap_v1_StagingStats, StagingStats__Output as _fleetswap_v1_StagingStats__Output } from './fleetswap/v1/StagingStats.js';
import type { StatusReply as _fleetswap_v1_StatusReply, StatusReply__Output as _fleetswap_v1_StatusReply__Output } from './fleetswap/v1/StatusReply.js';
import type { StatusRequest as _fleetswap_v1_StatusRequest, StatusRequest__Output as _fleetswap_v1_StatusRequest__Output } from './fleetswap/v1/StatusRequest.js';
import type { TestNotifyReply as _fleetswap_v1_TestNotifyReply, TestNotifyReply__Output as _fleetswap_v1_TestNotifyReply__Output } from './fleetswap/v1/TestNotifyReply.js';
import type { TokenInfo as _fleetswap_v1_TokenInfo, TokenInfo__Output as _fleetswap_v1_TokenInfo__Output } from './fleetswap/v1/TokenInfo.js';
import type { UploadBlobsReply as _fleetswap_v1_UploadBlobsReply, UploadBlobsReply__Output as _fleetswap_v1_UploadBlobsReply__Output } from './fleetswap/v1/UploadBlobsReply.js';
import type { Verdict as _fleetswap_v1_Verdict, Verdict__Output as _fleetswap_v1_Verdict__Output } from './fleetswap/v1/Verdict.js';
import type { VitalsBatch as _fleetswap_v1_VitalsBatch, VitalsBatch__Output as _fleetswap_v1_VitalsBatch__Output } from './fleetswap/v1/VitalsBatch.js';
import type { VitalsCounters as _fleetswap_v1_VitalsCounters, VitalsCounters__Output as _fleetswap_v1_VitalsCounters__Output } from './fleetswap/v1/VitalsCounters.js';
import type { VitalsSample as _fleetswap_v1_VitalsSample, VitalsSample__Output as _fleetswap_v1_VitalsSample__Output } from './fleetswap/v1/VitalsSample.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  fleetswap: {
    v1: {
      AddNotifyRequest: MessageTypeDefinition<_fleetswap_v1_AddNotifyRequest, _fleetswap_v1_AddNotifyRequest__Output>
      /**
       * AdminService is what the fleetswap CLI calls.
       */
      AdminService: SubtypeConstructor<typeof grpc.Client, _fleetswap_v1_AdminServiceClient> & { service: _fleetswap_v1_AdminServiceDefinition }
      AgentMessage: MessageTypeDefinition<_fleetswap_v1_AgentMessage, _fleetswap_v1_AgentMessage__Output>
      /**
       * AgentService is called by agents only. Agents open every connection
       * (CONTRACT invariant 6): the coordinator never dials a host.
       */
      AgentService: SubtypeConstructor<typeof grpc.Client, _fleetswap_v1_AgentServiceClient> & { service: _fleetswap_v1_AgentServiceDefinition }
      AuditEntry: MessageTypeDefinition<_fleetswap_v1_AuditEntry, _fleetswap_v1_AuditEntry__Output>
      AuditReply: MessageTypeDefinition<_fleetswap_v1_AuditReply, _fleetswap_v1_AuditReply__Output>
      AuditRequest: MessageTypeDefinition<_fleetswap_v1_AuditRequest, _fleetswap_v1_AuditRequest__Output>
      BlobChunk: MessageTypeDefinition<_fleetswap_v1_BlobChunk, _fleetswap_v1_BlobChunk__Output>
      CohortVitals: MessageTypeDefinition<_fleetswap_v1_CohortVitals, _fleetswap_v1_CohortVitals__Output>
      CoordinatorMember: MessageTypeDefinition<_fleetswap_v1_CoordinatorMember, _fleetswap_v1_CoordinatorMember__Output>
      CreateTokenReply: MessageTypeDefinition<_fleetswap_v1_CreateTokenReply, _fleetswap_v1_CreateTokenReply__Output>
      CreateTokenRequest: MessageTypeDefinition<_fleetswap_v1_CreateTokenRequest, _fleetswap_v1_CreateTokenRequest__Output>
      DeployReply: MessageTypeDefinition<_fleetswap_v1_DeployReply, _fleetswap_v1_DeployReply__Output>
      DeployRequest: MessageTypeDefinition<_fleetswap_v1_DeployRequest, _fleetswap_v1_DeployRequest__Output>
      DesiredChange: MessageTypeDefinition<_fleetswap_v1_DesiredChange, _fleetswap_v1_DesiredChange__Output>
      Directive: MessageTypeDefinition<_fleetswap_v1_Directive, _fleetswap_v1_Directive__Output>
      DirectiveKind: EnumTypeDefinition
      DriftCleanRequest: MessageTypeDefinition<_fleetswap_v1_DriftCleanRequest, _fleetswap_v1_DriftCleanRequest__Output>
      DriftEvent: MessageTypeDefinition<_fleetswap_v1_DriftEvent, _fleetswap_v1_DriftEvent__Output>
      DriftHost: MessageTypeDefinition<_fleetswap_v1_DriftHost, _fleetswap_v1_DriftHost__Output>
      DriftPath: MessageTypeDefinition<_fleetswap_v1_DriftPath, _fleetswap_v1_DriftPath__Output>
      DriftPolicies: MessageTypeDefinition<_fleetswap_v1_DriftPolicies, _fleetswap_v1_DriftPolicies__Output>
      DriftPolicyRequest: MessageTypeDefinition<_fleetswap_v1_DriftPolicyRequest, _fleetswap_v1_DriftPolicyRequest__Output>
      DriftPolicyRule: MessageTypeDefinition<_fleetswap_v1_DriftPolicyRule, _fleetswap_v1_DriftPolicyRule__Output>
      DriftReport: MessageTypeDefinition<_fleetswap_v1_DriftReport, _fleetswap_v1_DriftReport__Output>
      DriftReportReply: MessageTypeDefinition<_fleetswap_v1_DriftReportReply, _fleetswap_v1_DriftReportReply__Output>
      Empty: MessageTypeDefinition<_fleetswap_v1_Empty, _fleetswap_v1_Empty__Output>
      Event: MessageTypeDefinition<_fleetswap_v1_Event, _fleetswap_v1_Event__Output>
      EventsReply: MessageTypeDefinition<_fleetswap_v1_EventsReply, _fleetswap_v1_EventsReply__Output>
      EventsRequest: MessageTypeDefinition<_fleetswap_v1_EventsRequest, _fleetswap_v1_EventsRequest__Output>
      FetchBlobsRequest: MessageTypeDefinition<_fleetswap_v1_FetchBlobsRequest, _fleetswap_v1_FetchBlobsRequest__Output>
      HaltRequest: MessageTypeDefinition<_fleetswap_v1_HaltRequest, _fleetswap_v1_HaltRequest__Output>
      HaltState: MessageTypeDefinition<_fleetswap_v1_HaltState, _fleetswap_v1_HaltState__Output>
      Hello: MessageTypeDefinition<_fleetswap_v1_Hello, _fleetswap_v1_Hello__Output>
      HistoryReply: MessageTypeDefinition<_fleetswap_v1_HistoryReply, _fleetswap_v1_HistoryReply__Output>
      Host: MessageTypeDefinition<_fleetswap_v1_Host, _fleetswap_v1_Host__Output>
      ListHostsReply: MessageTypeDefinition<_fleetswap_v1_ListHostsReply, _fleetswap_v1_ListHostsReply__Output>
      ListNotifyReply: MessageTypeDefinition<_fleetswap_v1_ListNotifyReply, _fleetswap_v1_ListNotifyReply__Output>
      ListReleasesReply: MessageTypeDefinition<_fleetswap_v1_ListReleasesReply, _fleetswap_v1_ListReleasesReply__Output>
      ListTokensReply: MessageTypeDefinition<_fleetswap_v1_ListTokensReply, _fleetswap_v1_ListTokensReply__Output>
      ManifestReply: MessageTypeDefinition<_fleetswap_v1_ManifestReply, _fleetswap_v1_ManifestReply__Output>
      ManifestRequest: MessageTypeDefinition<_fleetswap_v1_ManifestRequest, _fleetswap_v1_ManifestRequest__Output>
      MetricEvidence: MessageTypeDefinition<_fleetswap_v1_MetricEvidence, _fleetswap_v1_MetricEvidence__Output>
      MissingBlobsReply: MessageTypeDefinition<_fleetswap_v1_MissingBlobsReply, _fleetswap_v1_MissingBlobsReply__Output>
      MissingBlobsRequest: MessageTypeDefinition<_fleetswap_v1_MissingBlobsRequest, _fleetswap_v1_MissingBlobsRequest__Output>
      NotifyNameRequest: MessageTypeDefinition<_fleetswap_v1_NotifyNameRequest, _fleetswap_v1_NotifyNameRequest__Output>
      NotifyReceiver: MessageTypeDefinition<_fleetswap_v1_NotifyReceiver, _fleetswap_v1_NotifyReceiver__Output>
      Override: MessageTypeDefinition<_fleetswap_v1_Override, _fleetswap_v1_Override__Output>
      RegisterReleaseReply: MessageTypeDefinition<_fleetswap_v1_RegisterReleaseReply, _fleetswap_v1_RegisterReleaseReply__Output>
      RegisterReleaseRequest: MessageTypeDefinition<_fleetswap_v1_RegisterReleaseRequest, _fleetswap_v1_RegisterReleaseRequest__Output>
      Release: MessageTypeDefinition<_fleetswap_v1_Release, _fleetswap_v1_Release__Output>
      ReleaseSignature: MessageTypeDefinition<_fleetswap_v1_ReleaseSignature, _fleetswap_v1_ReleaseSignature__Output>
      Report: MessageTypeDefinition<_fleetswap_v1_Report, _fleetswap_v1_Report__Output>
      ReportKind: EnumTypeDefinition
      RevokeTokenRequest: MessageTypeDefinition<_fleetswap_v1_RevokeTokenRequest, _fleetswap_v1_RevokeTokenRequest__Output>
      RollbackReply: MessageTypeDefinition<_fleetswap_v1_RollbackReply, _fleetswap_v1_RollbackReply__Output>
      RollbackRequest: MessageTypeDefinition<_fleetswap_v1_RollbackRequest, _fleetswap_v1_RollbackRequest__Output>
      Rollout: MessageTypeDefinition<_fleetswap_v1_Rollout, _fleetswap_v1_Rollout__Output>
      RolloutAction: MessageTypeDefinition<_fleetswap_v1_RolloutAction, _fleetswap_v1_RolloutAction__Output>
      RolloutHost: MessageTypeDefinition<_fleetswap_v1_RolloutHost, _fleetswap_v1_RolloutHost__Output>
      RolloutPlan: MessageTypeDefinition<_fleetswap_v1_RolloutPlan, _fleetswap_v1_RolloutPlan__Output>
      RolloutReply: MessageTypeDefinition<_fleetswap_v1_RolloutReply, _fleetswap_v1_RolloutReply__Output>
      SlotInfo: MessageTypeDefinition<_fleetswap_v1_SlotInfo, _fleetswap_v1_SlotInfo__Output>
      StagingStats: MessageTypeDefinition<_fleetswap_v1_StagingStats, _fleetswap_v1_StagingStats__Output>
      StatusReply: MessageTypeDefinition<_fleetswap_v1_StatusReply, _fleetswap_v1_StatusReply__Output>
      StatusRequest: MessageTypeDefinition<_fleetswap_v1_StatusRequest, _fleetswap_v1_StatusRequest__Output>
      TestNotifyReply: MessageTypeDefinition<_fleetswap_v1_TestNotifyReply, _fleetswap_v1_TestNotifyReply__Output>
      TokenInfo: MessageTypeDefinition<_fleetswap_v1_TokenInfo, _fleetswap_v1_TokenInfo__Output>
      UploadBlobsReply: MessageTypeDefinition<_fleetswap_v1_UploadBlobsReply, _fleetswap_v1_UploadBlobsReply__Output>
      Verdict: MessageTypeDefinition<_fleetswap_v1_Verdict, _fleetswap_v1_Verdict__Output>
      VitalsBatch: MessageTypeDefinition<_fleetswap_v1_VitalsBatch, _fleetswap_v1_VitalsBatch__Output>
      VitalsCounters: MessageTypeDefinition<_fleetswap_v1_VitalsCounters, _fleetswap_v1_VitalsCounters__Output>
      VitalsSample: MessageTypeDefinition<_fleetswap_v1_VitalsSample, _fleetswap_v1_VitalsSample__Output>
    }
  }
}

