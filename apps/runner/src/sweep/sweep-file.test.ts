import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { armDir, parseSweep } from './sweep-file';

const dir = mkdtempSync(join(tmpdir(), 'trellis-sweep-file-'));
const file = join(dir, 'sweep.yaml');
writeFileSync(join(dir, 'exp.yaml'), 'name: exp\n');
const parse = (data: Record<string, unknown>) => parseSweep({ experiment: 'exp.yaml', ...data }, file);

describe('sweep files', () => {
  it('expands the explicit arms, then the grid product, with the common overrides first', () => {
    const plan = parse({
      seeds: 3,
      set: { 'trainer.steps': 50, 'policy.options.workers': 0 },
      arms: [{ name: 'grpo' }, { set: { 'advantage.use': 'rloo' } }],
      grid: { 'trainer.learningRate': [0.0001, 0.0002], 'objective.use': ['clip', 'gspo'] },
    });
    expect(plan.name).toBe('sweep');
    expect(plan.experiment).toBe(join(dir, 'exp.yaml'));
    expect(plan.seeds).toEqual([1, 2, 3]);
    expect(plan.baseline).toBe('grpo');
    expect(plan.retries).toBe(1);
    const common = ['trainer.steps=50', 'policy.options.workers=0'];
    expect(plan.arms).toEqual([
      { name: 'grpo', set: common },
      { name: 'advantage.use=rloo', set: [...common, 'advantage.use=rloo'] },
      {
        name: 'trainer.learningRate=0.0001,objective.use=clip',
        set: [...common, 'trainer.learningRate=0.0001', 'objective.use=clip'],
      },
      {
        name: 'trainer.learningRate=0.0001,objective.use=gspo',
        set: [...common, 'trainer.learningRate=0.0001', 'objective.use=gspo'],
      },
      {
        name: 'trainer.learningRate=0.0002,objective.use=clip',
        set: [...common, 'trainer.learningRate=0.0002', 'objective.use=clip'],
      },
      {
        name: 'trainer.learningRate=0.0002,objective.use=gspo',
        set: [...common, 'trainer.learningRate=0.0002', 'objective.use=gspo'],
      },
    ]);
  });

  it('writes values so that --set reads them back unchanged', () => {
    const plan = parse({ arms: [{ name: 'a', set: { s: 'true', n: '10', l: [1, 'x'], o: { k: 1 }, p: 'a/b.c', b: false } }] });
    expect(plan.arms[0]?.set).toEqual(['s="true"', 'n="10"', 'l=[1,"x"]', 'o={"k":1}', 'p=a/b.c', 'b=false']);
    expect(parse({ arms: [{ set: ['a.b=1', 'c=x'] }] }).arms[0]).toEqual({ name: 'a.b=1,c=x', set: ['a.b=1', 'c=x'] });
  });

  it('defaults to one arm of the base experiment at seed 1', () => {
    expect(parse({})).toMatchObject({ seeds: [1], arms: [{ name: 'base', set: [] }], baseline: 'base' });
  });

  it('refuses bad files with the key path and what is allowed', () => {
    const bad = (data: Record<string, unknown>) => () => parse(data);
    expect(bad({ arm: [] })).toThrow(
      /unknown key 'arm'; allowed keys: arms, baseline, experiment, grid, name, retries, seeds, set/,
    );
    expect(bad({ arms: [{ name: 'a', sets: {} }] })).toThrow(/arms\[0\]: unknown key 'sets'; allowed keys: name, set/);
    expect(bad({ seeds: [1, 1] })).toThrow(/seeds: repeated seed/);
    expect(bad({ seeds: 0 })).toThrow(/seeds/);
    expect(bad({ retries: -1 })).toThrow(/retries/);
    expect(bad({ baseline: 'nope', arms: [{ name: 'a' }] })).toThrow(/baseline: no arm is named 'nope'; arms: a/);
    expect(bad({ arms: [{ name: 'a' }, { name: 'a' }] })).toThrow(/two arms share the name 'a'/);
    expect(bad({ arms: [{ name: 'x', set: { seed: 3 } }] })).toThrow(/'seed' is set by the sweep's 'seeds' list/);
    expect(bad({ arms: [{ set: ['novalue'] }] })).toThrow(/arms\[0\]\.set\[0\]: .*expected key\.path=value/);
    expect(() => parseSweep({ experiment: 'missing.yaml' }, file)).toThrow(/experiment: no such file 'missing.yaml'/);
    expect(() => parseSweep({}, file)).toThrow(/experiment: required key is missing/);
  });

  it('keeps arm directory names to safe characters', () => {
    expect(armDir('lr 1e-4 / clip')).toBe('lr_1e-4_clip');
    expect(armDir('..')).toBe('_');
    expect(armDir('a=b,c+d')).toBe('a=b,c+d');
  });
});
