import { makeProblem } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { ExperiencePool, poolOptions } from './experience-pool';

const options = (over: Record<string, unknown> = {}) =>
  poolOptions.parse({ attemptsPerProblem: 3, maxProblems: 2, globalSize: 2, ...over });
const p = (id: string) => makeProblem({ id, question: `question ${id}`, prompt: `${id}=?\n`, answer: `gold-${id}` });
const tries = (...xs: [string, number][]) => xs.map(([text, reward]) => ({ text, reward }));

describe('ExperiencePool', () => {
  it('keeps the most recent attemptsPerProblem attempts per problem, oldest first, attemptsPerStep per add', () => {
    const pool = new ExperiencePool(options({ attemptsPerStep: 2 }));
    pool.add(p('a'), tries(['a1', 0], ['a2', 1], ['a3', 0]), 1);
    expect(pool.attempts('a')).toEqual(['a1', 'a2']);
    pool.add(p('a'), tries(['a4', 1], ['a5', 0]), 2);
    expect(pool.attempts('a')).toEqual(['a2', 'a4', 'a5']);
    expect(pool.rewardsOf('a')).toEqual([1, 1, 0]);
    expect(pool.attempts('unseen')).toEqual([]);
  });

  it('evicts the least recently updated problem past maxProblems, with its rewards', () => {
    const pool = new ExperiencePool(options());
    pool.add(p('a'), tries(['a1', 0]), 1);
    pool.add(p('b'), tries(['b1', 0]), 2);
    pool.add(p('a'), tries(['a2', 0]), 3); // a is now the most recent
    pool.add(p('c'), tries(['c1', 0]), 4);
    expect(pool.has('b')).toBe(false);
    expect(pool.rewardsOf('b')).toEqual([]);
    expect(pool.problems().map((x) => x.id)).toEqual(['a', 'c']);
    expect(pool.stats()).toEqual({ problems: 2, attempts: 3, global: 0, evictions: 1 });
  });

  it('global store: one solved trajectory per problem, newest replaces, FIFO bounded by globalSize', () => {
    const pool = new ExperiencePool(options({ maxProblems: 10 }));
    pool.add(p('a'), tries(['a-wrong', 0], ['a-right', 1]), 1);
    pool.add(p('b'), tries(['b-wrong', 0]), 1);
    expect(pool.others('x')).toEqual([{ problemId: 'a', question: 'question a', text: 'a-right' }]);
    pool.add(p('c'), tries(['c-right', 1]), 2);
    pool.add(p('a'), tries(['a-right-2', 1]), 3);
    expect(pool.others('x').map((g) => g.text)).toEqual(['c-right', 'a-right-2']);
    pool.add(p('d'), tries(['d-right', 1]), 4);
    expect(pool.others('x').map((g) => g.text)).toEqual(['a-right-2', 'd-right']);
    expect(pool.others('a').map((g) => g.problemId)).toEqual(['d']);
    // The global store looks at the whole group, not only the attempts the FIFO keeps.
    const late = new ExperiencePool(options({ attemptsPerStep: 1 }));
    late.add(p('e'), tries(['e-wrong', 0], ['e-wrong-2', 0], ['e-right', 1]), 1);
    expect(late.attempts('e')).toEqual(['e-wrong']);
    expect(late.others('x').map((g) => g.text)).toEqual(['e-right']);
    const all = new ExperiencePool(options({ globalFrom: 'all' }));
    all.add(p('b'), tries(['b-wrong', 0]), 1);
    expect(all.others('x').map((g) => g.text)).toEqual(['b-wrong']);
  });

  it('never puts rewards in the texts it hands out', () => {
    const pool = new ExperiencePool(options());
    pool.add(p('a'), tries(['a1', 0.123456], ['a2', 0.654321]), 1);
    const shown = JSON.stringify([pool.attempts('a'), pool.others('x').map(ExperiencePool.reference)]);
    expect(shown).not.toMatch(/0\.123456|0\.654321|reward/);
  });

  it('round-trips through JSON exactly (order, counters, rewards) and keeps behaving the same', () => {
    const pool = new ExperiencePool(options());
    pool.add(p('a'), tries(['a1', 1], ['a2', 0]), 1);
    pool.add(p('b'), tries(['b1', 0]), 2);
    pool.add(p('c'), tries(['c1', 1]), 3);
    const state = JSON.parse(JSON.stringify(pool.toJSON()));
    const back = ExperiencePool.fromJSON(state, options());
    expect(back.toJSON()).toEqual(pool.toJSON());
    expect(back.stats()).toEqual(pool.stats());
    pool.add(p('d'), tries(['d1', 1]), 4);
    back.add(p('d'), tries(['d1', 1]), 4);
    expect(back.toJSON()).toEqual(pool.toJSON());
    expect(back.toJSON().problems.map((e) => e.problem.id)).toEqual(['c', 'd']);
  });

  it('trims a restored state to smaller bounds and counts the dropped problems as evictions', () => {
    const big = new ExperiencePool(options({ maxProblems: 5, globalSize: 5, attemptsPerProblem: 5 }));
    for (const id of ['a', 'b', 'c']) big.add(p(id), tries([`${id}1`, 1], [`${id}2`, 1]), 1);
    big.add(p('c'), tries(['c3', 1], ['c4', 1]), 2);
    const small = ExperiencePool.fromJSON(big.toJSON(), options({ maxProblems: 2, globalSize: 1, attemptsPerProblem: 3 }));
    expect(small.problems().map((x) => x.id)).toEqual(['b', 'c']);
    expect(small.attempts('c')).toEqual(['c2', 'c3', 'c4']);
    expect(small.rewardsOf('c')).toEqual([1, 1, 1]);
    expect(small.stats()).toEqual({ problems: 2, attempts: 5, global: 1, evictions: 1 });
  });

  it('refuses a state that is not a pool, naming the source and the bad key', () => {
    expect(() => ExperiencePool.fromJSON({ version: 2 }, options(), 'step-3')).toThrow(
      /step-3: not a LANPO experience pool: version/,
    );
    const state = new ExperiencePool(options()).toJSON();
    expect(() => ExperiencePool.fromJSON({ ...state, problems: [{ attempts: 'x' }] }, options())).toThrow(/problems\.0\./);
  });
});
