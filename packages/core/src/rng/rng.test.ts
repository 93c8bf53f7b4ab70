import { describe, expect, it } from 'vitest';
import { Rng } from './rng';

const draw = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.next());

describe('Rng', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(draw(Rng.fromSeed(42), 5)).toEqual(draw(Rng.fromSeed(42), 5));
    expect(draw(Rng.fromSeed(42), 5)).not.toEqual(draw(Rng.fromSeed(43), 5));
  });

  it('split streams do not depend on draws from the parent or on other consumers', () => {
    const a = Rng.fromSeed(7);
    const expected = draw(a.split('sampling'), 5);
    const b = Rng.fromSeed(7);
    draw(b, 100);
    draw(b.split('new-consumer'), 50);
    expect(draw(b.split('sampling'), 5)).toEqual(expected);
    expect(draw(b.split('task'), 5)).not.toEqual(expected);
  });

  it('nested splits are distinct from flat splits', () => {
    const r = Rng.fromSeed(1);
    expect(draw(r.split('a').split('b'), 3)).not.toEqual(draw(r.split('b').split('a'), 3));
  });

  it('restores from state and continues identically', () => {
    const r = Rng.fromSeed(3).split('x');
    draw(r, 10);
    const state = JSON.parse(JSON.stringify(r.state()));
    const copy = Rng.restore(state);
    expect(draw(copy, 20)).toEqual(draw(r, 20));
  });

  it('produces uniform floats in [0,1) and integers in range', () => {
    const r = Rng.fromSeed(9);
    const xs = draw(r, 20000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[r.int(6)]++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
    const ys = Array.from({ length: 1000 }, () => r.intBetween(-2, 2));
    expect(new Set(ys)).toEqual(new Set([-2, -1, 0, 1, 2]));
  });

  it('normal() has mean ~0 and variance ~1; shuffle is a permutation', () => {
    const r = Rng.fromSeed(11);
    const xs = Array.from({ length: 20000 }, () => r.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    const s = r.shuffle(items);
    expect([...s].sort()).toEqual(items);
    expect(items).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('rejects bad arguments', () => {
    expect(() => Rng.fromSeed(1.5)).toThrow(/safe integer/);
    expect(() => Rng.fromSeed(0).int(0)).toThrow(RangeError);
    expect(() => Rng.fromSeed(0).pick([])).toThrow(/empty/);
  });
});
