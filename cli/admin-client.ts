import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { FleetswapError } from '../shared/errors.js';
import { channelOptions, services } from '../shared/proto.js';
import { fromServiceError } from '../shared/rpc-errors.js';
import { channelCredentials, type Transport } from '../shared/tls.js';
import type { ReleaseSignature } from '../shared/signing.js';
import type {
  BlobChunk,
  DeployRequest,
  AuditEntryWire,
  DesiredChange,
  DriftPoliciesWire,
  DriftReportReply,
  HaltRequest,
  HaltState,
  Host,
  Release,
  RollbackRequest,
  Rollout,
  RolloutAction,
  StatusReply,
} from '../shared/wire.js';

export const DEFAULT_COORDINATOR = '127.0.0.1:7400';

interface Methods {
  MissingBlobs: [{ hashes: string[] }, { missing: string[] }];
  RegisterRelease: [{ manifest: Buffer; pushed_by: string; dry_run: boolean; signatures: ReleaseSignature[] }, { release: Release; created: boolean }];
  ListReleases: [Record<string, never>, { releases: Release[] }];
  Deploy: [DeployRequest, { rollout: Rollout }];
  Rollback: [RollbackRequest, { rollout: Rollout }];
  Status: [{ rollout_id: number }, StatusReply];
  ListHosts: [Record<string, never>, { hosts: Host[]; labels: Record<string, string>; halt?: HaltState | null }];
  Promote: [RolloutAction, { rollout: Rollout }];
  Pause: [RolloutAction, { rollout: Rollout }];
  Resume: [RolloutAction, { rollout: Rollout }];
  Abort: [RolloutAction, { rollout: Rollout }];
  Halt: [HaltRequest, HaltState];
  Drift: [Record<string, never>, DriftReportReply];
  DriftClean: [{ host: string; actor: string }, Record<string, never>];
  Audit: [{ after_id: number; limit: number }, { entries: AuditEntryWire[]; more: boolean; head_id: number; head_hash: string }];
  SetDriftPolicy: [{ policy: string; select: Record<string, string>; actor: string }, DriftPoliciesWire];
  Unhalt: [HaltRequest, HaltState];
  History: [Record<string, never>, { changes: DesiredChange[]; labels: Record<string, string> }];
  CreateToken: [{ name: string; role: string; actor: string }, { token: string; name: string; role: string }];
  ListTokens: [Record<string, never>, { tokens: { name: string; role: string; created_at: string; created_by: string; revoked_at: string }[] }];
  RevokeToken: [{ name: string; actor: string }, Record<string, never>];
}

/** transportFromEnv is the CLI's default: FLEETSWAP_INSECURE=1 for plaintext, else TLS trusting FLEETSWAP_CA. */
export function transportFromEnv(): Transport {
  if (process.env.FLEETSWAP_INSECURE === '1') return { insecure: true };
  const ca = process.env.FLEETSWAP_CA;
  if (!ca) throw new FleetswapError('BAD_USAGE', 'no CA to check the coordinator with: give --ca FILE (or FLEETSWAP_CA), or --insecure (FLEETSWAP_INSECURE=1) for plaintext');
  try {
    return { tls: { ca: readFileSync(ca) } };
  } catch (err) {
    throw new FleetswapError('BAD_USAGE', `cannot read --ca ${ca}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

type UnaryFn = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

/** AdminClient is the CLI's typed view of AdminService; every failure comes back as a FleetswapError. */
export class AdminClient {
  private readonly client: grpc.Client;

  /**
   * @param token the API token every call presents. @default FLEETSWAP_TOKEN
   * @param transport @default TLS with FLEETSWAP_CA, or plaintext with FLEETSWAP_INSECURE=1
   */
  constructor(
    readonly target: string,
    private readonly token = process.env.FLEETSWAP_TOKEN ?? '',
    transport: Transport = transportFromEnv(),
  ) {
    this.client = new (services().admin)(target, channelCredentials(transport), channelOptions);
  }

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.token) md.set('authorization', `Bearer ${this.token}`);
    return md;
  }

  call<M extends keyof Methods>(method: M, req: Methods[M][0], timeoutMs = 30_000): Promise<Methods[M][1]> {
    const fn = (this.client as unknown as Record<string, UnaryFn>)[method] as UnaryFn;
    return new Promise((resolve, reject) => {
      fn.call(this.client, req, this.metadata(), { deadline: Date.now() + timeoutMs }, (err, res) =>
        err ? reject(fromServiceError(err, this.target)) : resolve(res as Methods[M][1]),
      );
    });
  }

  /** upload streams blob chunks with backpressure; the coordinator stores them only if all verify. */
  async upload(chunks: AsyncIterable<BlobChunk>): Promise<{ blobs: number; bytes: number }> {
    let result: Promise<{ blobs: number; bytes: number }>;
    const call = await new Promise<grpc.ClientWritableStream<BlobChunk>>((ready) => {
      result = new Promise((resolve, reject) => {
        const c = (this.client as unknown as { UploadBlobs: (md: grpc.Metadata, cb: (e: grpc.ServiceError | null, r: unknown) => void) => grpc.ClientWritableStream<BlobChunk> }).UploadBlobs(
          this.metadata(),
          (err, res) => (err ? reject(fromServiceError(err, this.target)) : resolve(res as { blobs: number; bytes: number })),
        );
        ready(c);
      });
    });
    // The coordinator may refuse a blob while later ones are still being
    // sent: that answer must stop the sending (a refused stream never drains)
    // and is awaited below, so it must not count as an unhandled rejection.
    let answered = false;
    const answer = result!.then(
      () => void (answered = true),
      () => void (answered = true),
    );
    try {
      for await (const chunk of chunks) {
        if (answered) break;
        if (!call.write(chunk)) await Promise.race([new Promise((r) => call.once('drain', r)), answer]);
      }
      call.end();
    } catch (err) {
      call.cancel();
      await result!.catch(() => undefined);
      throw err;
    }
    return result!;
  }

  close(): void {
    this.client.close();
  }
}
