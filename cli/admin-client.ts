import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { FleetswapError } from '../shared/errors.js';
import type { AdminServiceClient, AdminServiceDefinition } from '../shared/gen/fleetswap/v1/AdminService.js';
import type { BlobChunk } from '../shared/gen/fleetswap/v1/BlobChunk.js';
import type { Rollout__Output } from '../shared/gen/fleetswap/v1/Rollout.js';
import type { UploadBlobsReply__Output } from '../shared/gen/fleetswap/v1/UploadBlobsReply.js';
import { channelOptions, services, type AdminMethod } from '../shared/proto.js';
import { fromServiceError } from '../shared/rpc-errors.js';
import { channelCredentials, type Transport } from '../shared/tls.js';

export const DEFAULT_COORDINATOR = '127.0.0.1:7400';

/** What each rpc takes, and what it answers (as decoded: every field set, a nested message or null), as proto/ says. */
type Api = {
  [M in AdminMethod]: AdminServiceDefinition[M] extends MethodDefinition<infer Req, infer _Res, infer _ReqOut, infer ResOut> ? { req: Req; reply: ResOut } : never;
};
/** The rpcs with one request and one reply: all but UploadBlobs (upload()). */
type UnaryMethod = Exclude<AdminMethod, 'UploadBlobs'>;
/** Each unary rpc as the generated client has it (one of its overloads), so that call() can index it by name. */
type UnaryCalls = {
  [M in UnaryMethod]: (argument: Api[M]['req'], metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Api[M]['reply']>) => grpc.ClientUnaryCall;
};
/** The rpcs that answer with the rollout they made or moved, each with its request. */
type RolloutMethod = 'Deploy' | 'Rollback' | 'Promote' | 'Pause' | 'Resume' | 'Abort';
type RolloutCall = { [M in RolloutMethod]: [method: M, req: Api[M]['req']] }[RolloutMethod];

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

/** AdminClient is the CLI's typed view of AdminService; every failure comes back as a FleetswapError. */
export class AdminClient {
  private readonly client: AdminServiceClient;

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

  call<M extends UnaryMethod>(method: M, req: Api[M]['req'], timeoutMs = 30_000): Promise<Api[M]['reply']> {
    const calls: UnaryCalls = this.client;
    return new Promise((resolve, reject) => {
      calls[method](req, this.metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(fromServiceError(err, this.target));
        else if (res) resolve(res);
        else reject(noReply(this.target, method));
      });
    });
  }

  /** rollout calls a method that answers with the rollout it made or moved; a reply without one is refused. */
  rollout(...[method, req]: RolloutCall): Promise<Rollout__Output> {
    return this.call<RolloutMethod>(method, req).then((reply) => carried(reply.rollout, this, method, 'the rollout'));
  }

  /** upload streams blob chunks with backpressure; the coordinator stores them only if all verify. */
  async upload(chunks: AsyncIterable<BlobChunk>): Promise<UploadBlobsReply__Output> {
    let result: Promise<UploadBlobsReply__Output>;
    const call = await new Promise<grpc.ClientWritableStream<BlobChunk>>((ready) => {
      result = new Promise((resolve, reject) => {
        const c = this.client.UploadBlobs(this.metadata(), (err, res) => {
          if (err) reject(fromServiceError(err, this.target));
          else if (res) resolve(res);
          else reject(noReply(this.target, 'UploadBlobs'));
        });
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

/** carried is a nested message a reply always carries: one missing is refused, never taken for empty. */
export function carried<T>(value: T | null, client: Pick<AdminClient, 'target'>, method: AdminMethod, what: string): T {
  if (value === null) throw new FleetswapError('BAD_REPLY', `the coordinator at ${client.target} answered ${method} without ${what}`);
  return value;
}

/** noReply: grpc-js gives a reply whenever it gives no error; were it ever to give neither, that is said, not taken for an empty reply. */
function noReply(target: string, method: AdminMethod): FleetswapError {
  return new FleetswapError('BAD_REPLY', `the coordinator at ${target} answered ${method} with nothing`);
}
