import { ALL_SLOTS, type ComposedExperiment } from '@trellis/core';

/** Render `trellis plugins`: each loaded plugin, its version and origin, and its ids per slot. */
export function renderPlugins(experiment: Pick<ComposedExperiment, 'plugins' | 'catalog'>, json = false): string {
  const rows = experiment.plugins.map((p) => {
    const provides: Record<string, { id: string; description: string }[]> = {};
    for (const slot of ALL_SLOTS) {
      const items = experiment.catalog.items.filter((i) => i.plugin === p && i.entry.slot === slot);
      if (items.length) provides[slot] = items.map((i) => ({ id: i.entry.id, description: i.entry.description }));
    }
    return { id: p.manifest.id, package: p.manifest.packageName, version: p.manifest.version, origin: p.origin, provides };
  });
  if (json) return JSON.stringify(rows, null, 2);
  const lines: string[] = [];
  for (const r of rows) {
    lines.push(`${r.id}  ${r.package}@${r.version}  (${r.origin})`);
    const slots = Object.entries(r.provides);
    if (slots.length === 0) lines.push('    (provides nothing yet)');
    for (const [slot, items] of slots) {
      lines.push(`    ${slot}:`);
      for (const it of items) lines.push(`      ${it.id.padEnd(22)} ${it.description}`);
    }
  }
  return lines.join('\n');
}
