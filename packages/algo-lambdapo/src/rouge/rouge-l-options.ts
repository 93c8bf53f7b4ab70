import { z } from '@trellis/core';

const isRegex = (source: string): boolean => {
  try {
    new RegExp(source, 'gm');
    return true;
  } catch {
    return false;
  }
};

/** Which part of a text is compared. */
export const textParts = ['before-answer', 'whole'] as const;
export type TextPart = (typeof textParts)[number];

/** Options of the `rouge-l` reward (config `rewards[i].options`). */
export const rougeLOptions = z
  .object({
    /** F-beta's beta: recall counts beta times as much as precision (1 = harmonic mean). */
    beta: z.number().positive().default(1),
    /** Part of the completion compared: `before-answer` (text before the last answer match) or `whole`. */
    completionPart: z.enum(textParts).default('before-answer'),
    /** Part of the reference solution compared (same choices; cut with the same pattern). */
    referencePart: z.enum(textParts).default('before-answer'),
    /**
     * JavaScript regex source (compiled with flags `gm`, so `^` matches at line starts) marking
     * where the final answer starts; the last match ends the reasoning (no match: the whole
     * text). Default matches the literal `\boxed{`.
     */
    answerPattern: z
      .string()
      .min(1)
      .default('\\\\boxed\\{')
      .refine(isRegex, { message: 'not a valid JavaScript regular expression' }),
    /** Keep at most this many (first) tokens of the completion's part. */
    maxCompletionTokens: z.number().int().positive().default(4096),
    /** Keep at most this many (first) tokens of the reference's part. */
    maxReferenceTokens: z.number().int().positive().default(4096),
  })
  .strict();

export type RougeLOptions = z.output<typeof rougeLOptions>;
