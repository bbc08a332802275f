import type { Logger } from '../shared/log.js';
import type { CoordinatorMember } from '../shared/gen/fleetswap/v1/CoordinatorMember.js';
import type { Transport } from '../shared/tls.js';
import type { AuditLog } from './audit.js';
import type { Auth } from './auth.js';
import type { BlobStore } from './blobs/blob-store.js';
import type { DriftMonitor } from './drift.js';
import type { JoinRule } from './join.js';
import type { SigningPolicy } from './releases.js';
import type { Revocation } from './revocation.js';
import type { Fleet } from './fleet.js';
import type { Notifier } from './notify/notifier.js';
import type { Refusals } from './refusals.js';
import type { Clock, RolloutEngine } from './rollout.js';
import type { Store } from './store.js';
import type { VitalsSink } from './vitals.js';

/** Cluster is what the handlers know of the other coordinators sharing the database (coordinator.ts). */
export interface Cluster {
  /** view: the coordinators seen lately, the leader marked; empty for a lone coordinator on SQLite. */
  view(): Promise<{ coordinators: CoordinatorMember[]; answered_by: string; epoch: number }>;
}

/** ServiceDeps is what the gRPC handlers are built from (coordinator.ts wires them). */
export interface ServiceDeps {
  cluster: Cluster;
  transport: Transport;
  store: Store;
  blobs: BlobStore;
  fleet: Fleet;
  engine: RolloutEngine;
  vitals: VitalsSink;
  drift: DriftMonitor;
  join: JoinRule;
  audit: AuditLog;
  auth: Auth;
  refusals: Refusals;
  /** The fleet CA's revocation list (--crl): agentPeer refuses revoked certificates with it. */
  revocation: Revocation;
  signing: SigningPolicy;
  /** Delivers the event stream to notification receivers (leader only); its context makes dashboard links. */
  notifier: Notifier;
  /** The most one upload may send per second. */
  uploadBytesPerSecond: number;
  /** How long a new stream may go without a hello before it is closed. */
  helloTimeoutMs: number;
  now: Clock;
  log: Logger;
}
