import { describe, expect, it } from 'vitest';
import { reconnectDelay } from '../src/reconnect';

describe('reconnect delay', () => {
  it('retries a dropped connection soon, spread out over the first quarter second', () => {
    expect(reconnectDelay(0, { random: () => 0 })).toBe(0);
    expect(reconnectDelay(0, { random: () => 0.999 })).toBeLessThanOrEqual(250);
  });

  it('doubles with every failed attempt, jittered between half and all of it, up to the cap', () => {
    const low = (n: number) => reconnectDelay(n, { random: () => 0 });
    const high = (n: number) => reconnectDelay(n, { random: () => 1 });
    expect([1, 2, 3, 4].map(low)).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map(high)).toEqual([1000, 2000, 4000, 8000]);
    expect(high(50)).toBe(30_000);
    expect(low(50)).toBe(15_000);
  });

  it('never repeats in lock-step: two clients draw different delays', () => {
    const draws = new Set(Array.from({ length: 50 }, () => reconnectDelay(3)));
    expect(draws.size).toBeGreaterThan(10);
  });
});
