import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { armName } from './arm-name';
import { loadConfigFile } from './load-config';
import { applyOverrides, parseOverride } from './overrides';

const base = {
  name: 'arithmetic-grpo',
  advantage: { use: 'grpo' },
  rewards: [{ use: 'math-accuracy' }],
  trainer: { steps: 200 },
};
const nameAfter = (sets: string[], data: Record<string, unknown> = base) =>
  armName(data, applyOverrides(data, sets.map(parseOverride)), sets);

describe('armName', () => {
  it('appends each slot whose use a --set changed, in config order', () => {
    expect(nameAfter(['advantage.use=rloo'])).toBe('arithmetic-grpo+advantage=rloo');
    expect(nameAfter(['objective.use=clip', 'advantage={use: dapo}'])).toBe('arithmetic-grpo+advantage=dapo+objective=clip');
    expect(nameAfter(['rewards.1.use=format'])).toBe('arithmetic-grpo+rewards=math-accuracy,format');
    expect(nameAfter(['rewards=[]'])).toBe('arithmetic-grpo+rewards=none');
  });

  it('keeps the name when no arm changed, or a --set names the run', () => {
    expect(nameAfter(['trainer.steps=2', 'seed=3'])).toBeUndefined();
    expect(nameAfter(['advantage.use=grpo'])).toBeUndefined();
    expect(nameAfter(['advantage.options.eps=0.1'])).toBeUndefined();
    expect(nameAfter(['advantage.use=rloo', 'name=mine'])).toBeUndefined();
  });

  it("starts from the schema's default name when the file sets none", () => {
    const { name: _, ...unnamed } = base;
    expect(nameAfter(['advantage.use=rloo'], unnamed)).toBe('experiment+advantage=rloo');
  });

  it('is what loadConfigFile gives the config (through extends, the file that wrote the arm)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-arm-'));
    writeFileSync(join(dir, 'grpo.yaml'), 'name: arithmetic-grpo\nadvantage: { use: grpo }\n');
    writeFileSync(join(dir, 'rloo.yaml'), 'extends: ./grpo.yaml\nname: arithmetic-rloo\nadvantage: { use: rloo }\n');
    expect((await loadConfigFile(join(dir, 'grpo.yaml'), ['advantage.use=rloo'])).data.name).toBe(
      'arithmetic-grpo+advantage=rloo',
    );
    expect((await loadConfigFile(join(dir, 'rloo.yaml'))).data.name).toBe('arithmetic-rloo');
    expect((await loadConfigFile(join(dir, 'rloo.yaml'), ['trainer.steps=2'])).data.name).toBe('arithmetic-rloo');
  });
});
