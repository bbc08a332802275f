import type * as grpc from '@grpc/grpc-js';
import type { AgentMessage } from '../../shared/gen/fleetswap/v1/AgentMessage.js';
import type { AgentServiceClient } from '../../shared/gen/fleetswap/v1/AgentService.js';
import type { Directive__Output as Directive } from '../../shared/gen/fleetswap/v1/Directive.js';

/**
 * AgentStream is a hand-driven Connect stream: an attacker holding an agent
 * certificate (or none) who writes whatever messages it likes.
 */
export class AgentStream {
  readonly directives: Directive[] = [];
  /** The status that ended the stream, once it ended. */
  ended: Promise<grpc.ServiceError | undefined>;
  private readonly call: grpc.ClientDuplexStream<AgentMessage, Directive>;
  accepted = false;

  constructor(client: AgentServiceClient) {
    this.call = client.Connect();
    this.call.on('metadata', () => (this.accepted = true));
    this.call.on('data', (d: Directive) => this.directives.push(d));
    this.ended = new Promise((resolve) => {
      this.call.on('error', (err: grpc.ServiceError) => resolve(err));
      this.call.on('end', () => resolve(undefined));
    });
  }

  send(msg: AgentMessage): void {
    this.call.write(msg);
  }

  close(): void {
    this.call.cancel();
  }
}

export function aHello(id: string, over: Partial<NonNullable<AgentMessage['hello']>> = {}): AgentMessage {
  return { hello: { host_id: id, tags: {}, slot_count: 5, slots: [], live_release: '', last_generation: 0, agent_version: 'test', last_report: null, unsigned_allowed: true, ...over } };
}
