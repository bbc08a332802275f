import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { AgentMessage__Output } from '../shared/gen/fleetswap/v1/AgentMessage.js';
import type { Directive, Directive__Output } from '../shared/gen/fleetswap/v1/Directive.js';

export type AgentCall = ServerDuplexStream<AgentMessage__Output, Directive>;

/**
 * Fleet knows which hosts have a live stream and sends them directives. It
 * holds no durable state: what a host should do is in the store, and is
 * sent again whenever the host says hello.
 */
export class Fleet {
  private readonly sessions = new Map<string, AgentCall>();

  /** attach makes `call` the host's stream (agent-service refuses a second stream for a connected id). */
  attach(hostId: string, call: AgentCall): void {
    this.sessions.set(hostId, call);
  }

  /** detach forgets `call` if it is still the host's current stream. */
  detach(hostId: string, call: AgentCall): boolean {
    if (this.sessions.get(hostId) !== call) return false;
    this.sessions.delete(hostId);
    return true;
  }

  isConnected(hostId: string): boolean {
    return this.sessions.has(hostId);
  }

  /** streams is every host's current stream (the coordinator closes those whose certificate was revoked). */
  streams(): IterableIterator<[string, AgentCall]> {
    return this.sessions.entries();
  }

  connectedCount(): number {
    return this.sessions.size;
  }

  send(hostId: string, d: Directive__Output): boolean {
    const call = this.sessions.get(hostId);
    if (!call) return false;
    call.write(d);
    return true;
  }

  closeAll(): void {
    for (const call of this.sessions.values()) call.end();
    this.sessions.clear();
  }
}
