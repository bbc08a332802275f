import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { FleetswapError, errorMessage } from '../shared/errors.js';
import type { AdminServiceClient, AdminServiceDefinition } from '../shared/gen/fleetswap/v1/AdminService.js';
import type { BlobChunk } from '../shared/gen/fleetswap/v1/BlobChunk.js';
import type { Rollout__Output } from '../shared/gen/fleetswap/v1/Rollout.js';
import type { UploadBlobsReply__Output } from '../shared/gen/fleetswap/v1/UploadBlobsReply.js';
import { channelOptions, services, type AdminMethod } from '../shared/proto.js';
import { fromServiceError } from '../shared/rpc-errors.js';
import { parseTargets } from '../shared/targets.js';
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

/**
 * AdminClient is the CLI's typed view of AdminService; every failure comes
 * back as a FleetswapError. It takes one coordinator address or several
 * (comma-separated, coordinators sharing one database): a call goes to the
 * one that answered last, moves on to the next when one cannot be reached,
 * and goes to the leader a follower names when it refuses a write.
 */
export class AdminClient {
  private readonly targets: string[];
  private readonly clients = new Map<string, AdminServiceClient>();
  private current: string;

  /**
   * @param target host:port, or several separated by commas
   * @param token the API token every call presents. @default FLEETSWAP_TOKEN
   * @param transport @default TLS with FLEETSWAP_CA, or plaintext with FLEETSWAP_INSECURE=1
   */
  constructor(
    target: string,
    private readonly token = process.env.FLEETSWAP_TOKEN ?? '',
    private readonly transport: Transport = transportFromEnv(),
  ) {
    this.targets = parseTargets(target);
    this.current = this.targets[0] as string;
  }

  /** target is the coordinator calls go to now. */
  get target(): string {
    return this.current;
  }

  private client(): AdminServiceClient {
    let c = this.clients.get(this.current);
    if (!c) this.clients.set(this.current, (c = new (services().admin)(this.current, channelCredentials(this.transport), channelOptions)));
    return c;
  }

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.token) md.set('authorization', `Bearer ${this.token}`);
    return md;
  }

  async call<M extends UnaryMethod>(method: M, req: Api[M]['req'], timeoutMs = 30_000): Promise<Api[M]['reply']> {
    // Each address once, and the leader a follower names once more.
    const tried = new Set<string>();
    let follower: FleetswapError | undefined;
    for (;;) {
      tried.add(this.current);
      try {
        const reply = await this.once(method, req, timeoutMs);
        return method === 'Status' ? ((await this.leaderStatus(reply as Api['Status']['reply'], req as Api['Status']['req'], timeoutMs)) as Api[M]['reply']) : reply;
      } catch (err) {
        if (err instanceof RetryElsewhere && err.error.code === 'NOT_LEADER') follower ??= err.error;
        const next = this.nextAfter(err, tried);
        if (next) {
          this.current = next;
          continue;
        }
        const last = err instanceof RetryElsewhere ? err.error : err;
        // Said first: the coordinator asked is a follower; then why the leader it named did not answer.
        if (follower && follower !== last) throw new FleetswapError('NOT_LEADER', `${follower.message}; ${errorMessage(last)}`, { leader: follower.leader });
        throw last;
      }
    }
  }

  private once<M extends UnaryMethod>(method: M, req: Api[M]['req'], timeoutMs: number): Promise<Api[M]['reply']> {
    const calls: UnaryCalls = this.client();
    const target = this.current;
    return new Promise((resolve, reject) => {
      calls[method](req, this.metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(movable(err) ? new RetryElsewhere(fromServiceError(err, target)) : fromServiceError(err, target));
        else if (res) resolve(res);
        else reject(noReply(target, method));
      });
    });
  }

  /**
   * leaderStatus: a follower's status says who leads but knows no agent
   * connection; the leader's is asked for instead, and the follower's kept
   * when the leader cannot answer (it is gone, and another is being chosen).
   */
  private async leaderStatus(reply: Api['Status']['reply'], req: Api['Status']['req'], timeoutMs: number): Promise<Api['Status']['reply']> {
    const leader = reply.coordinators.find((c) => c.leader);
    if (!leader || leader.name === reply.answered_by) return reply;
    const asked = this.current;
    this.current = leader.address;
    try {
      return await this.once('Status', req, timeoutMs);
    } catch {
      this.current = asked;
      return reply;
    }
  }

  /** nextAfter is where a refused call goes next: the leader a follower named, else the next address not yet tried. */
  private nextAfter(err: unknown, tried: Set<string>): string | undefined {
    if (!(err instanceof RetryElsewhere)) return undefined;
    const leader = err.error.leader;
    if (leader && !tried.has(leader)) return leader;
    return this.targets.find((t) => !tried.has(t));
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
        const c = this.client().UploadBlobs(this.metadata(), (err, res) => {
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
    for (const c of this.clients.values()) c.close();
  }
}

/**
 * movable: the call never reached a coordinator that could act on it (none
 * listening there, or a follower that points to the leader), so it may go to
 * another. A coordinator that answered anything else, even a failure of its
 * database, is not asked again elsewhere.
 */
function movable(err: grpc.ServiceError): boolean {
  const code = err.metadata?.get('fleetswap-code')[0];
  if (code === 'NOT_LEADER') return true;
  // Only a call that never left: one cut off mid-way ("Connection dropped")
  // may have been acted on, and a deploy is not sent twice.
  return code === undefined && err.code === grpc.status.UNAVAILABLE && NEVER_CONNECTED.test(err.details ?? '');
}

const NEVER_CONNECTED = /No connection established|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|Name resolution failed/;

/** RetryElsewhere carries a refusal that another coordinator may not give. */
class RetryElsewhere extends Error {
  constructor(readonly error: FleetswapError) {
    super(error.message);
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
