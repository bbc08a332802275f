import { FleetswapError } from '../../shared/errors.js';
import type { AddNotifyRequest__Output } from '../../shared/gen/fleetswap/v1/AddNotifyRequest.js';
import type { Event } from '../../shared/gen/fleetswap/v1/Event.js';
import type { EventsReply } from '../../shared/gen/fleetswap/v1/EventsReply.js';
import type { NotifyNameRequest__Output } from '../../shared/gen/fleetswap/v1/NotifyNameRequest.js';
import type { NotifyReceiver } from '../../shared/gen/fleetswap/v1/NotifyReceiver.js';
import type { TestNotifyReply } from '../../shared/gen/fleetswap/v1/TestNotifyReply.js';
import type { ServiceDeps } from '../deps.js';
import { dashboardLink } from '../events.js';
import type { EventRow } from '../store.js';
import { isoFromMs } from '../times.js';
import { receiverFrom, viewOf } from './receivers.js';

// The admin rpcs of the event stream and the receivers (admin-service.ts
// puts each behind its role: auth.ts METHOD_ROLES).

const EVENTS_PAGE = 500;
const MAX_EVENTS_PAGE = 5_000;

type Deps = Pick<ServiceDeps, 'store' | 'audit' | 'notifier' | 'now'>;

export async function eventsPage(d: Deps, afterId: number, limit: number): Promise<EventsReply> {
  const n = Math.min(limit || EVENTS_PAGE, MAX_EVENTS_PAGE);
  const rows = await d.store.events.page(afterId, n + 1);
  return { events: rows.slice(0, n).map((e) => eventView(e, d.notifier.context.dashboardUrl)), more: rows.length > n };
}

function eventView(e: EventRow, dashboardUrl: string | undefined): Event {
  return { id: e.id, at: isoFromMs(e.at_ms), kind: e.kind, severity: e.severity, actor: e.actor, reason: e.reason, rollout_id: e.rollout_id, release_id: e.release_id, label: e.label, host: e.host, link: dashboardLink(dashboardUrl, e), scope: e.scope };
}

export async function addNotify(d: Deps, req: AddNotifyRequest__Output): Promise<NotifyReceiver> {
  const row = receiverFrom(req, d.now());
  return await d.store.tx(async () => {
    if (await d.store.receivers.get(row.name)) throw new FleetswapError('BAD_USAGE', `a receiver named ${row.name} exists: notify remove it first`);
    // Owed what happens from now on, not the stream's past.
    await d.store.receivers.insert({ ...row, fanned_to: await d.store.events.lastId() });
    // The URL is not audited whole: a Slack webhook's path is its secret.
    await d.audit.append({ actor: req.actor, action: 'notify-add', target: row.name, detail: { url: viewOf(row).url, format: row.format, events: row.events, min_severity: row.min_severity, select: row.selector, signed: row.secret !== '' } });
    return viewOf(row);
  });
}

export async function listNotify(d: Deps): Promise<NotifyReceiver[]> {
  const counts = await d.store.receivers.counts();
  return (await d.store.receivers.all()).map((r) => viewOf(r, counts.get(r.name)));
}

export async function removeNotify(d: Deps, req: NotifyNameRequest__Output): Promise<void> {
  await d.store.tx(async () => {
    if (!(await d.store.receivers.remove(req.name))) throw new FleetswapError('BAD_USAGE', `no receiver named ${JSON.stringify(req.name)}: see fleetswap notify list`);
    await d.audit.append({ actor: req.actor, action: 'notify-remove', target: req.name });
  });
}

/** testNotify sends one made-up event to a receiver now, outside the outbox, and says how it answered. */
export async function testNotify(d: Deps, req: NotifyNameRequest__Output): Promise<TestNotifyReply> {
  const r = await d.store.receivers.get(req.name);
  if (!r) throw new FleetswapError('BAD_USAGE', `no receiver named ${JSON.stringify(req.name)}: see fleetswap notify list`);
  const e: EventRow = { id: 0, at_ms: d.now(), kind: 'notify.test', severity: 'info', actor: req.actor, reason: `a test of receiver ${r.name}, asked for by ${req.actor}`, rollout_id: 0, release_id: '', label: '', host: '', scope: {}, detail: {} };
  return await d.notifier.send(r, e);
}
