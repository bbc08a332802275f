import { describe, expect, it } from 'vitest';
import { waitFor } from '../test/fixtures.js';
import { aClusterForThisFile } from '../test/postgres.js';
import { silentLogger } from '../shared/log.js';
import { Leadership, LEADERSHIP_SCHEMA } from './leadership.js';
import { PgDb } from './store/pg-db.js';

const cluster = aClusterForThisFile();

async function twoCoordinators(ttlMs = 600, renewA = 100) {
  const url = await cluster().aDatabase();
  const dbs = [new PgDb(url, { onError: () => undefined }), new PgDb(url, { onError: () => undefined })];
  await dbs[0]!.migrate([LEADERSHIP_SCHEMA]);
  await dbs[1]!.migrate([LEADERSHIP_SCHEMA]);
  const changes: string[] = [];
  const mk = (i: number) =>
    new Leadership(dbs[i]!, { name: `c${i}`, address: `127.0.0.1:${7000 + i}`, ttlMs, renewMs: i === 0 ? renewA : 100, log: silentLogger(), onChange: (on, epoch) => changes.push(`c${i} ${on ? 'leads' : 'stops'} ${epoch}`) });
  return { dbs, a: mk(0), b: mk(1), changes };
}

describe('Leadership on PostgreSQL', () => {
  it('elects one leader; the other follows and names it', async () => {
    const { dbs, a, b } = await twoCoordinators();
    await a.start();
    await b.start();
    expect(a.leading).toBe(true);
    expect(b.leading).toBe(false);
    expect(await b.leader()).toMatchObject({ name: 'c0', address: '127.0.0.1:7000', epoch: 1 });
    expect((await b.members()).map((m) => [m.name, m.leader])).toEqual([
      ['c0', true],
      ['c1', false],
    ]);
    await expect(dbs[1]!.tx(() => b.fence())).rejects.toMatchObject({ code: 'NOT_LEADER', message: expect.stringContaining('c0 at 127.0.0.1:7000 is (epoch 1)') });
    await dbs[0]!.tx(() => a.fence());
    await a.stop();
    await b.stop();
    for (const d of dbs) await d.close();
  });

  it('hands over at once when the leader stops, with a new epoch', async () => {
    const { dbs, a, b, changes } = await twoCoordinators(60_000);
    await a.start();
    await b.start();
    await a.stop();
    await waitFor('b leads', () => b.leading, 5_000);
    expect(b.epoch).toBe(2);
    expect(changes).toEqual(['c0 leads 1', 'c0 stops 1', 'c1 leads 2']);
    await b.stop();
    for (const d of dbs) await d.close();
  });

  it('a coordinator restarted under its own name and address takes its lease back at once; its old process cannot write', async () => {
    const { dbs, a } = await twoCoordinators(60_000);
    await a.start();
    // The same coordinator, restarted (a new process: a new holder) at the same address, with the old lease not run out.
    const again = new Leadership(dbs[1]!, { name: 'c0', address: '127.0.0.1:7000', ttlMs: 60_000, renewMs: 100, log: silentLogger() });
    await again.start();
    expect(again.leading).toBe(true);
    expect(again.epoch).toBe(2);
    await expect(dbs[0]!.tx(() => a.fence())).rejects.toMatchObject({ code: 'NOT_LEADER' });
    // The old process, were it alive, does not take it back: only a start takes a lease by name.
    await new Promise((r) => setTimeout(r, 300));
    expect([a.leading, again.leading]).toEqual([false, true]);
    // Under another name (or at another address), the lease is waited out.
    const other = new Leadership(dbs[1]!, { name: 'c0', address: '127.0.0.1:7999', ttlMs: 60_000, renewMs: 100, log: silentLogger() });
    await other.start();
    expect(other.leading).toBe(false);
    await other.stop();
    await again.stop();
    await a.stop();
    for (const d of dbs) await d.close();
  });

  it('a leader that was paused past its lease cannot write once another took over; a write fenced before the takeover lands before it', async () => {
    // a renews once and then never again, as a process stopped by SIGSTOP.
    const { dbs, a, b } = await twoCoordinators(600, 3_600_000);
    await dbs[0]!.run('CREATE TABLE w (x TEXT)');
    await a.start();
    await b.start();
    let resume!: () => void;
    const paused = new Promise<void>((r) => (resume = r));
    let fenced!: () => void;
    const inside = new Promise<void>((r) => (fenced = r));
    const stale = dbs[0]!.tx(async () => {
      await a.fence();
      fenced();
      await paused;
      await dbs[0]!.run("INSERT INTO w(x) VALUES ('fenced at epoch 1')");
    });
    await inside;
    // The lease runs out at 600 ms, but b cannot take the row while a's fenced transaction holds it...
    await new Promise((r) => setTimeout(r, 900));
    expect(a.leading).toBe(false);
    expect(b.leading).toBe(false);
    resume();
    await stale;
    // ...and takes it as soon as that commits, at a new epoch.
    await waitFor('b leads', () => b.leading, 5_000);
    expect(b.epoch).toBe(2);
    // From now on the old holder's transactions are refused and write nothing.
    await expect(
      dbs[0]!.tx(async () => {
        await a.fence();
        await dbs[0]!.run("INSERT INTO w(x) VALUES ('after the takeover')");
      }),
    ).rejects.toMatchObject({ code: 'NOT_LEADER', message: expect.stringContaining('c1 at 127.0.0.1:7001') });
    expect(await dbs[1]!.all('SELECT x FROM w')).toEqual([{ x: 'fenced at epoch 1' }]);
    await a.stop();
    await b.stop();
    for (const d of dbs) await d.close();
  });

  it('a leader that cannot reach the database stops counting itself leader when its lease would end', async () => {
    const { dbs, a } = await twoCoordinators(600);
    await a.start();
    expect(a.leading).toBe(true);
    await cluster().stop();
    try {
      await waitFor('a steps down', () => !a.leading, 3_000);
      expect(a.epoch).toBe(0);
    } finally {
      await cluster().start();
    }
    await waitFor('a leads again', () => a.leading, 10_000);
    await a.stop();
    for (const d of dbs) await d.close();
  });
});
