import type { Clock } from '../rollout.js';

const WINDOW_MS = 60_000;
/** Addresses remembered at once: a flood from many addresses cannot grow the map without bound. */
const MAX_ADDRESSES = 10_000;

/**
 * Attempts limits sign-in attempts: `perAddress` a minute from one address,
 * and ten times that from everyone together (a guessing run spread over
 * many addresses is slowed too). A token has 256 random bits, so this is
 * about keeping the coordinator's database and log quiet more than about
 * the odds of a guess.
 */
export class Attempts {
  private windowStart = 0;
  private readonly byAddress = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perAddress: number,
    private readonly now: Clock,
  ) {}

  /** spent: `address` may make no more attempts this minute (nothing is counted). */
  spent(address: string): boolean {
    if (this.now() - this.windowStart >= WINDOW_MS) return false;
    return (this.byAddress.get(address) ?? 0) >= this.perAddress || this.total >= this.perAddress * 10;
  }

  /** take counts an attempt from `address`; false, and it is not counted, when the limit is reached. It also gives the seconds until the next window. */
  take(address: string): { ok: boolean; retryAfterS: number } {
    const at = this.now();
    if (at - this.windowStart >= WINDOW_MS) {
      this.windowStart = at;
      this.byAddress.clear();
      this.total = 0;
    }
    const retryAfterS = Math.max(1, Math.ceil((this.windowStart + WINDOW_MS - at) / 1000));
    const mine = this.byAddress.get(address) ?? 0;
    if (mine >= this.perAddress || this.total >= this.perAddress * 10 || (mine === 0 && this.byAddress.size >= MAX_ADDRESSES)) return { ok: false, retryAfterS };
    this.byAddress.set(address, mine + 1);
    this.total++;
    return { ok: true, retryAfterS };
  }
}
