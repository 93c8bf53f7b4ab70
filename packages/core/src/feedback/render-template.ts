/** Placeholders a feedback prompt template may use. */
export const TEMPLATE_VARIABLES = [
  'question',
  'attempts',
  'attempt',
  'feedbacks',
  'references',
  'reference_question',
  'reference',
  'answer',
] as const;

export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

const PLACEHOLDER = /\{([a-z_]+)\}/g;

/** Placeholders in `template` that are not in {@link TEMPLATE_VARIABLES} (for option validation). */
export function unknownPlaceholders(template: string): string[] {
  return [...template.replaceAll('{{', '').replaceAll('}}', '').matchAll(PLACEHOLDER)]
    .map((m) => m[1] as string)
    .filter((name) => !(TEMPLATE_VARIABLES as readonly string[]).includes(name));
}

/** Replace each `{name}` by its value (`{{` and `}}` write literal braces). */
export function renderTemplate(template: string, values: Readonly<Record<TemplateVariable, string>>): string {
  return template
    .replaceAll('{{', '\u0000')
    .replaceAll('}}', '\u0001')
    .replace(PLACEHOLDER, (whole, name: string) =>
      (TEMPLATE_VARIABLES as readonly string[]).includes(name) ? values[name as TemplateVariable] : whole,
    )
    .replaceAll('\u0000', '{')
    .replaceAll('\u0001', '}');
}
