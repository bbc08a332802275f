/**
 * Backoff gives reconnect delays with "full jitter" (a uniform draw below an
 * exponentially growing cap), so a thousand agents that lost the coordinator
 * together do not come back together.
 */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly baseMs = 500,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const cap = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.floor(this.random() * cap);
  }

  reset(): void {
    this.attempt = 0;
  }
}
