import type { ZodType } from 'zod';
import { ConfigError, listOf } from '../errors/trellis-error';
import type { Catalog } from '../plugin/build-catalog';
import { mergeUnder } from '../plugin/merge-preset';
import { MULTI_SLOTS, SINGLE_SLOTS, SLOT_CONFIG_KEYS, type SlotName } from '../plugin/slots';
import { experimentSchema, type ResolvedConfig } from './experiment-config';
import { formatIssues, formatPath } from './format-issues';
import type { RawConfig } from './load-config';
import { parseOverride } from './overrides';

function sourceOf(raw: RawConfig) {
  const overrides = raw.overrides.map(parseOverride);
  return (path: readonly PropertyKey[]): string => {
    const hit = overrides.find((o) => {
      const n = Math.min(o.path.length, path.length);
      return n > 0 && o.path.slice(0, n).every((seg, i) => String(seg) === String(path[i]));
    });
    return hit ? `--set ${hit.raw}` : (raw.file ?? 'config');
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

function validateChoice(
  catalog: Catalog,
  slot: SlotName,
  choice: { use: string; options: Record<string, unknown> },
  path: (string | number)[],
  where: (p: readonly PropertyKey[]) => string,
): Record<string, unknown> {
  const item = catalog.find(slot, choice.use);
  if (!item) {
    throw new ConfigError(
      `${formatPath([...path, 'use'])}: unknown ${slot} '${choice.use}'; available: ${listOf(catalog.ids(slot))}`,
      where([...path, 'use']),
    );
  }
  const schema = item.entry.optionsSchema;
  if (!schema) {
    const keys = Object.keys(choice.options);
    if (keys.length) {
      throw new ConfigError(
        `${formatPath([...path, 'options'])}: ${slot} '${choice.use}' takes no options, got: ${keys.join(', ')}`,
        where([...path, 'options']),
      );
    }
    return {};
  }
  const parsed = schema.safeParse(choice.options);
  if (!parsed.success) {
    const lines = formatIssues(schema, parsed.error.issues, [...path, 'options']);
    const first = parsed.error.issues[0];
    throw new ConfigError(
      `invalid options for ${slot} '${choice.use}':\n  ${lines.join('\n  ')}`,
      where([...path, 'options', ...(first?.path ?? [])]),
    );
  }
  return parsed.data as Record<string, unknown>;
}

/**
 * Validate a raw config against the schema and the catalog: apply presets of the chosen entries,
 * check every `use:` exists, validate and default each choice's options, check reward names.
 * Errors name the key path, the rule broken and the allowed values, and say whether the value
 * came from the file or from a `--set`.
 */
export function resolveConfig(raw: RawConfig, catalog: Catalog): ResolvedConfig {
  const where = sourceOf(raw);
  const first = parseOrThrow(experimentSchema, raw.data, raw);
  let merged: unknown = raw.data;
  for (const slot of SINGLE_SLOTS) {
    const choice = first[slot];
    const preset = choice ? catalog.find(slot, choice.use)?.entry.preset : undefined;
    if (preset) merged = mergeUnder(preset, merged);
  }
  const config = merged === raw.data ? first : parseOrThrow(experimentSchema, merged, raw);

  for (const slot of SINGLE_SLOTS) {
    const choice = config[slot];
    if (choice) choice.options = validateChoice(catalog, slot, choice, [slot], where);
  }
  for (const slot of MULTI_SLOTS) {
    const key = SLOT_CONFIG_KEYS[slot];
    const list = config[key] as { use: string; options: Record<string, unknown> }[];
    list.forEach((choice, i) => {
      choice.options = validateChoice(catalog, slot, choice, [key, i], where);
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
