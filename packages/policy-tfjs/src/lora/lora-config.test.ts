import { describe, expect, it } from 'vitest';
import { LoraConfig, loraScale } from './lora-config';

const ALLOWED = 'allowed: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj';

describe('LoraConfig', () => {
  it('applies defaults', () => {
    expect(LoraConfig.parse({})).toEqual({
      rank: 8,
      alpha: 16,
      useRslora: false,
      dropout: 0,
      targetModules: ['q_proj', 'v_proj'],
      merge: false,
    });
  });

  it('scales by alpha / rank, or alpha / sqrt(rank) with rsLoRA', () => {
    expect(loraScale(LoraConfig.parse({}))).toBe(2);
    expect(loraScale(LoraConfig.parse({ rank: 16, alpha: 8, useRslora: true }))).toBe(2);
  });

  it('accepts every allowed target module', () => {
    const all = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
    expect(LoraConfig.parse({ targetModules: all }).targetModules).toEqual(all);
  });

  it.each([
    [{ rank: 0 }, 'rank', 'Too small'],
    [{ rank: 2.5 }, 'rank', 'expected int'],
    [{ alpha: 0 }, 'alpha', 'Too small'],
    [{ dropout: 1 }, 'dropout', 'Too big'],
    [{ dropout: -0.1 }, 'dropout', 'Too small'],
    [{ targetModules: [] }, 'targetModules', 'Too small'],
    [{ merge: 'yes' }, 'merge', 'expected boolean'],
  ])('rejects %j', (input, field, message) => {
    const r = LoraConfig.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path[0]).toBe(field);
    expect(r.error?.issues[0]?.message).toContain(message);
  });

  it('rejects an unknown target module, naming it and the allowed list', () => {
    const r = LoraConfig.safeParse({ targetModules: ['q_proj', 'qkv_proj'] });
    expect(r.error?.issues[0]?.path).toEqual(['targetModules', 1]);
    expect(r.error?.issues[0]?.message).toBe(`unknown LoRA target module 'qkv_proj'; ${ALLOWED}`);
    expect(() => LoraConfig.parse({ targetModules: ['lm_head'] })).toThrow(`unknown LoRA target module 'lm_head'; ${ALLOWED}`);
  });

  it('rejects unknown keys (strict)', () => {
    const r = LoraConfig.safeParse({ r: 4 });
    expect(r.error?.issues[0]?.message).toBe('Unrecognized key: "r"');
  });
});
