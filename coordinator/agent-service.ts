import * as grpc from '@grpc/grpc-js';
import type { ReportKind } from '../shared/domain.js';
import { FleetswapError, errorMessage } from '../shared/errors.js';
import type { AgentMessage__Output } from '../shared/gen/fleetswap/v1/AgentMessage.js';
import type { AgentServiceHandlers } from '../shared/gen/fleetswap/v1/AgentService.js';
import type { Hello__Output } from '../shared/gen/fleetswap/v1/Hello.js';
import type { Report__Output } from '../shared/gen/fleetswap/v1/Report.js';
import { isGeneration } from '../shared/generation.js';
import { failStream, toServiceError } from '../shared/rpc-errors.js';
import { SHA256_RE } from '../shared/hash.js';
import { HOST_ID_RE } from '../shared/ids.js';
import { VitalsRate, boundDrift, boundReport, checkHello, type CheckedReport } from './agent-limits.js';
import type { ServiceDeps } from './deps.js';
import type { HostRow } from './store.js';
import type { AgentCall } from './fleet.js';
import { hostActor } from './audit.js';
import { GroupCommit } from './group-commit.js';
import { ManifestServer } from './manifests.js';
import { agentOf } from './peers.js';

const MAX_HAVE = 16;
/** Fetches one host may run at once: a loop of large requests cannot take the coordinator's disk from the fleet. */
const MAX_FETCHES_PER_HOST = 4;

// How each kind of report reads in the audit log.
const HOST_ACTIONS: Record<ReportKind, string> = {
  STAGED: 'staged',
  ACTIVATED: 'switched',
  FAILED: 'failed',
  REVERTED: 'switched back (health check)',
  REPAIRED: 'repaired drift',
  CLEANED: 'cleaned evidence',
};

/** agentService implements AgentService from proto/fleetswap.proto. */
export function agentService(deps: ServiceDeps): AgentServiceHandlers {
  const { store, blobs, fleet, engine, vitals, drift, join, audit, refusals, now, log } = deps;
  const manifests = new ManifestServer(store);
  // Hellos and reports that arrive together are committed together, and the rollout moved on once.
  const commits = new GroupCommit(store, () => engine.settle());
  const rate = new VitalsRate(now);
  const fetching = new Map<string, number>();
  // Hosts whose hello is being recorded: the check that no other stream has
  // the id and the attach that claims it are awaits apart.
  const greeting = new Set<string>();

  const onHello = async (call: AgentCall, hello: Hello__Output): Promise<string> => {
    if (!HOST_ID_RE.test(hello.host_id)) throw new FleetswapError('BAD_USAGE', `bad host id ${JSON.stringify(hello.host_id.slice(0, 140))}`);
    // A host is who its certificate says: a hello cannot claim another host's id.
    const peer = agentOf(call, deps, 'hello');
    if (peer && peer.name !== hello.host_id) throw new FleetswapError('NOT_AUTHORISED', `certificate ${peer.name} cannot report as host ${hello.host_id}`);
    checkHello(hello);
    if (!isGeneration(hello.last_generation)) throw new FleetswapError('BAD_USAGE', `generation ${hello.last_generation} is not a directive generation: the agent's state is corrupt or forged`);
    // Two agents with one id would take turns at the host's desired state. The stream already
    // there keeps it; a host that really restarted is back once its old stream is seen closed
    // (at once for a process that exited; within the keepalive timeout for a lost network).
    if (fleet.isConnected(hello.host_id) || greeting.has(hello.host_id)) {
      throw new FleetswapError('NOT_AUTHORISED', `host id ${hello.host_id} is already connected on another stream: two agents with one id are refused`);
    }
    greeting.add(hello.host_id);
    try {
      return await greet(call, hello);
    } finally {
      greeting.delete(hello.host_id);
    }
  };

  const greet = async (call: AgentCall, hello: Hello__Output): Promise<string> => {
    const id = hello.host_id;
    const known = await store.hosts.get(id);
    const issued = known ? Math.max(known.directive_generation, known.last_generation) : 0;
    if (hello.unsigned_allowed) log.warn({ host: id }, 'agent stages releases nobody signed (--allow-unsigned)');
    try {
      await commits.run(async () => {
        await store.hosts.upsertSeen({
          id,
          tags: hello.tags,
          slot_count: hello.slot_count,
          slots: hello.slots,
          live_release: hello.live_release,
          last_generation: hello.last_generation,
          unsigned_allowed: hello.unsigned_allowed,
          at_ms: now(),
        });
        // Legitimate after a restore from an older backup (the host's next directive is numbered
        // above its claim, so it is not ignored); otherwise a forged claim. Either way it moves
        // only this host's counter, and someone should know.
        if (hello.last_generation > issued) {
          refusals.count('generation-claim');
          await audit.append({ actor: hostActor(id), action: 'generation-claim', target: id, reason: `claims generation ${hello.last_generation}, beyond the ${issued} issued to it (a coordinator restored from a backup, or a forged claim)` });
        }
        const lastReport = hello.last_report ? await reportFrom(id, hello.last_report) : undefined;
        // Attached before the commit: what the commit sends this host goes out on this stream.
        fleet.attach(id, call);
        // A host that joins with nothing live is given its release first: it converges, it does not drift.
        const joined = await join.onHello(await seen(id), hello);
        await engine.noteHello(await seen(id), { ...hello, last_report: lastReport ?? null });
        if (!joined) await drift.onHello(await seen(id));
      });
    } catch (err) {
      // The stream is failed with the error: the host is not left connected behind it.
      fleet.detach(id, call);
      throw err;
    }
    // Headers tell the agent its hello was accepted (it resets its backoff): only once it is
    // recorded. A directive the commit sent has carried them already; this is then a no-op.
    call.sendMetadata(new grpc.Metadata());
    log.info({ host: id, release: hello.live_release, generation: hello.last_generation }, 'agent connected');
    return id;
  };

  /** seen is a host recorded by its hello: it is there, or the database lost it under us. */
  const seen = async (hostId: string): Promise<HostRow> => {
    const host = await store.hosts.get(hostId);
    if (!host) throw new FleetswapError('UNAVAILABLE', `host ${hostId} was recorded and is gone: is the database being restored?`);
    return host;
  };

  /** reportFrom bounds a report and refuses one for a generation this host was never issued. */
  const reportFrom = async (hostId: string, raw: Report__Output): Promise<CheckedReport> => {
    const r = boundReport(raw);
    const host = await store.hosts.get(hostId);
    const issued = host ? Math.max(host.directive_generation, host.last_generation) : 0;
    if (!isGeneration(r.generation) || r.generation > issued) {
      refusals.count('report-refused');
      throw new FleetswapError('BAD_USAGE', `report for generation ${r.generation}, which was never issued to ${hostId} (newest ${issued})`);
    }
    return r;
  };

  const onReport = async (hostId: string, raw: Report__Output): Promise<void> => {
    const r = await reportFrom(hostId, raw);
    await commits.run(async () => {
      await store.hosts.updateReport({
        id: hostId,
        slots: r.slots,
        live_release: r.live_release,
        generation: r.kind === 'FAILED' ? 0 : r.generation,
        at_ms: now(),
        last_staging: r.stats,
        last_error: r.error ? `${r.error_code}: ${r.error}` : '',
      });
      await engine.noteReport(hostId, r);
      await drift.onReport(hostId, r);
      await audit.append({ actor: hostActor(hostId), action: HOST_ACTIONS[r.kind], target: r.release_id, reason: r.error ? `${r.error_code}: ${r.error}` : '', detail: { generation: r.generation, live: r.live_release } });
    });
    log.info({ host: hostId, release: r.release_id, generation: r.generation, kind: r.kind, error: r.error || undefined }, 'report');
  };

  /**
   * fetcher is who may fetch `releaseId`: under TLS, the agent its
   * certificate names, and only a release the coordinator directed it to
   * hold; in plaintext anyone (the coordinator said so at start).
   */
  const fetcher = async (call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>, releaseId: string): Promise<string | undefined> => {
    if (!SHA256_RE.test(releaseId)) throw new FleetswapError('BAD_USAGE', 'release id is not a sha256');
    const peer = agentOf(call, deps, 'fetch');
    if (peer && !(await store.hosts.mayFetch(peer.name, releaseId))) {
      refusals.count('fetch-denied');
      log.warn({ host: peer.name, release: releaseId }, 'fetch refused: release not assigned to this host');
      throw new FleetswapError('NOT_AUTHORISED', `release ${releaseId.slice(0, 12)} was never assigned to ${peer.name}`);
    }
    return peer?.name;
  };

  return {
    Connect(call) {
      let hostId: string | undefined;
      const helloTimer = setTimeout(() => {
        refusals.count('hello-timeout');
        failStream(call, new FleetswapError('BAD_USAGE', `no hello within ${deps.helloTimeoutMs / 1000} s of opening the stream`));
      }, deps.helloTimeoutMs);
      // A stream's messages are handled one after another, in the order they came.
      let turn: Promise<void> = Promise.resolve();
      let failed = false;
      let ended = false;
      const handle = async (msg: AgentMessage__Output): Promise<void> => {
        if (failed) return;
        try {
          if (msg.hello) {
            if (hostId) throw new FleetswapError('BAD_USAGE', 'hello sent twice on one stream');
            try {
              hostId = await onHello(call, msg.hello);
            } catch (err) {
              refusals.count('hello-refused');
              throw err;
            }
            clearTimeout(helloTimer);
            // The stream closed while its hello was being recorded: the host is not connected.
            if (ended) gone();
          } else if (msg.vitals) {
            if (!hostId) throw new FleetswapError('BAD_USAGE', 'vitals before hello');
            const batch = msg.vitals;
            const allowed = rate.take(hostId, batch.samples.length);
            if (allowed < batch.samples.length) refusals.count('vitals-throttled', batch.samples.length - allowed);
            vitals.accept(hostId, allowed < batch.samples.length ? { ...batch, samples: batch.samples.slice(0, allowed) } : batch);
          } else if (msg.report) {
            if (!hostId) throw new FleetswapError('BAD_USAGE', 'report before hello');
            await onReport(hostId, msg.report);
          } else if (msg.drift) {
            if (!hostId) throw new FleetswapError('BAD_USAGE', 'drift report before hello');
            const d = boundDrift(msg.drift);
            const host = hostId;
            await store.tx(async () => {
              await drift.onDrift(host, d);
              await audit.append({ actor: hostActor(host), action: `drift-${d.kind}`, target: d.release_id, reason: d.detail, detail: { paths: d.paths.slice(0, 5), path_count: d.path_count, live: d.live_release } });
            });
          }
        } catch (err) {
          failed = true;
          log.warn({ host: hostId, err: errorMessage(err) }, 'agent stream refused');
          failStream(call, err);
        }
      };
      call.on('data', (msg: AgentMessage__Output) => {
        turn = turn.then(() => handle(msg));
      });
      const gone = (): void => {
        ended = true;
        clearTimeout(helloTimer);
        if (hostId && fleet.detach(hostId, call)) {
          const host = hostId;
          log.info({ host }, 'agent disconnected');
          store.hosts.touch(host, now()).catch((err: unknown) => log.warn({ host, err: errorMessage(err) }, 'could not record when the host was last seen'));
        }
      };
      call.on('end', () => {
        gone();
        call.end();
      });
      call.on('cancelled', gone);
      call.on('error', gone);
      call.on('close', gone);
    },

    async GetManifest(call, cb) {
      try {
        const { release_id: releaseId, have } = call.request;
        const host = await fetcher(call, releaseId);
        // A delta is computed only against a release the host may hold itself.
        const bases: string[] = [];
        for (const id of have.slice(0, MAX_HAVE)) if (SHA256_RE.test(id) && (host === undefined || (await store.hosts.mayFetch(host, id)))) bases.push(id);
        const answer = await manifests.answer(releaseId, bases);
        if (!answer) throw new FleetswapError('UNKNOWN_RELEASE', `no release ${releaseId.slice(0, 12)}`);
        cb(null, answer);
      } catch (err) {
        cb(toServiceError(err));
      }
    },

    async FetchBlobs(call) {
      const { hashes, release_id: releaseId } = call.request;
      let host: string | undefined;
      let counted = false;
      try {
        host = await fetcher(call, releaseId);
        const inRelease = await manifests.blobsOf(releaseId);
        if (!inRelease) throw new FleetswapError('UNKNOWN_RELEASE', `no release ${releaseId.slice(0, 12)}`);
        if (hashes.length > inRelease.size) throw new FleetswapError('BAD_USAGE', `${hashes.length} blobs asked for a release of ${inRelease.size}`);
        for (const hash of hashes) {
          if (!inRelease.has(hash)) {
            refusals.count('fetch-denied');
            throw new FleetswapError('NOT_AUTHORISED', `blob ${hash.slice(0, 64)} is not in release ${releaseId.slice(0, 12)}`);
          }
          if (!(await blobs.has(hash))) throw new FleetswapError('MISSING_BLOB', `no blob ${hash}`);
        }
        const key = host ?? call.getPeer();
        if ((fetching.get(key) ?? 0) >= MAX_FETCHES_PER_HOST) throw new FleetswapError('REFUSED', `${key} already has ${MAX_FETCHES_PER_HOST} fetches running`);
        fetching.set(key, (fetching.get(key) ?? 0) + 1);
        counted = true;
        for (const hash of hashes) {
          if (call.cancelled) return;
          for await (const data of blobs.read(hash)) {
            // Backpressure: stop reading the disk while the agent is behind.
            if (!call.write({ hash, data, last: false })) await new Promise((r) => call.once('drain', r));
          }
          call.write({ hash, data: Buffer.alloc(0), last: true });
        }
        call.end();
      } catch (err) {
        failStream(call, err);
      } finally {
        if (counted) {
          const key = host ?? call.getPeer();
          const n = (fetching.get(key) ?? 1) - 1;
          if (n > 0) fetching.set(key, n);
          else fetching.delete(key);
        }
      }
    },
  };
}

