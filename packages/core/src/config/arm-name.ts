import { MULTI_SLOTS, SINGLE_SLOTS, SLOT_CONFIG_KEYS } from '../plugin/slots';
import { parseOverride } from './overrides';

const LIST_KEYS = MULTI_SLOTS.map((slot) => SLOT_CONFIG_KEYS[slot]);

/** The name a config gets when it sets none (`experimentSchema`'s default). */
const DEFAULT_NAME = 'experiment';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const useOf = (v: unknown): string | undefined => (isObj(v) && typeof v.use === 'string' ? v.use : undefined);
const usesOf = (v: unknown): string[] =>
  Array.isArray(v) ? v.map((c) => (typeof c === 'string' ? c : useOf(c))).filter((u): u is string => u !== undefined) : [];

/**
 * The run name of a config whose `--set`s changed which plugin fills a slot: the file's `name`
 * with `+<slot>=<id>` appended for each single slot whose `use` the overrides changed, and
 * `+<key>=<id>,<id>` (or `=none`) for each list of choices whose `use`s they changed, in config
 * order. So `trellis run grpo.yaml --set advantage.use=rloo` runs as `arithmetic-grpo+advantage=rloo`
 * (and in `runs/arithmetic-grpo+advantage=rloo-<timestamp>`), not as `arithmetic-grpo`.
 *
 * Undefined (keep the name) when no arm changed, or when a `--set` writes `name` itself.
 *
 * @param before the config data as the file (with its `extends`) wrote it.
 * @param after the same data with the overrides applied.
 * @param sets the `--set key=value` strings that turned `before` into `after`.
 */
export function armName(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  sets: readonly string[],
): string | undefined {
  if (sets.some((s) => parseOverride(s).path[0] === 'name')) return undefined;
  const arms: string[] = [];
  for (const key of SINGLE_SLOTS) {
    const use = useOf(after[key]);
    if (use !== undefined && use !== useOf(before[key])) arms.push(`${key}=${use}`);
  }
  for (const key of LIST_KEYS) {
    const was = usesOf(before[key]);
    const now = usesOf(after[key]);
    if (now.join('\u0000') !== was.join('\u0000')) arms.push(`${key}=${now.length ? now.join(',') : 'none'}`);
  }
  if (!arms.length) return undefined;
  const base = typeof after.name === 'string' && after.name.length > 0 ? after.name : DEFAULT_NAME;
  return [base, ...arms].join('+');
}
