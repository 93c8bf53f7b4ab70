import type { ZodType, z } from 'zod';

type Def = {
  type: string;
  shape?: Record<string, ZodType>;
  innerType?: ZodType;
  element?: ZodType;
  options?: ZodType[];
  in?: ZodType;
  out?: ZodType;
};

function defOf(schema: ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The object keys a schema accepts at `path` (through defaults, optionals, arrays, unions). */
export function allowedKeysAt(schema: ZodType, path: readonly PropertyKey[]): string[] {
  let current: ZodType[] = [schema];
  const unwrap = (s: ZodType): ZodType[] => {
    const d = defOf(s);
    if ((d.type === 'optional' || d.type === 'default' || d.type === 'nullable' || d.type === 'prefault') && d.innerType)
      return unwrap(d.innerType);
    if (d.type === 'pipe' && d.in) return unwrap(d.in);
    if (d.type === 'union' && d.options) return d.options.flatMap(unwrap);
    return [s];
  };
  for (const seg of path) {
    const next: ZodType[] = [];
    for (const s of current.flatMap(unwrap)) {
      const d = defOf(s);
      if (d.type === 'object' && d.shape && typeof seg === 'string' && seg in d.shape) next.push(d.shape[seg] as ZodType);
      if (d.type === 'array' && d.element && typeof seg === 'number') next.push(d.element);
    }
    current = next;
  }
  const keys = new Set<string>();
  for (const s of current.flatMap(unwrap)) {
    const d = defOf(s);
    if (d.type === 'object' && d.shape) for (const k of Object.keys(d.shape)) keys.add(k);
  }
  return [...keys].sort();
}

/** `a.b[0].c` rendering of a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || '(top level)';
}

/** One readable line per zod issue, naming the key path, the rule broken and allowed keys. */
export function formatIssues(
  schema: ZodType,
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): string[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(schema, issue.path);
      const keys = issue.keys.map((k) => `'${k}'`).join(', ');
      return `${formatPath(path)}: unknown key ${keys}; allowed keys: ${allowed.join(', ') || '(none)'}`;
    }
    if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
      return `${formatPath(path)}: required key is missing (expected ${issue.expected})`;
    }
    return `${formatPath(path)}: ${issue.message}`;
  });
}
