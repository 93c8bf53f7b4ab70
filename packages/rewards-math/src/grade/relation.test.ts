import { describe, expect, it } from 'vitest';
import { normalizeAnswer } from '../normalize/normalize-answer';
import { Deadline } from './deadline';
import { splitRelation } from './parse-relation';
import { parseStructure } from './parse-structure';
import { relationToSet } from './relation-interval';

const ctx = { relTol: 1e-6, deadline: new Deadline(10_000), goldPercent: false, predPercent: false };

/** The set a relation describes, written back as text (`[1,4)`, `(-\infty,2)\cup(2,\infty)`). */
function setOf(raw: string): string | undefined {
  const s = parseStructure(normalizeAnswer(raw));
  if (s?.kind !== 'relation') return undefined;
  const got = relationToSet(s, ctx);
  if (!got) return undefined;
  const text = (t: typeof got.set): string =>
    t.kind === 'union'
      ? t.parts.map((p) => text(p as typeof got.set)).join('\\cup')
      : `${t.open}${t.items.map((i) => (i.kind === 'scalar' ? i.text : '?')).join(',')}${t.close}`;
  return `${got.variable}:${text(got.set)}`;
}

describe('splitRelation', () => {
  it('splits at top-level relation operators only', () => {
    expect(splitRelation('1 \\le y < 4')).toEqual({ terms: ['1', 'y', '4'], ops: ['\\le', '<'] });
    expect(splitRelation('f(x < 2) > 0')).toEqual({ terms: ['f(x < 2)', '0'], ops: ['>'] });
    expect(splitRelation('\\left( 1, 2 \\right)')).toBeUndefined();
    expect(splitRelation('[1, 4)')).toBeUndefined();
    expect(splitRelation('\\{x < 1\\}')).toBeUndefined();
    expect(splitRelation('x <')).toBeNull();
    expect(splitRelation('< 3')).toBeNull();
  });

  it('reads \\le inside \\left as a command, not a relation (after normalisation removes \\left)', () => {
    expect(splitRelation('\\leftarrow')).toBeUndefined();
    expect(splitRelation('\\infty')).toBeUndefined();
  });
});

describe('relationToSet', () => {
  it('solves single relations and chains for their variable', () => {
    expect(setOf('y \\le 3')).toBe('v_y:(-\\infty,3]');
    expect(setOf('3 \\ge y')).toBe('v_y:(-\\infty,3]');
    expect(setOf('-y \\ge -3')).toBe('v_y:(-\\infty,3]');
    expect(setOf('2x - 1 > 4')).toBe('v_x:(2.5,\\infty)');
    expect(setOf('x \\ne \\frac{1}{2}')).toBe('v_x:(-\\infty,\\frac{1}{2})\\cup(\\frac{1}{2},\\infty)');
    expect(setOf('1 \\le y < 4')).toBe('v_y:[1,4)');
    expect(setOf('4 > y \\ge 1')).toBe('v_y:[1,4)');
    expect(setOf('-4 < -y \\le -1')).toBe('v_y:[1,4)');
    expect(setOf('-\\infty < t \\le 0')).toBe('v_t:(-\\infty,0]');
  });

  it('declines what is not one linear variable', () => {
    expect(setOf('x + y < 3')).toBeUndefined();
    expect(setOf('x^2 < 4')).toBeUndefined();
    expect(setOf('1 < x > 0')).toBeUndefined();
    expect(setOf('0 < x < y')).toBeUndefined();
    expect(setOf('0 < x < 1 < 2')).toBeUndefined();
  });
});
