import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';

/** A browser following a feed. */
export interface Subscriber {
  send(event: string, data: string): void;
  /** still: the session behind it is still signed in (asked once a tick; a revoked token ends the feed). */
  still(): Promise<boolean>;
  close(): void;
}

/** Feeds send at most this often: the dashboard is live to the second, and no faster. */
export const TICK_MS = 1_000;
const PING_MS = 15_000;

/**
 * Feed is one live document (a rollout page) and everyone following it: it
 * is built once a tick for all of them, and sent only when it changed.
 */
class Feed {
  readonly subs = new Set<Subscriber>();
  private last = '';
  private busy = false;
  private lastPing = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly build: () => Promise<string>,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
  }

  /** add sends the newest document to a new follower at once, then with everyone else. */
  async add(sub: Subscriber): Promise<void> {
    this.subs.add(sub);
    if (this.last) sub.send('page', this.last);
    else await this.tick();
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const sub of [...this.subs]) {
        if (!(await sub.still())) {
          sub.send('signed-out', '{}');
          sub.close();
          this.subs.delete(sub);
        }
      }
      if (this.subs.size === 0) return;
      const doc = await this.build();
      if (doc !== this.last) {
        this.last = doc;
        for (const sub of this.subs) sub.send('page', doc);
      } else if (Date.now() - this.lastPing >= PING_MS) {
        this.lastPing = Date.now();
        // A comment line: keeps proxies and idle timers from closing a quiet feed.
        for (const sub of this.subs) sub.send('', '');
      }
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'dashboard live feed could not be built; trying again next second');
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    for (const sub of this.subs) sub.close();
    this.subs.clear();
  }
}

/** LiveFeeds are the feeds being followed, by key; a feed nobody follows stops. */
export class LiveFeeds {
  private readonly feeds = new Map<string, Feed>();

  constructor(private readonly log: Logger) {}

  async follow(key: string, build: () => Promise<string>, sub: Subscriber): Promise<() => void> {
    let feed = this.feeds.get(key);
    if (!feed) this.feeds.set(key, (feed = new Feed(build, this.log)));
    const f = feed;
    await f.add(sub);
    return () => {
      f.subs.delete(sub);
      if (f.subs.size === 0 && this.feeds.get(key) === f) {
        f.stop();
        this.feeds.delete(key);
      }
    };
  }

  /** followers is how many browsers follow any feed. */
  get followers(): number {
    let n = 0;
    for (const f of this.feeds.values()) n += f.subs.size;
    return n;
  }

  stop(): void {
    for (const f of this.feeds.values()) f.stop();
    this.feeds.clear();
  }
}
