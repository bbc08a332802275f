// Original file: proto/fleetswap.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AgentMessage as _fleetswap_v1_AgentMessage, AgentMessage__Output as _fleetswap_v1_AgentMessage__Output } from '../../fleetswap/v1/AgentMessage.js';
import type { BlobChunk as _fleetswap_v1_BlobChunk, BlobChunk__Output as _fleetswap_v1_BlobChunk__Output } from '../../fleetswap/v1/BlobChunk.js';
import type { Directive as _fleetswap_v1_Directive, Directive__Output as _fleetswap_v1_Directive__Output } from '../../fleetswap/v1/Directive.js';
import type { FetchBlobsRequest as _fleetswap_v1_FetchBlobsRequest, FetchBlobsRequest__Output as _fleetswap_v1_FetchBlobsRequest__Output } from '../../fleetswap/v1/FetchBlobsRequest.js';
import type { ManifestReply as _fleetswap_v1_ManifestReply, ManifestReply__Output as _fleetswap_v1_ManifestReply__Output } from '../../fleetswap/v1/ManifestReply.js';
import type { ManifestRequest as _fleetswap_v1_ManifestRequest, ManifestRequest__Output as _fleetswap_v1_ManifestRequest__Output } from '../../fleetswap/v1/ManifestRequest.js';

/**
 * AgentService is called by agents only. Agents open every connection
 * (CONTRACT invariant 6): the coordinator never dials a host.
 */
export interface AgentServiceClient extends grpc.Client {
  /**
   * Connect is the agent's one long-lived stream: hello, then reports up;
   * directives down.
   */
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetswap_v1_AgentMessage, _fleetswap_v1_Directive__Output>;
  Connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetswap_v1_AgentMessage, _fleetswap_v1_Directive__Output>;
  /**
   * Connect is the agent's one long-lived stream: hello, then reports up;
   * directives down.
   */
  connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetswap_v1_AgentMessage, _fleetswap_v1_Directive__Output>;
  connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetswap_v1_AgentMessage, _fleetswap_v1_Directive__Output>;
  
  /**
   * FetchBlobs streams the named blobs, each as contiguous chunks in request
   * order, the last chunk of a blob flagged `last`.
   */
  FetchBlobs(argument: _fleetswap_v1_FetchBlobsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleetswap_v1_BlobChunk__Output>;
  FetchBlobs(argument: _fleetswap_v1_FetchBlobsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleetswap_v1_BlobChunk__Output>;
  /**
   * FetchBlobs streams the named blobs, each as contiguous chunks in request
   * order, the last chunk of a blob flagged `last`.
   */
  fetchBlobs(argument: _fleetswap_v1_FetchBlobsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleetswap_v1_BlobChunk__Output>;
  fetchBlobs(argument: _fleetswap_v1_FetchBlobsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleetswap_v1_BlobChunk__Output>;
  
  /**
   * GetManifest returns the canonical manifest bytes; the agent checks that
   * their sha256 is the release id before trusting a single entry.
   */
  GetManifest(argument: _fleetswap_v1_ManifestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ManifestReply__Output>): grpc.ClientUnaryCall;
  GetManifest(argument: _fleetswap_v1_ManifestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_ManifestReply__Output>): grpc.ClientUnaryCall;
  GetManifest(argument: _fleetswap_v1_ManifestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ManifestReply__Output>): grpc.ClientUnaryCall;
  GetManifest(argument: _fleetswap_v1_ManifestRequest, callback: grpc.requestCallback<_fleetswap_v1_ManifestReply__Output>): grpc.ClientUnaryCall;
  /**
   * GetManifest returns the canonical manifest bytes; the agent checks that
   * their sha256 is the release id before trusting a single entry.
   */
  getManifest(argument: _fleetswap_v1_ManifestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ManifestReply__Output>): grpc.ClientUnaryCall;
  getManifest(argument: _fleetswap_v1_ManifestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetswap_v1_ManifestReply__Output>): grpc.ClientUnaryCall;
  getManifest(argument: _fleetswap_v1_ManifestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetswap_v1_ManifestReply__Output>): grpc.ClientUnaryCall;
  getManifest(argument: _fleetswap_v1_ManifestRequest, callback: grpc.requestCallback<_fleetswap_v1_ManifestReply__Output>): grpc.ClientUnaryCall;
  
}

/**
 * AgentService is called by agents only. Agents open every connection
 * (CONTRACT invariant 6): the coordinator never dials a host.
 */
export interface AgentServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Connect is the agent's one long-lived stream: hello, then reports up;
   * directives down.
   */
  Connect: grpc.handleBidiStreamingCall<_fleetswap_v1_AgentMessage__Output, _fleetswap_v1_Directive>;
  
  /**
   * FetchBlobs streams the named blobs, each as contiguous chunks in request
   * order, the last chunk of a blob flagged `last`.
   */
  FetchBlobs: grpc.handleServerStreamingCall<_fleetswap_v1_FetchBlobsRequest__Output, _fleetswap_v1_BlobChunk>;
  
  /**
   * GetManifest returns the canonical manifest bytes; the agent checks that
   * their sha256 is the release id before trusting a single entry.
   */
  GetManifest: grpc.handleUnaryCall<_fleetswap_v1_ManifestRequest__Output, _fleetswap_v1_ManifestReply>;
  
}

export interface AgentServiceDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<_fleetswap_v1_AgentMessage, _fleetswap_v1_Directive, _fleetswap_v1_AgentMessage__Output, _fleetswap_v1_Directive__Output>
  FetchBlobs: MethodDefinition<_fleetswap_v1_FetchBlobsRequest, _fleetswap_v1_BlobChunk, _fleetswap_v1_FetchBlobsRequest__Output, _fleetswap_v1_BlobChunk__Output>
  GetManifest: MethodDefinition<_fleetswap_v1_ManifestRequest, _fleetswap_v1_ManifestReply, _fleetswap_v1_ManifestRequest__Output, _fleetswap_v1_ManifestReply__Output>
}
