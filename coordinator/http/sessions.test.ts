import { describe, expect, it } from 'vitest';
import { Attempts } from './attempts.js';
import { sameSecret, Sessions } from './sessions.js';

// Sessions and sign-in attempts against a clock the tests move.

const clock = () => {
  let t = 1_000_000;
  return { now: () => t, move: (ms: number) => (t += ms) };
};

describe('Sessions', () => {
  it('ends a session unused for the idle limit, and any session at the absolute limit however used', () => {
    const c = clock();
    const s = new Sessions({ idleMs: 1_000, maxMs: 5_000, max: 10 }, c.now);
    const a = s.create('hash-a', 'alice');
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.csrf).not.toBe(a.id);
    c.move(999);
    expect(s.get(a.id)).toBe(a);
    c.move(999);
    expect(s.get(a.id)).toBe(a);
    c.move(1_000);
    expect(s.get(a.id)).toBeUndefined();
    const b = s.create('hash-b', 'bob');
    for (let i = 0; i < 5; i++) {
      c.move(900);
      expect(s.get(b.id)).toBe(b);
    }
    c.move(600);
    expect(s.get(b.id)).toBeUndefined();
  });

  it('ends every session of a token, and the least recently used when there are too many', () => {
    const c = clock();
    const s = new Sessions({ idleMs: 60_000, maxMs: 60_000, max: 3 }, c.now);
    const [a1, a2, b] = [s.create('a', 'alice'), s.create('a', 'alice'), s.create('b', 'bob')];
    s.get(a1.id);
    const d = s.create('d', 'dan');
    expect([a1, a2, b, d].map((x) => s.get(x.id) !== undefined)).toEqual([true, false, true, true]);
    s.endAllOf('a');
    expect(s.get(a1.id)).toBeUndefined();
    expect(s.size).toBe(2);
    expect(s.get(undefined)).toBeUndefined();
    expect(s.get('made-up')).toBeUndefined();
  });

  it('compares secrets whole', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abd', 'abc')).toBe(false);
    expect(sameSecret('ab', 'abc')).toBe(false);
    expect(sameSecret(undefined, 'abc')).toBe(false);
    expect(sameSecret('', '')).toBe(true);
  });
});

describe('Attempts', () => {
  it('allows so many a minute from one address, ten times that from all, and starts again the next minute', () => {
    const c = clock();
    const a = new Attempts(3, c.now);
    expect([1, 2, 3, 4].map(() => a.take('10.0.0.1').ok)).toEqual([true, true, true, false]);
    expect(a.spent('10.0.0.1')).toBe(true);
    expect(a.take('10.0.0.2').ok).toBe(true);
    for (let i = 3; i < 30; i++) a.take(`10.0.1.${i}`);
    expect(a.take('10.0.0.9')).toEqual({ ok: false, retryAfterS: 60 });
    c.move(60_000);
    expect(a.spent('10.0.0.1')).toBe(false);
    expect(a.take('10.0.0.1').ok).toBe(true);
  });
});
