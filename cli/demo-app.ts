import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const TICK_MS = 50;

/**
 * ErrorApp stands in for the web app on a host, in the demo and the tests:
 * it writes error lines to its error log at the rate the live release asks
 * for (the release's `error-rate` file, lines per second), the way a buggy
 * build makes a real app log more errors. It reads through `current` on
 * every tick, so a switch changes its behaviour at once.
 */
export class ErrorApp {
  /** A latent bug that shows only later: multiplies whatever rate the live release asks for. */
  factor = 1;
  private timer: NodeJS.Timeout | undefined;
  private owed = 0;
  private busy = false;

  constructor(
    private readonly root: string,
    readonly logFile: string,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const rate = Number((await readFile(join(this.root, 'current', 'error-rate'), 'utf8').catch(() => '0')).trim()) || 0;
      this.owed += (rate * this.factor * TICK_MS) / 1000;
      const n = Math.floor(this.owed);
      this.owed -= n;
      if (n > 0) await appendFile(this.logFile, 'PHP Fatal error: something broke\n'.repeat(n));
    } finally {
      this.busy = false;
    }
  }
}
