import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { sha256 } from '../../shared/hash.js';
import { buildManifest, type FileEntry } from '../../shared/manifest.js';
import { serverOptions, services } from '../../shared/proto.js';
import { keyId, signRelease, type ReleaseSignature, type TrustedKey } from '../../shared/signing.js';
import type { AgentMessage__Output } from '../../shared/gen/fleetswap/v1/AgentMessage.js';
import type { AgentServiceHandlers } from '../../shared/gen/fleetswap/v1/AgentService.js';
import type { BlobChunk } from '../../shared/gen/fleetswap/v1/BlobChunk.js';
import type { Directive } from '../../shared/gen/fleetswap/v1/Directive.js';
import type { Hello__Output } from '../../shared/gen/fleetswap/v1/Hello.js';
import type { Report__Output } from '../../shared/gen/fleetswap/v1/Report.js';

// A coordinator taken over, as the agent sees it: a real gRPC server that
// implements AgentService from proto/ and says whatever a test tells it to.
// It holds releases signed with real keys (it has every release ever
// pushed, and every signature), and can misbehave where a test asks.

export interface FakeRelease {
  id: string;
  label: string;
  manifest: Buffer;
  signatures: ReleaseSignature[];
  blobs: Map<string, Buffer>;
}

type ManifestAnswer = { manifest: Buffer; delta: Buffer; delta_base: string; signatures: ReleaseSignature[] };

/**
 * A directive as a coordinator built from a newer proto may send it: a kind
 * this proto has no name for goes out as its number.
 */
export type NewerDirective = Omit<Directive, 'kind'> & { kind?: Directive['kind'] | number };

export class FakeCoordinator {
  readonly releases = new Map<string, FakeRelease>();
  /** Every GetManifest asked, in order. */
  readonly manifestCalls: { release_id: string; have: string[] }[] = [];
  /** Every FetchBlobs asked, in order. */
  readonly fetchCalls: string[][] = [];
  readonly reports: Report__Output[] = [];
  hello: Hello__Output | undefined;
  /** Replaces the honest answer to GetManifest. */
  onManifest: ((req: { release_id: string; have: string[] }, honest: () => ManifestAnswer) => ManifestAnswer) | undefined;
  /** Replaces the honest bytes of a blob: what the stream carries for it. */
  onBlob: ((hash: string, honest: Buffer, call: grpc.ServerWritableStream<unknown, BlobChunk>) => AsyncIterable<Buffer>) | undefined;
  private stream: grpc.ServerDuplexStream<AgentMessage__Output, NewerDirective> | undefined;
  private generation = 0;
  private readonly waiters = new Map<number, (r: Report__Output) => void>();
  address = '';

  private constructor(private readonly server: grpc.Server) {}

  static async start(): Promise<FakeCoordinator> {
    const server = new grpc.Server(serverOptions);
    const fake = new FakeCoordinator(server);
    server.addService(services().agent.service, fake.service());
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    fake.address = `127.0.0.1:${port}`;
    return fake;
  }

  connected(): boolean {
    return this.stream !== undefined;
  }

  /** directive sends one directive (a fresh generation) and resolves with the agent's report on it. */
  directive(d: Omit<NewerDirective, 'generation'>, timeoutMs = 15_000): Promise<Report__Output> {
    if (!this.stream) throw new Error('no agent connected');
    const generation = ++this.generation;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no report on ${d.kind} ${d.release_id?.slice(0, 20)} in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(generation, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.stream?.write({ ...d, generation });
    });
  }

  async stop(): Promise<void> {
    this.stream?.end();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private service(): grpc.UntypedServiceImplementation {
    // Connect sends the newer directives, so it is typed here by hand; the other two as proto/ says.
    const Connect = (call: grpc.ServerDuplexStream<AgentMessage__Output, NewerDirective>) => {
      call.on('data', (msg: AgentMessage__Output) => {
        if (msg.hello) {
          this.hello = msg.hello;
          // Past whatever the agent has applied, or it ignores what comes as a replay.
          this.generation = Math.max(this.generation, msg.hello.last_generation);
          this.stream = call;
          call.sendMetadata(new grpc.Metadata());
        } else if (msg.report) {
          this.reports.push(msg.report);
          this.waiters.get(msg.report.generation)?.(msg.report);
          this.waiters.delete(msg.report.generation);
        }
      });
      const gone = () => {
        if (this.stream === call) this.stream = undefined;
      };
      call.on('end', () => {
        gone();
        call.end();
      });
      call.on('cancelled', gone);
      call.on('error', gone);
    };
    const GetManifest: AgentServiceHandlers['GetManifest'] = (call, cb) => {
      const req = { release_id: call.request.release_id, have: [...call.request.have] };
      this.manifestCalls.push(req);
      const honest = (): ManifestAnswer => {
        const r = this.releases.get(req.release_id);
        if (!r) throw new Error(`no release ${req.release_id}`);
        return { manifest: r.manifest, delta: Buffer.alloc(0), delta_base: '', signatures: r.signatures };
      };
      try {
        cb(null, this.onManifest ? this.onManifest(req, honest) : honest());
      } catch (err) {
        cb({ code: grpc.status.NOT_FOUND, details: (err as Error).message });
      }
    };
    const FetchBlobs: AgentServiceHandlers['FetchBlobs'] = async (call) => {
      this.fetchCalls.push([...call.request.hashes]);
      const all = new Map([...this.releases.values()].flatMap((r) => [...r.blobs]));
      for (const hash of call.request.hashes) {
        const honest = all.get(hash) ?? Buffer.alloc(0);
        const chunks: AsyncIterable<Buffer> = this.onBlob
          ? this.onBlob(hash, honest, call)
          : (async function* () {
              yield honest;
            })();
        for await (const data of chunks) {
          if (call.cancelled) return;
          if (!call.write({ hash, data, last: false })) {
            await new Promise((r) => {
              call.once('drain', r);
              call.once('cancelled', r);
            });
          }
        }
        call.write({ hash, data: Buffer.alloc(0), last: true });
      }
      call.end();
    };
    return { Connect, GetManifest, FetchBlobs };
  }
}

/** ReleaseKey is a release signing key and the same key as a host trusts it. */
export interface ReleaseKey {
  key: KeyObject;
  trusted: TrustedKey;
}

export function aReleaseKey(name: string): ReleaseKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { key: privateKey, trusted: { id: keyId(publicKey), key: publicKey, source: name } };
}

/**
 * aFakeRelease builds a release from files (path -> content), signed by
 * each of `signers` for a fleet at a time, as `push --sign-key` would.
 */
export function aFakeRelease(
  label: string,
  files: Record<string, string | Buffer>,
  signers: { key: ReleaseKey; fleet: string; signedAtMs: number }[],
  irreversible = '',
): FakeRelease {
  const blobs = new Map<string, Buffer>();
  const entries: FileEntry[] = Object.entries(files).map(([path, content]) => {
    const data = Buffer.from(content);
    const hash = sha256(data);
    blobs.set(hash, data);
    return { path, type: 'file', mode: 0o644, size: data.length, sha256: hash };
  });
  const { bytes, id } = buildManifest({ label, owner: 'tests', notes: '', irreversible }, entries);
  const signatures = signers.map((s) => signRelease(id, s.key.key, { fleet: s.fleet, irreversible: irreversible !== '' }, s.signedAtMs));
  return { id, label, manifest: bytes, signatures, blobs };
}
