// Reads example blocks out of the repository README, for the tests that run them. Not exported
// from the package; imported only by *.test.ts files.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** The README text. */
export const readme = (): string => readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The text of the section under `heading` (a whole heading line, e.g. `## The CLI`), up to the next heading of its level. */
export function readmeSection(heading: string, text = readme()): string {
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section '${heading}'`);
  const level = heading.split(' ')[0] ?? '##';
  const rest = text.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`^${level} `, 'm'));
  return next < 0 ? rest : rest.slice(0, next);
}

/** The fenced code blocks of `lang` in `section`, in order. */
export function codeBlocks(section: string, lang: string): string[] {
  return [...section.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\``, 'gm'))].map((m) => m[1] ?? '');
}

/** The first `lang` block under `heading`. */
export function readmeBlock(heading: string, lang: string): string {
  const [block] = codeBlocks(readmeSection(heading), lang);
  if (block === undefined) throw new Error(`README.md section '${heading}' has no \`\`\`${lang} block`);
  return block;
}
