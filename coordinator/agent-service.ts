import * as grpc from '@grpc/grpc-js';
import { FleetswapError } from '../shared/errors.js';
import { failStream, toServiceError } from '../shared/rpc-errors.js';
import { SHA256_RE } from '../shared/hash.js';
import type { AgentMessage, BlobChunk, Hello, ReportKind } from '../shared/wire.js';
import type { ServiceDeps } from './deps.js';
import type { AgentCall } from './fleet.js';
import { ManifestServer, type ManifestAnswer } from './manifests.js';

import { HOST_ID_RE } from '../shared/ids.js';
import { hostActor } from './audit.js';
import { agentPeer } from './peers.js';
const MAX_FETCH_HASHES = 200_000;
// How each kind of report reads in the audit log.
const HOST_ACTIONS: Record<ReportKind, string> = {
  STAGED: 'staged',
  ACTIVATED: 'switched',
  FAILED: 'failed',
  REVERTED: 'switched back (health check)',
  REPAIRED: 'repaired drift',
  CLEANED: 'cleaned evidence',
};
const MAX_HAVE = 16;

/** agentService implements AgentService from proto/fleetswap.proto. */
export function agentService(deps: ServiceDeps): grpc.UntypedServiceImplementation {
  const { store, blobs, fleet, engine, vitals, drift, audit, now, log } = deps;
  const iso = () => new Date(now()).toISOString();
  const manifests = new ManifestServer(store);

  const onHello = (call: AgentCall, hello: Hello): string => {
    if (!HOST_ID_RE.test(hello.host_id)) throw new FleetswapError('BAD_USAGE', `bad host id ${JSON.stringify(hello.host_id.slice(0, 140))}`);
    if ('tls' in deps.transport) {
      // A host is who its certificate says: a hello cannot claim another host's id.
      const peer = agentPeer(call, deps.transport.tls.ca, deps.revocation, 'hello');
      if (peer.name !== hello.host_id) throw new FleetswapError('NOT_AUTHORISED', `certificate ${peer.name} cannot report as host ${hello.host_id}`);
    }
    // Two agents with one id would take turns at the host's desired state. The stream already
    // there keeps it; a host that really restarted is back once its old stream is seen closed
    // (at once for a process that exited; within the keepalive timeout for a lost network).
    if (fleet.isConnected(hello.host_id)) {
      throw new FleetswapError('NOT_AUTHORISED', `host id ${hello.host_id} is already connected on another stream: two agents with one id are refused`);
    }
    store.raiseGeneration(hello.last_generation);
    store.upsertHostSeen({
      id: hello.host_id,
      tags: hello.tags,
      slot_count: hello.slot_count,
      slots: hello.slots,
      live_release: hello.live_release,
      last_generation: hello.last_generation,
      unsigned_allowed: hello.unsigned_allowed,
      at: iso(),
    });
    if (hello.unsigned_allowed) log.warn({ host: hello.host_id }, 'agent stages releases nobody signed (--allow-unsigned)');
    fleet.attach(hello.host_id, call);
    // Headers tell the agent its hello was accepted, so it resets its backoff.
    call.sendMetadata(new grpc.Metadata());
    log.info({ host: hello.host_id, release: hello.live_release, generation: hello.last_generation }, 'agent connected');
    engine.onHello(store.host(hello.host_id)!, hello);
    drift.onHello(store.host(hello.host_id)!);
    return hello.host_id;
  };

  return {
    Connect(call: AgentCall) {
      let hostId: string | undefined;
      call.on('data', (msg: AgentMessage) => {
        try {
          if (msg.hello) {
            if (hostId) throw new FleetswapError('BAD_USAGE', 'hello sent twice on one stream');
            hostId = onHello(call, msg.hello);
          } else if (msg.vitals) {
            if (!hostId) throw new FleetswapError('BAD_USAGE', 'vitals before hello');
            vitals.accept(hostId, msg.vitals);
          } else if (msg.report) {
            if (!hostId) throw new FleetswapError('BAD_USAGE', 'report before hello');
            const r = msg.report;
            store.updateHostReport({
              id: hostId,
              slots: r.slots,
              live_release: r.live_release,
              generation: r.kind === 'FAILED' ? 0 : r.generation,
              at: iso(),
              last_staging: r.stats,
              last_error: r.error ? `${r.error_code}: ${r.error}` : '',
            });
            log.info({ host: hostId, release: r.release_id, generation: r.generation, kind: r.kind, error: r.error || undefined }, 'report');
            engine.onReport(hostId, r);
            drift.onReport(hostId, r);
            audit.append({ actor: hostActor(hostId), action: HOST_ACTIONS[r.kind], target: r.release_id, reason: r.error ? `${r.error_code}: ${r.error}` : '', detail: { generation: r.generation, live: r.live_release } });
          } else if (msg.drift) {
            if (!hostId) throw new FleetswapError('BAD_USAGE', 'drift report before hello');
            drift.onDrift(hostId, msg.drift);
            const d = msg.drift;
            audit.append({ actor: hostActor(hostId), action: `drift-${d.kind}`, target: d.release_id, reason: d.detail, detail: { paths: d.paths.slice(0, 5), path_count: d.path_count, live: d.live_release } });
          }
        } catch (err) {
          log.warn({ host: hostId, err: (err as Error).message }, 'agent stream refused');
          failStream(call, err);
        }
      });
      const gone = () => {
        if (hostId && fleet.detach(hostId, call)) {
          store.touchHost(hostId, iso());
          log.info({ host: hostId }, 'agent disconnected');
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

    GetManifest(call: grpc.ServerUnaryCall<{ release_id: string; have: string[] }, ManifestAnswer>, cb: grpc.sendUnaryData<ManifestAnswer>) {
      try {
        const answer = manifests.answer(call.request.release_id, call.request.have.slice(0, MAX_HAVE));
        if (!answer) throw new FleetswapError('UNKNOWN_RELEASE', `no release ${call.request.release_id.slice(0, 12)}`);
        cb(null, answer);
      } catch (err) {
        cb(toServiceError(err));
      }
    },

    async FetchBlobs(call: grpc.ServerWritableStream<{ hashes: string[] }, BlobChunk>) {
      const hashes = call.request.hashes;
      try {
        if (hashes.length > MAX_FETCH_HASHES) throw new FleetswapError('BAD_USAGE', `too many blobs in one fetch (${hashes.length})`);
        for (const hash of hashes) {
          if (!SHA256_RE.test(hash) || !blobs.has(hash)) throw new FleetswapError('MISSING_BLOB', `no blob ${hash.slice(0, 64)}`);
        }
        for (const hash of hashes) {
          if (call.cancelled) return;
          for await (const data of blobs.read(hash)) {
            // Backpressure: stop reading the disk while the agent is behind.
            if (!call.write({ hash, data: data as Buffer, last: false })) await new Promise((r) => call.once('drain', r));
          }
          call.write({ hash, data: Buffer.alloc(0), last: true });
        }
        call.end();
      } catch (err) {
        call.destroy(toServiceError(err));
      }
    },
  };
}

