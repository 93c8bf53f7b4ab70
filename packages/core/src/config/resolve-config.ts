import { resolve } from 'node:path';
import type { ZodType } from 'zod';
import { ConfigError, listOf } from '../errors/trellis-error';
import type { Catalog } from '../plugin/build-catalog';
import { mergeUnder } from '../plugin/merge-preset';
import { MULTI_SLOTS, SINGLE_SLOTS, SLOT_CONFIG_KEYS, type SlotName } from '../plugin/slots';
import { experimentSchema, type ResolvedConfig } from './experiment-config';
import { formatIssues, formatPath } from './format-issues';
import type { RawConfig } from './load-config';
import { parseOverride } from './overrides';

function overrideAt(raw: RawConfig) {
  const overrides = raw.overrides.map(parseOverride);
  return (path: readonly PropertyKey[]) =>
    overrides.find((o) => {
      const n = Math.min(o.path.length, path.length);
      return n > 0 && o.path.slice(0, n).every((seg, i) => String(seg) === String(path[i]));
    });
}

function sourceOf(raw: RawConfig) {
  const hitAt = overrideAt(raw);
  return (path: readonly PropertyKey[]): string => {
    const hit = hitAt(path);
    return hit ? `--set ${hit.raw}` : (raw.file ?? 'config');
  };
}

/**
 * The directory a relative path at `path` resolves against: the working directory for a value a
 * `--set` wrote, else the directory of the file that set it (`raw.baseDirOf`), else `baseDir`.
 */
function baseDirOf(raw: RawConfig, baseDir: string) {
  const hitAt = overrideAt(raw);
  return (path: readonly PropertyKey[]): string => {
    if (hitAt(path)) return process.cwd();
    return raw.baseDirOf?.(path) ?? baseDir;
  };
}

function parseOrThrow(schema: ZodType, data: unknown, raw: RawConfig): ResolvedConfig {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data as ResolvedConfig;
  const where = sourceOf(raw);
  const lines = formatIssues(schema, parsed.error.issues);
  const first = parsed.error.issues[0];
  throw new ConfigError(
    lines.length === 1 ? (lines[0] as string) : `invalid config:\n  ${lines.join('\n  ')}`,
    where(first?.path ?? []),
  );
}

interface ChoiceContext {
  readonly catalog: Catalog;
  readonly where: (p: readonly PropertyKey[]) => string;
  readonly baseDir: string;
  readonly dirOf: (p: readonly PropertyKey[]) => string;
}

function validateChoice(
  ctx: ChoiceContext,
  slot: SlotName,
  choice: { use: string; options: Record<string, unknown> },
  path: (string | number)[],
): Record<string, unknown> {
  const { catalog, where } = ctx;
  const item = catalog.find(slot, choice.use);
  if (!item) {
    throw new ConfigError(
      `${formatPath([...path, 'use'])}: unknown ${slot} '${choice.use}'; available: ${listOf(catalog.ids(slot))}`,
      where([...path, 'use']),
    );
  }
  const given = choice.options;
  const schema = item.entry.optionsSchema;
  let options: Record<string, unknown>;
  if (!schema) {
    const keys = Object.keys(given);
    if (keys.length) {
      throw new ConfigError(
        `${formatPath([...path, 'options'])}: ${slot} '${choice.use}' takes no options, got: ${keys.join(', ')}`,
        where([...path, 'options']),
      );
    }
    options = {};
  } else {
    const parsed = schema.safeParse(given);
    if (!parsed.success) {
      const lines = formatIssues(schema, parsed.error.issues, [...path, 'options']);
      const first = parsed.error.issues[0];
      throw new ConfigError(
        `invalid options for ${slot} '${choice.use}':\n  ${lines.join('\n  ')}`,
        where([...path, 'options', ...(first?.path ?? [])]),
      );
    }
    options = parsed.data as Record<string, unknown>;
  }
  const hook = item.entry.resolveOptions;
  if (!hook) return options;
  const optionsPath = [...path, 'options'];
  return hook(options, {
    path: optionsPath,
    given,
    baseDir: ctx.baseDir,
    dirOf: (key) => ctx.dirOf([...optionsPath, ...key]),
    resolvePath: (key, value) => resolve(ctx.dirOf([...optionsPath, ...key]), value),
    fail(key, message): never {
      const at = [...optionsPath, ...key];
      throw new ConfigError(`${formatPath(at)}: ${message}`, where(at));
    },
  });
}

function useOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const use = (value as { use?: unknown }).use;
  return typeof use === 'string' && use.length > 0 ? use : undefined;
}

/**
 * Merge under `data` the preset of each single slot's chosen entry. The choice is read loosely
 * from the unvalidated data, so a slot the config only half writes (`objective.options.kl.coef`
 * without `objective.use`) is completed by the preset that fills it before anything is checked.
 * Only `use`s written in `data` pick presets (a preset's own `use`s do not chain).
 */
function applyPresets(data: Record<string, unknown>, catalog: Catalog): unknown {
  let merged: unknown = data;
  for (const slot of SINGLE_SLOTS) {
    const use = useOf(data[slot]);
    const preset = use ? catalog.find(slot, use)?.entry.preset : undefined;
    if (preset) merged = mergeUnder(preset, merged);
  }
  return merged;
}

/**
 * Fill, in a training config (one that chooses an `advantage`), each single slot left without a
 * `use` by the file and the presets with the loaded entry marked `slotDefault` (core: `objective:
 * clip`, `rollout: groups`). Options the config wrote for the slot stay (merged under the default's
 * `use`); a default's own preset is not applied.
 */
function applySlotDefaults(data: unknown, catalog: Catalog): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const record = data as Record<string, unknown>;
  if (!useOf(record.advantage)) return data;
  let merged: unknown = data;
  for (const slot of SINGLE_SLOTS) {
    if (useOf(record[slot])) continue;
    const item = catalog.defaultFor(slot);
    if (item) merged = mergeUnder({ [slot]: { use: item.entry.id } }, merged);
  }
  return merged;
}

/** Options of {@link resolveConfig}. */
export interface ResolveConfigOptions {
  /**
   * Directory of the config file, handed to `resolveOptions` hooks (default: the working
   * directory); relative paths resolve against it unless `raw.baseDirOf` names another.
   */
  readonly baseDir?: string;
  /**
   * Merge the presets of the chosen entries (default true). The conformance suites pass false: they
   * test one entry, not the recipe its preset adds (rewards or contributions of other plugins).
   */
  readonly presets?: boolean;
}

/**
 * Validate a raw config against the schema and the catalog: apply presets of the chosen entries,
 * then (in a config that chooses an advantage) the slot defaults, check every `use:` exists,
 * validate and default each choice's options (then let the entry's `resolveOptions` hook replace
 * them with what the service will really use, e.g. relative paths made absolute with
 * `ctx.resolvePath`), check reward names. `pretrain.out` is made absolute
 * against the file that set it (its default against the config file's directory).
 * Errors name the key path, the rule broken and the allowed values, and say whether the value
 * came from the file or from a `--set`.
 */
export function resolveConfig(raw: RawConfig, catalog: Catalog, options: ResolveConfigOptions = {}): ResolvedConfig {
  const where = sourceOf(raw);
  const baseDir = options.baseDir ?? process.cwd();
  const dirOf = baseDirOf(raw, baseDir);
  const ctx: ChoiceContext = { catalog, where, baseDir, dirOf };
  const config = parseOrThrow(
    experimentSchema,
    applySlotDefaults(options.presets === false ? raw.data : applyPresets(raw.data, catalog), catalog),
    raw,
  );
  // `pretrain.out` is relative to the file that sets it (its default, to the config file).
  config.pretrain.out = resolve(dirOf(['pretrain', 'out']), config.pretrain.out);

  for (const slot of SINGLE_SLOTS) {
    const choice = config[slot];
    if (choice) choice.options = validateChoice(ctx, slot, choice, [slot]);
  }
  for (const slot of MULTI_SLOTS) {
    const key = SLOT_CONFIG_KEYS[slot];
    const list = config[key] as { use: string; options: Record<string, unknown> }[];
    list.forEach((choice, i) => {
      choice.options = validateChoice(ctx, slot, choice, [key, i]);
    });
  }
  uniqueNames(config.rewards, 'rewards', 'reward', where);
  uniqueNames(config.feedback, 'feedback', 'feedback provider', where);
  return config;
}

/** Names (`name`, default `use`) of a multi slot's choices must be unique: metrics and lookups use them. */
function uniqueNames(
  list: readonly { use: string; name?: string | undefined }[],
  key: string,
  what: string,
  where: (p: readonly PropertyKey[]) => string,
): void {
  const names = new Map<string, number>();
  list.forEach((r, i) => {
    const name = r.name ?? r.use;
    const prev = names.get(name);
    if (prev !== undefined) {
      throw new ConfigError(
        `${key}[${i}]: ${what} name '${name}' is already used by ${key}[${prev}]; give one of them a distinct 'name'`,
        where([key, i]),
      );
    }
    names.set(name, i);
  });
}
