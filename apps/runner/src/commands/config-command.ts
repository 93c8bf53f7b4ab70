import type { ResolvedConfig } from '@trellis/core';
import { stringify } from 'yaml';

/** Render the resolved config (defaults filled) as YAML or JSON. */
export function renderConfig(config: ResolvedConfig, json = false): string {
  return json ? JSON.stringify(config, null, 2) : stringify(config, { lineWidth: 120 });
}
