import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EventRow } from '../store.js';
import { ceType, payloadOf, signatureHeaders, slackOf } from './format.js';
import { matches, receiverFrom } from './receivers.js';

// The pure parts of notifications: filters, payload types, the signature.
// test/notify.test.ts has them end to end with real receivers.

const event = (e: Partial<EventRow>): EventRow => ({ id: 7, at_ms: Date.UTC(2026, 0, 2), kind: 'rollout.phase', severity: 'info', actor: 'coordinator', reason: 'r', rollout_id: 3, release_id: 'abc', label: 'v3', host: '', scope: {}, detail: {}, ...e });

describe('notification filters', () => {
  const r = (events: string[], min: 'info' | 'warning' | 'critical' = 'info', selector: Record<string, string> = {}) => ({ events, min_severity: min, selector });

  it('match kinds exactly or by family, at or above the least severity, on the event\'s tags', () => {
    expect(matches(r([]), event({}))).toBe(true);
    expect(matches(r(['rollout.*']), event({ kind: 'rollout.verdict' }))).toBe(true);
    expect(matches(r(['rollout.*']), event({ kind: 'drift.found' }))).toBe(false);
    expect(matches(r(['halt']), event({ kind: 'unhalt' }))).toBe(false);
    expect(matches(r(['halt', 'drift.*']), event({ kind: 'halt' }))).toBe(true);
    expect(matches(r([], 'warning'), event({ severity: 'info' }))).toBe(false);
    expect(matches(r([], 'warning'), event({ severity: 'critical' }))).toBe(true);
    expect(matches(r([], 'info', { env: 'prod' }), event({ scope: { env: 'prod', role: 'web' } }))).toBe(true);
    expect(matches(r([], 'info', { env: 'prod' }), event({ scope: { env: 'staging' } }))).toBe(false);
    // A rollout to every host, or a halt, concerns everyone.
    expect(matches(r([], 'info', { env: 'prod' }), event({ scope: {} }))).toBe(true);
  });

  it('refuse what they cannot honour, in one line', () => {
    const req = { name: 'ops', url: 'https://example.com/hook', format: 'generic', events: [], min_severity: '', select: {}, secret: '', actor: 'token:a' };
    expect(receiverFrom(req, 1)).toMatchObject({ name: 'ops', min_severity: 'info', secret: '' });
    expect(receiverFrom({ ...req, events: ['freeze.*', 'approval.*'] }, 1).events).toEqual(['freeze.*', 'approval.*']);
    for (const [bad, msg] of [
      [{ url: 'ftp://example.com/' }, /only http and https/],
      [{ name: '-x' }, /bad receiver name/],
      [{ name: 'a'.repeat(64) }, /bad receiver name/],
      [{ events: ['rollout.*', 'party.*'] }, /unknown event "party\.\*"/],
      [{ format: 'Slack' }, /unknown --format/],
      [{ select: { env: '' } }, /bad --select/],
      [{ secret: 'x'.repeat(1025) }, /longer than 1024/],
    ] as const) {
      expect(() => receiverFrom({ ...req, ...bad } as typeof req, 1)).toThrow(msg);
    }
  });
});

describe('notification payloads', () => {
  it('CloudEvents types are CDEvents where one fits', () => {
    expect(ceType(event({ detail: { to: 'complete', rollout_kind: 'deploy', from_release: '' } }))).toBe('dev.cdevents.service.deployed.0.2.0');
    expect(ceType(event({ detail: { to: 'complete', rollout_kind: 'deploy', from_release: 'old' } }))).toBe('dev.cdevents.service.upgraded.0.2.0');
    expect(ceType(event({ detail: { to: 'complete', rollout_kind: 'rollback', from_release: 'new' } }))).toBe('dev.cdevents.service.rolledback.0.2.0');
    expect(ceType(event({ kind: 'rollout.rolled_back' }))).toBe('dev.cdevents.service.rolledback.0.2.0');
    expect(ceType(event({ detail: { to: 'canary' } }))).toBe('dev.fleetswap.rollout.phase.v1');
    expect(ceType(event({ kind: 'drift.found' }))).toBe('dev.fleetswap.drift.found.v1');
    const ce = JSON.parse(payloadOf('cloudevents', event({}), { source: 'fleetswap/prod' }).body) as Record<string, unknown>;
    expect(ce).toMatchObject({ specversion: '1.0', id: 'fleetswap/prod/events/7', source: 'fleetswap/prod', time: '2026-01-02T00:00:00.000Z', datacontenttype: 'application/json', data: { id: 7, kind: 'rollout.phase' } });
  });

  it('Slack text cannot ping a channel or disguise a link', () => {
    const s = slackOf(event({ reason: 'deploy <!channel> see <https://evil.example|docs> & more' }), { source: 'fleetswap', dashboardUrl: 'https://dash' });
    expect(s.text).toContain('deploy &lt;!channel&gt; see &lt;https://evil.example|docs&gt; &amp; more');
    expect(JSON.stringify(s.blocks)).toContain('<https://dash/rollouts/3|Open in the dashboard>');
  });

  it('signs id.timestamp.body with HMAC-SHA256 (Standard Webhooks), a whsec_ secret by its decoded bytes', () => {
    const h = signatureHeaders('s3cret', 'msg_1', 1700000000, '{"a":1}');
    expect(h).toEqual({ 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': `v1,${createHmac('sha256', 's3cret').update('msg_1.1700000000.{"a":1}').digest('base64')}` });
    const key = Buffer.from('0123456789abcdef');
    const w = signatureHeaders(`whsec_${key.toString('base64')}`, 'msg_1', 1, 'b');
    expect(w['webhook-signature']).toBe(`v1,${createHmac('sha256', key).update('msg_1.1.b').digest('base64')}`);
  });
});
