import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Lane runs one job at a time, in the order they came. The Store runs every
 * transaction in it: the engine reads, decides and writes across awaits, and
 * two of its steps interleaved (two hosts' reports, a report and the clock)
 * could each see the other's rollout before it moved. On SQLite this is also
 * what keeps a transaction's statements apart from everyone else's; on
 * PostgreSQL it keeps one coordinator's own transactions from racing.
 *
 * A job that starts another (a transaction inside a transaction) runs it at
 * once rather than wait for itself. Work a job leaves behind (a timer, a
 * callback) is not the job: once the job ends, it waits its turn too.
 */
export class Lane {
  private tail: Promise<void> = Promise.resolve();
  private readonly inside = new AsyncLocalStorage<{ running: boolean }>();

  run<T>(job: () => Promise<T>): Promise<T> {
    if (this.inside.getStore()?.running) return job();
    const turn = { running: false };
    const out = this.tail.then(() => {
      turn.running = true;
      return this.inside.run(turn, job);
    });
    const ended = out.then(
      () => undefined,
      () => undefined,
    );
    this.tail = ended.then(() => {
      turn.running = false;
    });
    return out;
  }
}
