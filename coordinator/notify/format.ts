import { createHmac } from 'node:crypto';
import { dashboardLink } from '../events.js';
import type { EventRow, ReceiverRow } from '../store.js';
import { isoFromMs } from '../times.js';

// What a receiver is sent, in its format, and how it is signed.

/** Context is what the payload needs beyond the event: where the dashboard is, and who sends. */
export interface Context {
  dashboardUrl?: string;
  /** The CloudEvents source: this fleet's coordinators. */
  source: string;
}

/** Request is one HTTP request's body and headers, before signing. */
export interface Payload {
  body: string;
  contentType: string;
}

/** The generic JSON shape: every field of the event, flat. */
export function genericOf(e: EventRow, ctx: Context): Record<string, unknown> {
  return {
    id: e.id,
    time: isoFromMs(e.at_ms),
    kind: e.kind,
    severity: e.severity,
    actor: e.actor,
    reason: e.reason,
    rollout: e.rollout_id ? { id: e.rollout_id, release: e.release_id, label: e.label } : null,
    host: e.host || null,
    scope: e.scope,
    link: dashboardLink(ctx.dashboardUrl, e) || null,
    detail: e.detail,
  };
}

/** SEVERITY_MARK leads a Slack message: what matters is seen before it is read. */
const SEVERITY_MARK = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' } as const;

/**
 * slackText escapes what Slack's mrkdwn reads as markup: a reason is an
 * operator's text or a host's, and `<!channel>` or `<https://evil|docs>` in
 * it must not ping everyone or disguise a link.
 */
const slackText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function summary(e: EventRow): string {
  const about = e.rollout_id ? `rollout #${e.rollout_id} (${e.label})` : e.host ? `host ${e.host}` : 'fleet';
  return `[${e.severity}] ${e.kind} ${about}: ${e.reason}`;
}

/** Slack incoming-webhook JSON: text (the notification and fallback) and blocks; Discord's and Mattermost's Slack endpoints take it too. */
export function slackOf(e: EventRow, ctx: Context): Record<string, unknown> {
  const link = dashboardLink(ctx.dashboardUrl, e);
  const text = `${SEVERITY_MARK[e.severity]} ${slackText(summary(e))}`;
  const context = [`*${e.severity}*`, slackText(e.actor), isoFromMs(e.at_ms), `event ${e.id}`];
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: link ? `${text}\n<${link}|Open in the dashboard>` : text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
    ],
  };
}

const CDEVENTS = {
  deployed: 'dev.cdevents.service.deployed.0.2.0',
  upgraded: 'dev.cdevents.service.upgraded.0.2.0',
  rolledback: 'dev.cdevents.service.rolledback.0.2.0',
};

/**
 * ceType is the CloudEvents type: a CDEvents service event where one fits (a
 * deploy completed: deployed, or upgraded when a release was live before;
 * a rollback, automatic or asked for, ended), else dev.fleetswap.KIND.
 */
export function ceType(e: EventRow): string {
  const to = e.detail.to;
  if (e.kind === 'rollout.rolled_back') return CDEVENTS.rolledback;
  if (e.kind === 'rollout.phase' && to === 'complete') {
    if (e.detail.rollout_kind === 'rollback') return CDEVENTS.rolledback;
    return e.detail.from_release ? CDEVENTS.upgraded : CDEVENTS.deployed;
  }
  return `dev.fleetswap.${e.kind}.v1`;
}

/** CloudEvents 1.0, structured JSON mode; `data` is the generic shape. */
export function cloudEventOf(e: EventRow, ctx: Context): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: `${ctx.source}/events/${e.id}`,
    source: ctx.source,
    type: ceType(e),
    subject: e.rollout_id ? `rollout/${e.rollout_id}` : e.host ? `host/${e.host}` : 'fleet',
    time: isoFromMs(e.at_ms),
    datacontenttype: 'application/json',
    data: genericOf(e, ctx),
  };
}

export function payloadOf(format: ReceiverRow['format'], e: EventRow, ctx: Context): Payload {
  if (format === 'cloudevents') return { body: JSON.stringify(cloudEventOf(e, ctx)), contentType: 'application/cloudevents+json' };
  return { body: JSON.stringify(format === 'slack' ? slackOf(e, ctx) : genericOf(e, ctx)), contentType: 'application/json' };
}

/**
 * signatureHeaders are the Standard Webhooks headers: webhook-signature is
 * `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`. A secret written
 * `whsec_BASE64` (as Standard Webhooks libraries make them) is keyed by its
 * decoded bytes, any other by its UTF-8 bytes.
 */
export function signatureHeaders(secret: string, id: string, timestampS: number, body: string): Record<string, string> {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
  const sig = createHmac('sha256', key).update(`${id}.${timestampS}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampS), 'webhook-signature': `v1,${sig}` };
}
