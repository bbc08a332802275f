import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mulberry32 } from '../shared/prng.js';

const TICK_MS = 50;

/**
 * ErrorApp stands in for the web app on a host, in the demo and the tests:
 * it logs errors at the rate the live release asks for (the release's
 * `error-rate` file, errors per second), the way a buggy build makes a real
 * app log more errors. With an `error-trace` file (a number N) each error is
 * a Java stack trace of 1 to N lines, uniformly at random, every line
 * matching the agent's default pattern (frames of an `errors` package, a
 * cause); without one, a one-line PHP error. It reads through `current` on
 * every tick, so a switch changes its behaviour at once.
 */
export class ErrorApp {
  /** A latent bug that shows only later: multiplies whatever rate the live release asks for. */
  factor = 1;
  private timer: NodeJS.Timeout | undefined;
  private owed = 0;
  private busy = false;
  private readonly random: () => number;

  constructor(
    private readonly root: string,
    readonly logFile: string,
    seed = 1,
  ) {
    this.random = mulberry32(seed);
  }

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
      const rate = await this.asked('error-rate');
      this.owed += (rate * this.factor * TICK_MS) / 1000;
      const n = Math.floor(this.owed);
      this.owed -= n;
      if (n === 0) return;
      const traceLines = await this.asked('error-trace');
      await appendFile(this.logFile, Array.from({ length: n }, () => this.error(traceLines)).join(''));
    } finally {
      this.busy = false;
    }
  }

  /** asked reads a number the live release sets; 0 when it sets none. */
  private async asked(file: string): Promise<number> {
    return Number((await readFile(join(this.root, 'current', file), 'utf8').catch(() => '0')).trim()) || 0;
  }

  private error(traceLines: number): string {
    if (traceLines < 1) return 'PHP Fatal error: something broke\n';
    const lines = ['java.lang.IllegalStateException: something broke'];
    const n = 1 + Math.floor(this.random() * traceLines);
    for (let i = 1; i < n; i++) {
      lines.push(i % 3 === 0 ? `Caused by: java.io.IOException: cause ${i}` : `\tat com.example.errors.Handler${i}.handle(Handler${i}.java:${i * 10})`);
    }
    return `${lines.join('\n')}\n`;
  }
}
