import { describe, expect, it } from 'vitest';
import { Lane } from './lane.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('Lane', () => {
  it('runs jobs one at a time in the order they came, even across awaits', async () => {
    const lane = new Lane();
    const seen: string[] = [];
    const job = (name: string) => async () => {
      seen.push(`${name} start`);
      await tick();
      seen.push(`${name} end`);
      return name;
    };
    expect(await Promise.all([lane.run(job('a')), lane.run(job('b')), lane.run(job('c'))])).toEqual(['a', 'b', 'c']);
    expect(seen).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('a job that starts another runs it at once, and a failed job does not stop the next', async () => {
    const lane = new Lane();
    const inner = await lane.run(async () => lane.run(async () => 'nested'));
    expect(inner).toBe('nested');
    await expect(lane.run(async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await lane.run(async () => 'after')).toBe('after');
  });

  it('work a job leaves behind waits its turn once the job has ended', async () => {
    const lane = new Lane();
    const seen: string[] = [];
    let left: Promise<void> | undefined;
    await lane.run(async () => {
      // A callback scheduled inside a job runs after it, in the job's async context.
      left = new Promise<void>((done) => setTimeout(() => void lane.run(async () => void seen.push('left behind')).then(done), 5));
    });
    const next = lane.run(async () => {
      seen.push('next start');
      await new Promise((r) => setTimeout(r, 20));
      seen.push('next end');
    });
    await Promise.all([left, next]);
    expect(seen).toEqual(['next start', 'next end', 'left behind']);
  });
});
