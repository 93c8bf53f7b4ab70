type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function useOf(v: unknown): string | undefined {
  return isObj(v) && typeof v.use === 'string' ? v.use : undefined;
}

/**
 * Merge `preset` under `user`: the user's values win; objects merge recursively; lists of choices
 * merge by `use` (the user's entries first, then preset entries whose `use` the user did not list);
 * when both sides name a different `use`, the preset's object (and its options) is ignored.
 */
export function mergeUnder(preset: unknown, user: unknown): unknown {
  if (user === undefined) return structuredClone(preset);
  if (isObj(preset) && isObj(user)) {
    // A preset for another choice of the same slot says nothing about the user's choice.
    if (useOf(preset) !== undefined && useOf(user) !== undefined && useOf(preset) !== useOf(user)) return user;
    const out: Obj = { ...user };
    for (const [k, v] of Object.entries(preset)) out[k] = mergeUnder(v, user[k]);
    return out;
  }
  if (Array.isArray(preset) && Array.isArray(user)) {
    const used = new Set(user.map(useOf).filter((u): u is string => u !== undefined));
    return [...user, ...preset.filter((p) => !used.has(useOf(p) ?? '\u0000'))];
  }
  return user;
}
