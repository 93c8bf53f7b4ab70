import { describe, expect, it } from 'vitest';
import { groupRunDirs } from './group-runs';

const lanpo = (seed: number, reflectionShare: number) => ({
  name: 'arithmetic-lanpo',
  seed,
  rollout: { use: 'lanpo', options: { reflectionShare, pool: { maxProblems: 1024 } } },
  trainer: { steps: 50 },
});

describe('groupRunDirs', () => {
  it('puts runs that differ only in seed into one arm, sorted by seed, in order of first appearance', () => {
    const runs = [
      { dir: 'b3', config: { name: 'grpo', seed: 3, trainer: { steps: 50 } } },
      { dir: 'b1', config: { seed: 1, trainer: { steps: 50 }, name: 'grpo' } }, // key order does not matter
      { dir: 'c1', config: { name: 'grpo', seed: 1, trainer: { steps: 60 } } },
    ];
    const groups = groupRunDirs(runs);
    expect(groups.map((g) => [g.name, g.runs.map((r) => r.dir)])).toEqual([
      ['grpo (trainer.steps=50)', ['b1', 'b3']],
      ['grpo (trainer.steps=60)', ['c1']],
    ]);
  });

  it('names clashing arms by the keys they differ on, and leaves other names alone', () => {
    const groups = groupRunDirs([
      { dir: 'r1-s2', config: lanpo(2, 1) },
      { dir: 'r05-s2', config: lanpo(2, 0.5) },
      { dir: 'r1-s3', config: lanpo(3, 1) },
      { dir: 'g', config: { name: 'arithmetic-grpo', seed: 2 } },
    ]);
    expect(groups.map((g) => [g.name, g.runs.map((r) => r.dir)])).toEqual([
      ['arithmetic-lanpo (rollout.options.reflectionShare=1)', ['r1-s2', 'r1-s3']],
      ['arithmetic-lanpo (rollout.options.reflectionShare=0.5)', ['r05-s2']],
      ['arithmetic-grpo', ['g']],
    ]);
  });

  it('names a key that only one arm has, caps the keys listed, and falls back to a number', () => {
    const a = { name: 'x', seed: 1, k1: 1, k2: 1, k3: 1, k4: 1 };
    const b = { name: 'x', seed: 1, k1: 2, k2: 2, k3: 2, k4: 2 };
    expect(
      groupRunDirs([
        { dir: 'a', config: a },
        { dir: 'b', config: b },
      ]).map((g) => g.name),
    ).toEqual(['x (k1=1, k2=1, k3=1, +1 more)', 'x (k1=2, k2=2, k3=2, +1 more)']);
    expect(
      groupRunDirs([
        { dir: 'a', config: { name: 'y' } },
        { dir: 'b', config: { name: 'y', extra: { on: true } } },
      ]).map((g) => g.name),
    ).toEqual(['y (extra.on=(unset))', 'y (extra.on=true)']);
    const same = (i: number) => ({ name: 'z', k1: 1, k2: 1, k3: 1, k4: i });
    expect(groupRunDirs([1, 2].map((i) => ({ dir: String(i), config: same(i) }))).map((g) => g.name)).toEqual([
      'z (k4=1)',
      'z (k4=2)',
    ]);
  });

  it('calls an arm without a name "experiment"', () => {
    expect(groupRunDirs([{ dir: 'a', config: { seed: 1 } }])[0]?.name).toBe('experiment');
  });
});
