import type * as grpc from '@grpc/grpc-js';
import { errorMessage, FleetswapError } from '../shared/errors.js';
import type { AdminServiceHandlers } from '../shared/gen/fleetswap/v1/AdminService.js';
import type { BlobChunk__Output } from '../shared/gen/fleetswap/v1/BlobChunk.js';
import type { Host } from '../shared/gen/fleetswap/v1/Host.js';
import type { Rollout__Output } from '../shared/gen/fleetswap/v1/Rollout.js';
import type { RolloutAction__Output } from '../shared/gen/fleetswap/v1/RolloutAction.js';
import { SHA256_RE } from '../shared/hash.js';
import type { AdminMethod } from '../shared/proto.js';
import { toServiceError } from '../shared/rpc-errors.js';
import type { UploadBatch } from './blobs/blob-store.js';
import type { ServiceDeps } from './deps.js';
import { tokenActor } from './audit.js';
import { parseRole, type Auth, type Caller } from './auth.js';
import { driftReport, hostStates, parseDriftPolicy } from './drift.js';
import { recordEvent } from './events.js';
import { registerRelease, toWireRelease } from './releases.js';
import { addNotify, eventsPage, listNotify, removeNotify, testNotify } from './notify/admin.js';
import { isoFromMs } from './times.js';

// A page of the audit log: one reply stays small whatever the log's size.
const AUDIT_PAGE = 1_000;
const MAX_AUDIT_PAGE = 5_000;

/**
 * A handler behind the allowlist. Only unary() and clientStream() make one,
 * and handlers() must give one for every rpc of AdminService: no method
 * can be served unguarded. A unary one also carries its operation (`run`),
 * for the dashboard (coordinator/http/), which signs its callers in itself,
 * to do exactly what the rpc does once it has checked the same role.
 */
type GuardedUnary<Req, Res> = grpc.handleUnaryCall<Req, Res> & { readonly guarded: true; readonly run: (req: Req) => Promise<Res> };
type Guarded<H> = H extends grpc.handleUnaryCall<infer Req, infer Res> ? GuardedUnary<Req, Res> : H & { readonly guarded: true };
export type AdminOperations = { [M in AdminMethod]: Guarded<AdminServiceHandlers[M]> };

/**
 * authorize checks a call against the method allowlist (and what the
 * request asks against REQUEST_ROLES) before its handler runs, and makes the
 * caller's token the actor of what it does (token:NAME): who did something
 * is what the token says, never what the request claims. The method is the
 * one the call's path names, as the edge interceptor reads it.
 */
async function authorize(auth: Auth, call: Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getPath' | 'metadata'>, req?: object): Promise<void> {
  const path = call.getPath();
  actAs(await auth.authorize(path.slice(path.lastIndexOf('/') + 1), call.metadata, req), req);
}

/** actAs makes the caller's token the actor of a request (and a push's pusher), whatever the request said. */
export function actAs(caller: Caller, req?: object): void {
  if (req && 'actor' in req) req.actor = tokenActor(caller.name);
  if (req && 'pushed_by' in req) req.pushed_by = tokenActor(caller.name);
}

/** unary adapts a plain (possibly async) handler behind the guard, turning thrown errors into one-line statuses. */
function unary<Req extends object, Res>(auth: Auth, fn: (req: Req) => Res | Promise<Res>): GuardedUnary<Req, Res> {
  const handle: grpc.handleUnaryCall<Req, Res> = (call, cb) => {
    Promise.resolve()
      .then(async () => {
        await authorize(auth, call, call.request);
        return fn(call.request);
      })
      .then(
        (res) => cb(null, res),
        (err: unknown) => cb(toServiceError(err)),
      );
  };
  return Object.assign(handle, { guarded: true as const, run: async (req: Req) => fn(req) });
}

/** clientStream puts a client-streaming handler behind the guard (there is no request to check beyond the method). */
function clientStream<Req, Res>(auth: Auth, fn: grpc.handleClientStreamingCall<Req, Res>): grpc.handleClientStreamingCall<Req, Res> & { readonly guarded: true } {
  const handle: grpc.handleClientStreamingCall<Req, Res> = (call, cb) => {
    // What the client sends meanwhile waits in the stream (HTTP/2 flow control holds the rest).
    authorize(auth, call).then(
      () => fn(call, cb),
      (err: unknown) => cb(toServiceError(err)),
    );
  };
  return Object.assign(handle, { guarded: true as const });
}

/** adminService implements AdminService from proto/fleetswap.proto: what the CLI calls, each method behind its role. */
export function adminService(deps: ServiceDeps): AdminServiceHandlers {
  return adminOperations(deps);
}

/** adminOperations are AdminService's handlers, each with its operation to run once the caller is authorised (see actAs). */
export function adminOperations(deps: ServiceDeps): AdminOperations {
  const { store, blobs, fleet, engine, vitals, drift, audit, auth, now, log } = deps;
  // Each action commits in one transaction with its audit entry; directives go out after that commit.
  const operatorAction = (action: string, req: RolloutAction__Output, act: () => Promise<Rollout__Output>): Promise<{ rollout: Rollout__Output }> =>
    store.tx(async () => {
      const rollout = await act();
      await audit.append({ actor: req.actor, action, target: `rollout #${rollout.id}`, reason: req.reason, detail: { state: rollout.state } });
      return { rollout };
    });

  return {
    MissingBlobs: unary(auth, async (req) => {
      for (const h of req.hashes) if (!SHA256_RE.test(h)) throw new FleetswapError('BAD_MANIFEST', `${JSON.stringify(h.slice(0, 80))} is not a sha256`);
      const missing: string[] = [];
      for (const h of new Set(req.hashes)) if (!(await blobs.has(h))) missing.push(h);
      return { missing };
    }),

    UploadBlobs: clientStream(auth, (call, cb) => {
      void (async () => {
        let batch: UploadBatch | undefined;
        const started = Date.now();
        let received = 0;
        try {
          // Inside the try: a database that is down refuses the upload rather than leave the call unanswered.
          batch = await blobs.beginUpload();
          for await (const chunk of call as AsyncIterable<BlobChunk__Output>) {
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
          await batch?.abort().catch((e: unknown) => log.warn({ err: errorMessage(e) }, 'could not discard the refused upload; it is discarded once stale'));
          log.warn({ err: (err as Error).message }, 'upload refused');
          cb(toServiceError(err));
        }
      })();
    }),

    RegisterRelease: unary(auth, async (req) => {
      const res = await registerRelease(store, blobs, req.manifest, req.pushed_by || 'unknown', now(), req.dry_run, req.signatures, deps.signing, async (r) => {
        await audit.append({ actor: r.pushed_by, action: 'push', target: r.id, detail: { label: r.label, signed_by: r.signed_by, irreversible: r.irreversible } });
      });
      if (res.created) log.info({ release: res.release.id, label: res.release.label, pushed_by: res.release.pushed_by }, 'release registered');
      return res;
    }),

    ListReleases: unary(auth, async () => ({ releases: (await store.releases.list()).map(toWireRelease) })),

    Deploy: unary(auth, async (req) =>
      await store.tx(async () => {
        const rollout = await engine.deploy(req);
        await audit.append({ actor: req.actor, action: 'deploy', target: `rollout #${rollout.id}`, reason: req.reason, detail: { release: rollout.release_id, select: req.select, plan: rollout.plan } });
        return { rollout };
      }),
    ),

    Rollback: unary(auth, async (req) => {
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

    Promote: unary(auth, async (req) => operatorAction('promote', req, () => engine.promote(req))),
    Pause: unary(auth, async (req) => operatorAction('pause', req, () => engine.pause(req))),
    Resume: unary(auth, async (req) => operatorAction('resume', req, () => engine.resume(req))),
    Abort: unary(auth, async (req) => operatorAction('abort', req, () => engine.abort(req))),
    Drift: unary(auth, async () => await driftReport(store, fleet, now)),
    DriftClean: unary(auth, async (req) => {
      await store.tx(async () => {
        await drift.clean(req.host);
        await audit.append({ actor: req.actor, action: 'drift-clean', target: req.host });
      });
      log.info({ host: req.host, actor: req.actor }, 'drift evidence clean ordered');
      return {};
    }),
    SetDriftPolicy: unary(auth, async (req) => {
      return await store.tx(async () => {
        const p = await drift.setPolicy(parseDriftPolicy(req.policy), req.select);
        await audit.append({ actor: req.actor, action: 'drift-policy', target: Object.entries(req.select).map(([k, v]) => `${k}=${v}`).join(',') || 'every host', detail: { policy: req.policy } });
        return { default_policy: p.default, rules: p.rules };
      });
    }),
    Halt: unary(auth, async (req) =>
      await store.tx(async () => {
        const h = await engine.halt(req);
        await audit.append({ actor: req.actor, action: 'halt', target: 'fleet', reason: req.reason });
        await recordEvent(store, now(), { kind: 'halt', severity: 'critical', actor: req.actor, reason: `fleet halted: ${req.reason}` });
        return h;
      }),
    ),
    Unhalt: unary(auth, async (req) =>
      await store.tx(async () => {
        const was = (await engine.haltState()).halted;
        const h = await engine.unhalt(req);
        if (was) {
          await audit.append({ actor: req.actor, action: 'unhalt', target: 'fleet', reason: req.reason });
          await recordEvent(store, now(), { kind: 'unhalt', severity: 'warning', actor: req.actor, reason: `halt lifted${req.reason ? `: ${req.reason}` : ''}` });
        }
        return h;
      }),
    ),

    Audit: unary(auth, async (req) => {
      const limit = Math.min(req.limit || AUDIT_PAGE, MAX_AUDIT_PAGE);
      const entries = await audit.page(req.after_id, limit + 1);
      const head = audit.headOf();
      return { entries: entries.slice(0, limit), more: entries.length > limit, head_id: head.id, head_hash: head.hash };
    }),

    CreateToken: unary(auth, async (req) => {
      return await store.tx(async () => {
        const { token, row } = await auth.create(req.name, parseRole(req.role), req.actor);
        await audit.append({ actor: req.actor, action: 'token-create', target: row.name, detail: { role: row.role } });
        return { token, name: row.name, role: row.role };
      });
    }),
    ListTokens: unary(auth, async () => ({
      tokens: (await deps.auth.list()).map(({ created_at_ms, revoked_at_ms, ...t }) => ({
        ...t,
        created_at: isoFromMs(created_at_ms),
        revoked_at: revoked_at_ms === null ? '' : isoFromMs(revoked_at_ms),
      })),
    })),
    RevokeToken: unary(auth, async (req) => {
      await store.tx(async () => {
        await deps.auth.revoke(req.name);
        await audit.append({ actor: req.actor, action: 'token-revoke', target: req.name });
      });
      return {};
    }),

    Status: unary(auth, async (req) => {
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
        ...(await deps.cluster.view()),
        notify: await listNotify(deps),
      };
    }),

    ListHosts: unary(auth, async () => {
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

    Events: unary(auth, async (req) => await eventsPage(deps, req.after_id, req.limit)),
    AddNotify: unary(auth, async (req) => await addNotify(deps, req)),
    ListNotify: unary(auth, async () => ({ receivers: await listNotify(deps) })),
    RemoveNotify: unary(auth, async (req) => {
      await removeNotify(deps, req);
      return {};
    }),
    TestNotify: unary(auth, async (req) => await testNotify(deps, req)),

    History: unary(auth, async () => ({ changes: (await store.desired.all()).map(({ at_ms, ...c }) => ({ ...c, at: isoFromMs(at_ms) })), labels: await store.releases.labels() })),
  };
}
