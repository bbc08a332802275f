import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Agent, AgentOptions } from '../../agent/agent.js';
import { caInit, caIssue } from '../../cli/ca.js';
import type { Coordinator, CoordinatorOptions } from '../../coordinator/coordinator.js';
import type { AgentServiceClient } from '../../shared/gen/fleetswap/v1/AgentService.js';
import type { ManifestReply__Output } from '../../shared/gen/fleetswap/v1/ManifestReply.js';
import type { ManifestRequest } from '../../shared/gen/fleetswap/v1/ManifestRequest.js';
import { channelOptions, services } from '../../shared/proto.js';
import { channelCredentials, type TlsFiles } from '../../shared/tls.js';
import { AdminClient, TEST_TOKEN, aCoordinator, anAgent, cleanup, tempDir } from '../fixtures.js';

// A fleet over TLS with its own CA, in one process: what the attack tests
// start from. Every client here is a real grpc-js client with real
// certificates (or none), talking to a real coordinator on 127.0.0.1.

export interface TlsFleet {
  dir: string;
  coordinator: Coordinator;
  /** files issues (once) and reads a certificate for `name` with `role`. */
  files(name: string, role?: 'agent' | 'coordinator' | 'admin'): Promise<TlsFiles>;
  /** agentClient is a raw AgentService client presenting `name`'s certificate, or none. */
  agentClient(name?: string): Promise<AgentServiceClient>;
  admin(): AdminClient;
  anAgent(id: string, opts?: Partial<AgentOptions>): Promise<Agent>;
  /** stop stops every agent and client it made, the coordinator, and removes the directory. */
  stop(): Promise<void>;
}

export async function aTlsFleet(opts: Partial<CoordinatorOptions> = {}): Promise<TlsFleet> {
  const dir = await tempDir();
  const ca = join(dir, 'ca');
  await caInit(ca);
  const issued = new Set<string>();
  const caPem = await readFile(join(ca, 'ca.crt'));
  const files = async (name: string, role: 'agent' | 'coordinator' | 'admin' = 'agent'): Promise<TlsFiles> => {
    if (!issued.has(name)) {
      await caIssue(ca, name, role, role === 'coordinator' ? ['127.0.0.1'] : []);
      issued.add(name);
    }
    return { ca: caPem, cert: await readFile(join(ca, `${name}.crt`)), key: await readFile(join(ca, `${name}.key`)) };
  };
  const coordinator = await aCoordinator(join(dir, 'data'), { transport: { tls: await files('coordinator', 'coordinator') }, ...opts });
  const clients: grpc.Client[] = [];
  const agents: Agent[] = [];
  return {
    dir,
    coordinator,
    files,
    async agentClient(name) {
      const tls = name ? await files(name) : { ca: caPem };
      const c = new (services().agent)(coordinator.address, channelCredentials({ tls }), channelOptions);
      clients.push(c);
      return c;
    },
    admin: () => new AdminClient(coordinator.address, TEST_TOKEN, { tls: { ca: caPem } }),
    async anAgent(id, o = {}) {
      const agent = await anAgent(coordinator.address, join(dir, id), { id, transport: { tls: await files(id) }, ...o });
      agents.push(agent);
      return agent;
    },
    async stop() {
      for (const a of agents.splice(0)) await a.stop();
      for (const c of clients.splice(0)) c.close();
      await coordinator.stop();
      await cleanup(dir);
    },
  };
}

/** getManifest asks for a manifest as an agent does, and gives back the reply or the error that refused it. */
export function getManifest(client: AgentServiceClient, req: ManifestRequest): Promise<{ ok: ManifestReply__Output } | { err: grpc.ServiceError }> {
  return new Promise((resolve, reject) => {
    client.GetManifest(req, (err, res) => (err ? resolve({ err }) : res ? resolve({ ok: res }) : reject(new Error('GetManifest gave neither a reply nor an error'))));
  });
}

/** drain reads a server stream to its end: the chunks it gave, or the error that ended it. */
export function drain<T>(stream: grpc.ClientReadableStream<T>): Promise<{ chunks: T[]; err?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    const chunks: T[] = [];
    stream.on('data', (c: T) => chunks.push(c));
    stream.on('error', (err: grpc.ServiceError) => resolve({ chunks, err }));
    stream.on('end', () => resolve({ chunks }));
  });
}
