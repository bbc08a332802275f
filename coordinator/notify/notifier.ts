import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { onEvent } from '../events.js';
import type { Clock } from '../rollout.js';
import type { EventRow, OutboxRow, ReceiverRow, Store } from '../store.js';
import { payloadOf, signatureHeaders, type Context } from './format.js';
import { matches } from './receivers.js';
import { post, type Sent } from './send.js';

export interface NotifierOptions {
  /** How long a delivery is retried before it is given up (and counted). @default 24 h */
  giveUpMs?: number;
  /** The dashboard's address, for links in what is sent. */
  dashboardUrl?: string;
  /** The CloudEvents source. @default "fleetswap" */
  source?: string;
  /** How often the outbox is looked at when no event wakes it. @default 1 s */
  pollMs?: number;
  /** The first retry's wait, doubled each time up to 5 minutes. @default 1 s */
  retryMs?: number;
  /** Only the leader delivers. */
  leading: () => boolean;
}

export const DEFAULT_GIVE_UP_MS = 24 * 3_600_000;
/** How many events one fan-out transaction reads: its writes stay small. */
const FAN_OUT_PAGE = 200;
const MAX_RETRY_MS = 5 * 60_000;

/**
 * Notifier delivers the event stream to the receivers, on the leader only,
 * from the durable outbox: a fan-out step turns each new event into one
 * outbox row per receiver whose filters it passes (a cursor in meta says how
 * far it got, so a restart neither loses nor repeats a fan-out), and one
 * worker per receiver sends its oldest pending row, then the next: in order,
 * at-least-once (a row goes only after its receiver said 2xx), retried with
 * exponential backoff, and given up after giveUpMs. Every request runs
 * outside any transaction; its writes are single small statements, so a slow
 * or dead receiver holds up only itself, never the rollout engine.
 */
export class Notifier {
  private readonly giveUpMs: number;
  private readonly ctx: Context;
  private readonly busy = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private fanning: Promise<void> | undefined;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly store: Store,
    private readonly now: Clock,
    private readonly log: Logger,
    private readonly opts: NotifierOptions,
  ) {
    this.giveUpMs = opts.giveUpMs ?? DEFAULT_GIVE_UP_MS;
    this.ctx = { dashboardUrl: opts.dashboardUrl, source: opts.source ?? 'fleetswap' };
  }

  get context(): Context {
    return this.ctx;
  }

  /** useDashboard links to the dashboard this coordinator serves (--http-listen), unless --dashboard-url named one. */
  useDashboard(url: string): void {
    this.ctx.dashboardUrl ??= url;
  }

  start(): void {
    onEvent(this.store, () => this.kick());
    this.timer = setInterval(() => this.kick(), this.opts.pollMs ?? 1_000);
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.stopping.abort();
    await this.fanning;
    await Promise.all([...this.inFlight]);
  }

  /** kick fans out what is new and starts a worker for each receiver without one; it never waits on a receiver. */
  kick(): void {
    if (this.stopped || !this.opts.leading() || this.fanning) return;
    this.fanning = this.fanOut()
      .then((receivers) => {
        for (const r of receivers) if (!this.busy.has(r.name)) this.work(r);
      })
      .catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'notify: fan-out failed; trying again'))
      .finally(() => (this.fanning = undefined));
  }

  /**
   * fanOut queues each receiver's new matching events, a page per
   * transaction, moving its fanned_to past them. Nothing new: no transaction
   * at all (a read), so an idle notifier writes nothing.
   */
  private async fanOut(): Promise<ReceiverRow[]> {
    for (;;) {
      const receivers = await this.store.receivers.all();
      if (receivers.length === 0) return receivers;
      const from = Math.min(...receivers.map((r) => r.fanned_to));
      if ((await this.store.events.lastId()) <= from) return receivers;
      const full = await this.store.tx(async () => {
        const events = await this.store.events.page(from, FAN_OUT_PAGE);
        for (const r of await this.store.receivers.all()) {
          const owed = events.filter((e) => e.id > r.fanned_to);
          if (owed.length === 0) continue;
          for (const e of owed) if (matches(r, e)) await this.store.receivers.enqueue(r.name, e.id, e.at_ms);
          await this.store.receivers.fannedTo(r.name, owed.at(-1)!.id);
        }
        return events.length === FAN_OUT_PAGE;
      });
      if (!full || this.stopped) return await this.store.receivers.all();
    }
  }

  private work(r: ReceiverRow): void {
    this.busy.add(r.name);
    const p = this.drain(r)
      .catch((err: unknown) => this.log.warn({ receiver: r.name, err: errorMessage(err) }, 'notify: delivery step failed; trying again'))
      .finally(() => {
        this.busy.delete(r.name);
        this.inFlight.delete(p);
      });
    this.inFlight.add(p);
  }

  /** drain sends a receiver's due rows in order until none is due (a failure waits for its retry time). */
  private async drain(r: ReceiverRow): Promise<void> {
    while (!this.stopped && this.opts.leading()) {
      const row = await this.store.receivers.head(r.name);
      if (!row || row.next_at_ms > this.now()) return;
      const event = await this.store.events.get(row.event_id);
      if (!event) {
        await this.store.tx(() => this.store.receivers.givenUp(row, `event ${row.event_id} is gone`));
        continue;
      }
      const sent = await this.send(r, event);
      if (this.stopped) return;
      if (sent.ok) {
        await this.store.tx(() => this.store.receivers.delivered(row));
        continue;
      }
      if (!(await this.failed(r, row, sent))) return;
    }
  }

  /** failed retries a row later, or gives it up once past giveUpMs; true when the next row may go at once. */
  private async failed(r: ReceiverRow, row: OutboxRow, sent: Sent): Promise<boolean> {
    const now = this.now();
    if (now - row.created_at_ms >= this.giveUpMs) {
      this.log.warn({ receiver: r.name, event: row.event_id, attempts: row.attempts + 1, outcome: sent.outcome }, 'notify: delivery given up');
      await this.store.tx(() => this.store.receivers.givenUp(row, sent.outcome));
      return true;
    }
    const wait = Math.min((this.opts.retryMs ?? 1_000) * 2 ** row.attempts, MAX_RETRY_MS);
    // Never past the give-up time: the last try is made then.
    const next = Math.min(now + wait, row.created_at_ms + this.giveUpMs);
    this.log.info({ receiver: r.name, event: row.event_id, attempts: row.attempts + 1, retry_in_ms: next - now, outcome: sent.outcome }, 'notify: delivery failed; retrying');
    await this.store.tx(() => this.store.receivers.retryAt(row, next, sent.outcome));
    return false;
  }

  /** send posts one event to one receiver, signed when it has a secret. */
  send(r: ReceiverRow, e: EventRow): Promise<Sent> {
    const { body, contentType } = payloadOf(r.format, e, this.ctx);
    const headers: Record<string, string> = { 'content-type': contentType };
    if (r.secret) Object.assign(headers, signatureHeaders(r.secret, `${this.ctx.source}-event-${e.id}`, Math.floor(this.now() / 1000), body));
    return post(r.url, body, headers, { signal: this.stopping.signal });
  }
}
