import type * as grpc from '@grpc/grpc-js';
import { FleetswapError } from '../shared/errors.js';
import { SHA256_RE } from '../shared/hash.js';
import { toServiceError } from '../shared/rpc-errors.js';
import type { BlobChunk, DeployRequest, HaltRequest, Host, RollbackRequest, Rollout, RolloutAction, StatusReply } from '../shared/wire.js';
import type { ServiceDeps } from './deps.js';
import type { ReleaseSignature } from '../shared/signing.js';
import { tokenActor } from './audit.js';
import type { Auth, Caller } from './auth.js';
import { driftReport, hostStates } from './drift.js';
import { registerRelease, toWireRelease } from './releases.js';
import { isoFromMs } from './times.js';

// A page of the audit log: one reply stays small whatever the log's size.
const AUDIT_PAGE = 1_000;
const MAX_AUDIT_PAGE = 5_000;

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => void;

/** unary adapts a plain (possibly async) handler, turning thrown errors into one-line statuses. */
function unary<Req, Res>(fn: (req: Req) => Res | Promise<Res>): Unary<Req, Res> {
  return (call, cb) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => cb(null, res),
        (err: unknown) => cb(toServiceError(err)),
      );
  };
}

type Handler = (call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerReadableStream<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => void;

/**
 * guarded checks every call against the method allowlist (and what the
 * request asks against REQUEST_ROLES) before its handler runs, and makes the
 * caller's token the actor of what it does (token:NAME): who did something
 * is what the token says, never what the request claims.
 */
function guarded(auth: Auth, handlers: Record<string, Handler>): grpc.UntypedServiceImplementation {
  return Object.fromEntries(
    Object.entries(handlers).map(([method, handler]): [string, Handler] => [
      method,
      (call, cb) => {
        const req = (call as { request?: Record<string, unknown> }).request;
        auth.authorize(method, call.metadata, req).then(
          (caller: Caller) => {
            if (req && 'actor' in req) req.actor = tokenActor(caller.name);
            if (req && 'pushed_by' in req) req.pushed_by = tokenActor(caller.name);
            handler(call, cb);
          },
          (err: unknown) => cb(toServiceError(err)),
        );
      },
    ]),
  ) as grpc.UntypedServiceImplementation;
}

/** adminService implements AdminService from proto/fleetswap.proto: what the CLI calls, each method behind its role. */
export function adminService(deps: ServiceDeps): grpc.UntypedServiceImplementation {
  return guarded(deps.auth, handlers(deps) as unknown as Record<string, Handler>);
}

function handlers(deps: ServiceDeps) {
  const { store, blobs, fleet, engine, vitals, drift, audit, now, log } = deps;
  // Each action commits in one transaction with its audit entry; directives go out after that commit.
  const operatorAction = (action: string, req: RolloutAction, act: () => Promise<Rollout>): Promise<{ rollout: Rollout }> =>
    store.tx(async () => {
      const rollout = await act();
      await audit.append({ actor: req.actor, action, target: `rollout #${rollout.id}`, reason: req.reason, detail: { state: rollout.state } });
      return { rollout };
    });

  return {
    MissingBlobs: unary((req: { hashes: string[] }) => {
      for (const h of req.hashes) if (!SHA256_RE.test(h)) throw new FleetswapError('BAD_MANIFEST', `${JSON.stringify(h.slice(0, 80))} is not a sha256`);
      return { missing: [...new Set(req.hashes)].filter((h) => !blobs.has(h)) };
    }),

    UploadBlobs(call: grpc.ServerReadableStream<BlobChunk, unknown>, cb: grpc.sendUnaryData<unknown>) {
      void (async () => {
        const batch = await blobs.beginUpload();
        const started = Date.now();
        let received = 0;
        try {
          for await (const chunk of call as AsyncIterable<BlobChunk>) {
            await batch.write(chunk.hash, chunk.data, chunk.last);
            // The upload rate cap: reading slower holds the client back (HTTP/2 flow control), so one
            // push cannot take the coordinator's disk and network from the agents fetching a release.
            received += chunk.data.length;
            const ahead = (received / deps.uploadBytesPerSecond) * 1000 - (Date.now() - started);
            if (ahead > 20) await new Promise((r) => setTimeout(r, ahead));
          }
          const res = await batch.commit();
          log.info(res, 'blobs uploaded');
          cb(null, res);
        } catch (err) {
          await batch.abort();
          log.warn({ err: (err as Error).message }, 'upload refused');
          cb(toServiceError(err));
        }
      })();
    },

    RegisterRelease: unary(async (req: { manifest: Buffer; pushed_by: string; dry_run: boolean; signatures: ReleaseSignature[] }) => {
      const res = await registerRelease(store, blobs, req.manifest, req.pushed_by || 'unknown', now(), req.dry_run, req.signatures, deps.signing, async (r) => {
        await audit.append({ actor: r.pushed_by, action: 'push', target: r.id, detail: { label: r.label, signed_by: r.signed_by, irreversible: r.irreversible } });
      });
      if (res.created) log.info({ release: res.release.id, label: res.release.label, pushed_by: res.release.pushed_by }, 'release registered');
      return res;
    }),

    ListReleases: unary(async () => ({ releases: (await store.releases.list()).map(toWireRelease) })),

    Deploy: unary(async (req: DeployRequest) =>
      await store.tx(async () => {
        const rollout = await engine.deploy(req);
        await audit.append({ actor: req.actor, action: 'deploy', target: `rollout #${rollout.id}`, reason: req.reason, detail: { release: rollout.release_id, select: req.select, plan: rollout.plan } });
        return { rollout };
      }),
    ),

    Rollback: unary(async (req: RollbackRequest) => {
      const o = req.override;
      if (o && o.fleet !== deps.signing.fleet) {
        throw new FleetswapError('WRONG_FLEET', `the override is signed for fleet ${JSON.stringify(o.fleet)}, and this coordinator serves fleet ${JSON.stringify(deps.signing.fleet)}: sign it with --fleet ${deps.signing.fleet} (or FLEETSWAP_FLEET)`);
      }
      return await store.tx(async () => {
        const rollout = await engine.rollback(req);
        const override = o ? { key_id: o.key_id, target: o.target, crosses: o.crosses, expires_ms: o.expires_ms } : undefined;
        await audit.append({ actor: req.actor, action: 'rollback', target: `rollout #${rollout.id}`, reason: req.reason, detail: { to: req.to || rollout.release_id, select: req.select, force_irreversible: req.force_irreversible, override } });
        return { rollout };
      });
    }),

    Promote: unary((req: RolloutAction) => operatorAction('promote', req, () => engine.promote(req))),
    Pause: unary((req: RolloutAction) => operatorAction('pause', req, () => engine.pause(req))),
    Resume: unary((req: RolloutAction) => operatorAction('resume', req, () => engine.resume(req))),
    Abort: unary((req: RolloutAction) => operatorAction('abort', req, () => engine.abort(req))),
    Drift: unary(async () => await driftReport(store, fleet, now)),
    DriftClean: unary(async (req: { host: string; actor: string }) => {
      await store.tx(async () => {
        await drift.clean(req.host);
        await audit.append({ actor: req.actor, action: 'drift-clean', target: req.host });
      });
      log.info({ host: req.host, actor: req.actor }, 'drift evidence clean ordered');
      return {};
    }),
    SetDriftPolicy: unary(async (req: { policy: string; select: Record<string, string>; actor: string }) => {
      return await store.tx(async () => {
        const p = await drift.setPolicy(req.policy, req.select);
        await audit.append({ actor: req.actor, action: 'drift-policy', target: Object.entries(req.select).map(([k, v]) => `${k}=${v}`).join(',') || 'every host', detail: { policy: req.policy } });
        return { default_policy: p.default, rules: p.rules };
      });
    }),
    Halt: unary(async (req: HaltRequest) =>
      await store.tx(async () => {
        const h = await engine.halt(req);
        await audit.append({ actor: req.actor, action: 'halt', target: 'fleet', reason: req.reason });
        return h;
      }),
    ),
    Unhalt: unary(async (req: HaltRequest) =>
      await store.tx(async () => {
        const was = (await engine.haltState()).halted;
        const h = await engine.unhalt(req);
        if (was) await audit.append({ actor: req.actor, action: 'unhalt', target: 'fleet', reason: req.reason });
        return h;
      }),
    ),

    Audit: unary(async (req: { after_id: number; limit: number }) => {
      const limit = Math.min(req.limit || AUDIT_PAGE, MAX_AUDIT_PAGE);
      const entries = await audit.page(req.after_id, limit + 1);
      const head = audit.headOf();
      return { entries: entries.slice(0, limit), more: entries.length > limit, head_id: head.id, head_hash: head.hash };
    }),

    CreateToken: unary(async (req: { name: string; role: string; actor: string }) => {
      return await store.tx(async () => {
        const { token, row } = await deps.auth.create(req.name, req.role, req.actor);
        await audit.append({ actor: req.actor, action: 'token-create', target: row.name, detail: { role: row.role } });
        return { token, name: row.name, role: row.role };
      });
    }),
    ListTokens: unary(async () => ({
      tokens: (await deps.auth.list()).map(({ created_at_ms, revoked_at_ms, ...t }) => ({
        ...t,
        created_at: isoFromMs(created_at_ms),
        revoked_at: revoked_at_ms === null ? '' : isoFromMs(revoked_at_ms),
      })),
    })),
    RevokeToken: unary(async (req: { name: string; actor: string }) => {
      await store.tx(async () => {
        await deps.auth.revoke(req.name);
        await audit.append({ actor: req.actor, action: 'token-revoke', target: req.name });
      });
      return {};
    }),

    Status: unary(async (req: { rollout_id: number }): Promise<StatusReply> => {
      const latest = req.rollout_id ? await store.rollouts.get(req.rollout_id) : await store.rollouts.latest();
      if (req.rollout_id && !latest) throw new FleetswapError('BAD_USAGE', `no rollout #${req.rollout_id}`);
      const hosts = await store.hosts.all();
      const live_counts: Record<string, number> = {};
      for (const h of hosts) live_counts[h.live_release] = (live_counts[h.live_release] ?? 0) + 1;
      return {
        rollout: latest ? await engine.view(latest.id) : null,
        live_counts,
        hosts: hosts.length,
        connected: hosts.filter((h) => fleet.isConnected(h.id)).length,
        labels: await store.releases.labels(),
        vitals: vitals.stats(),
        halt: await engine.haltState(),
        insecure: 'insecure' in deps.transport,
        refusals: deps.refusals.snapshot(),
        now_ms: now(),
        no_release: hosts.filter((h) => !h.desired_release).length,
      };
    }),

    ListHosts: unary(async () => {
      const rows = await store.hosts.all();
      const states = await hostStates(store, fleet, rows);
      const hosts = rows.map(
        (h): Host => ({
          id: h.id,
          tags: h.tags,
          connected: fleet.isConnected(h.id),
          last_seen: isoFromMs(h.last_seen_ms),
          live_release: h.live_release,
          desired_release: h.desired_release,
          slot_count: h.slot_count,
          slots: h.slots,
          last_staging: h.last_staging,
          last_error: h.last_error,
          last_vitals: vitals.last(h.id) ?? null,
          unsigned_allowed: h.unsigned_allowed,
          state: states.get(h.id) ?? 'offline',
        }),
      );
      return { hosts, labels: await store.releases.labels(), halt: await engine.haltState() };
    }),

    History: unary(async () => ({ changes: (await store.desired.all()).map(({ at_ms, ...c }) => ({ ...c, at: isoFromMs(at_ms) })), labels: await store.releases.labels() })),
  };
}
