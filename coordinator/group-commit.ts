import { FleetswapError } from '../shared/errors.js';
import type { Store } from './store.js';

/** At most this many jobs share one transaction, so one commit never waits on an unbounded batch. */
const MAX_BATCH = 500;

interface Job {
  run(): Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * GroupCommit runs what hosts say (hellos, reports) in shared transactions:
 * every job waiting when the Store's lane comes free goes into one
 * transaction, then `settle` runs once (the rollout moves on from all of
 * them), then one commit. A deploy's hosts report in bursts of hundreds,
 * and on PostgreSQL every statement is a round trip: one commit and one
 * settle for the burst instead of one each is what keeps a switch at 1,000
 * hosts close to SQLite's. Nothing is sent before the commit (directives go
 * out through afterCommit: CONTRACT invariant 7), and each job's promise
 * settles only after it.
 *
 * A job that throws spoils its batch: the transaction rolls back and each
 * job runs again in a transaction of its own, so only the stream that sent
 * the bad message is refused. When the database is away or this
 * coordinator no longer leads, every job fails alike and none is tried again.
 */
export class GroupCommit {
  private readonly queue: Job[] = [];
  /** A transaction is queued in the lane that will take the jobs waiting. */
  private pending = false;

  constructor(
    private readonly store: Store,
    private readonly settle: () => Promise<void>,
  ) {}

  /** run runs `fn` in a transaction it may share, and resolves once that has committed. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.pending) void this.drain();
    });
  }

  // Called outside any transaction (from run, or after a batch): store.tx from
  // inside the lane would run at once instead of waiting its turn.
  private async drain(): Promise<void> {
    this.pending = true;
    let batch: Job[] | undefined;
    let more = false;
    // The batch is what waited until now; whatever comes after queues a transaction of its own.
    const seal = (): Job[] => {
      batch = this.queue.splice(0, MAX_BATCH);
      more = this.queue.length > 0;
      this.pending = more;
      return batch;
    };
    const results: unknown[] = [];
    try {
      await this.store.tx(async () => {
        for (const job of seal()) results.push(await job.run());
        await this.settle();
      });
      (batch ?? []).forEach((job, i) => job.resolve(results[i]));
    } catch (err) {
      // The transaction may have failed before it began (the database away): its jobs fail with it.
      const failed = batch ?? seal();
      if (failed.length <= 1 || sharedFailure(err)) for (const job of failed) job.reject(err);
      else for (const job of failed) this.alone(job);
    }
    if (more) void this.drain();
  }

  private alone(job: Job): void {
    this.store
      .tx(async () => {
        const out = await job.run();
        await this.settle();
        return out;
      })
      .then(job.resolve, job.reject);
  }
}

/** sharedFailure is an error every job of the batch would meet again: trying each alone would only wait longer. */
function sharedFailure(err: unknown): boolean {
  return err instanceof FleetswapError && (err.code === 'UNAVAILABLE' || err.code === 'NOT_LEADER');
}
