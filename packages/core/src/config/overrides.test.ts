import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/trellis-error';
import { applyOverrides, findProtoKey, parseOverride } from './overrides';

const apply = (config: Record<string, unknown>, ...sets: string[]) => applyOverrides(config, sets.map(parseOverride));

describe('--set overrides cannot reach a prototype', () => {
  for (const raw of [
    '__proto__.polluted=1',
    'trainer.__proto__.x=1',
    'constructor.prototype.polluted=1',
    'trainer.constructor=1',
    'rewards.0.prototype.x=1',
  ]) {
    it(`refuses ${raw} naming the --set`, () => {
      expect(() => parseOverride(raw)).toThrow(ConfigError);
      expect(() => parseOverride(raw)).toThrow(/^--set .*: path segment '(__proto__|constructor|prototype)' is not allowed/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it('refuses a __proto__ key inside a value', () => {
    expect(() => parseOverride('trainer={__proto__: {steps: 1}}')).toThrow(
      "--set trainer={__proto__: {steps: 1}}: trainer.__proto__: key '__proto__' is not allowed in a config value",
    );
  });

  it('refuses forbidden segments in hand-built overrides too', () => {
    expect(() => applyOverrides({}, [{ raw: 'x', path: ['__proto__', 'polluted'], value: 1 }])).toThrow(ConfigError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('follows only own keys: an inherited name is a new key, not a function to index into', () => {
    const out = apply({ trainer: { steps: 1 } }, 'trainer.toString.x=1', 'trainer.hasOwnProperty=2');
    expect(out).toEqual({ trainer: { steps: 1, toString: { x: 1 }, hasOwnProperty: 2 } });
    expect(Object.getPrototypeOf(out.trainer)).toBe(Object.prototype);
  });

  it('still sets ordinary paths and list indices', () => {
    expect(apply({ rewards: [{ use: 'a' }] }, 'rewards.0.weight=0.5', 'rewards.1.use=b', 'trainer.steps=3')).toEqual({
      rewards: [{ use: 'a', weight: 0.5 }, { use: 'b' }],
      trainer: { steps: 3 },
    });
  });

  it('findProtoKey names the path of an own __proto__ key', () => {
    expect(findProtoKey(JSON.parse('{"a":[{"b":{"__proto__":{}}}]}'))).toBe('a.0.b.__proto__');
    expect(findProtoKey({ a: { constructor: 1 } })).toBeUndefined();
  });
});
