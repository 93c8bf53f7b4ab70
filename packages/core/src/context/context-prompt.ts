import { z } from 'zod';

/**
 * What a solving prompt may show before the problem: the problem's own earlier attempts (never
 * labelled: no verdict, reward or gold answer), a critique as a `<feedback>` block, principles
 * abstracted from other problems. Shared by pretraining formats, `trellis eval --context` and the
 * feedback-guided algorithms, so a model sees one layout everywhere.
 */
export interface ContextParts {
  /** Earlier attempts, oldest first, shown as written. */
  readonly attempts?: readonly string[];
  /** Critique text for the `<feedback>` block. */
  readonly feedback?: string;
  /** Principles text (e.g. a verifier's or the policy's abstraction). */
  readonly principles?: string;
}

/**
 * Templates of the context layout. `{attempt}`, `{feedback}`, `{principles}` and `{n}` (the
 * attempt's 1-based number) are replaced; every template ends its block with a newline.
 */
export const contextTemplatesSchema = z
  .object({
    /** One earlier attempt. */
    attempt: z.string().includes('{attempt}').default('Attempt {n}:\n{attempt}\n'),
    /** After the attempts: the reward-agnostic instruction. */
    review: z.string().default('Check each line of the attempt, keep what is right, then solve.\n'),
    /** A critique of a failed attempt. */
    feedback: z.string().includes('{feedback}').default('<feedback>\n{feedback}\n</feedback>\n'),
    /** Abstracted principles (the `math-verifier` abstraction brings its own heading line). */
    principles: z.string().includes('{principles}').default('{principles}\n'),
    /**
     * Multi-turn layout: appended after the problem's prompt; the completion then begins with a
     * `feedback` block (empty in a first turn, prefilled with the critique in a regeneration turn).
     */
    turn: z.string().default('Begin with a <feedback> block.\n'),
  })
  .strict();

export type ContextTemplates = z.output<typeof contextTemplatesSchema>;

/** The default layout. */
export const DEFAULT_CONTEXT_TEMPLATES: ContextTemplates = contextTemplatesSchema.parse({});

const fill = (template: string, values: Readonly<Record<string, string>>) =>
  template.replace(/\{(attempt|feedback|principles|n)\}/g, (_, k: string) => values[k] ?? '');

/** Strip one trailing newline: blocks add their own. */
const body = (text: string) => text.replace(/\n$/, '');

/**
 * The solving prompt with its context: principles, then the attempts and the review
 * instruction, then the `<feedback>` block, then `prompt` (the problem's own prompt).
 */
export function contextPrompt(
  prompt: string,
  parts: ContextParts,
  templates: ContextTemplates = DEFAULT_CONTEXT_TEMPLATES,
): string {
  let out = '';
  if (parts.principles) out += fill(templates.principles, { principles: body(parts.principles) });
  const attempts = parts.attempts ?? [];
  attempts.forEach((a, i) => {
    out += fill(templates.attempt, { attempt: body(a), n: String(i + 1) });
  });
  if (attempts.length) out += templates.review;
  if (parts.feedback !== undefined) out += feedbackBlock(parts.feedback, templates);
  return out + prompt;
}

/** The `<feedback>` block holding `text` (empty text: the empty block of a first turn). */
export function feedbackBlock(text: string, templates: ContextTemplates = DEFAULT_CONTEXT_TEMPLATES): string {
  const block = fill(templates.feedback, { feedback: body(text) });
  // An empty critique leaves no blank line inside the block.
  return text === '' ? block.replace('\n\n', '\n') : block;
}

/**
 * A multi-turn solving prompt: `prompt` plus the `turn` instruction. A first turn has no prefill
 * (the model writes its own, usually empty, block); a regeneration turn (`feedback` given)
 * prefills the block with the critique, which stays in the context and out of the loss.
 */
export function turnPrompt(
  prompt: string,
  feedback: string | undefined,
  templates: ContextTemplates = DEFAULT_CONTEXT_TEMPLATES,
): { prompt: string; prefill: string } {
  return { prompt: prompt + templates.turn, prefill: feedback === undefined ? '' : feedbackBlock(feedback, templates) };
}
