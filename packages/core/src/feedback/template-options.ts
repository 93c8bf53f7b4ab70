import { z } from 'zod';
import { FEEDBACK_KINDS, type FeedbackKind } from '../records/feedback';
import { TEMPLATE_VARIABLES, unknownPlaceholders } from './render-template';

/** A prompt template: non-empty, and every `{placeholder}` one of `TEMPLATE_VARIABLES`. */
export const promptTemplateSchema = z
  .string()
  .min(1)
  .superRefine((t, ctx) => {
    const bad = unknownPlaceholders(t);
    if (bad.length) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown placeholder ${bad.map((b) => `{${b}}`).join(', ')}; allowed: ${TEMPLATE_VARIABLES.map((v) => `{${v}}`).join(', ')}`,
      });
    }
  });

/** One optional template per feedback kind (template-driven providers: `policy`, `openai`). */
export const feedbackTemplatesSchema = z
  .object({
    reflection: promptTemplateSchema.optional(),
    abstraction: promptTemplateSchema.optional(),
    critique: promptTemplateSchema.optional(),
    merge: promptTemplateSchema.optional(),
    relevance: promptTemplateSchema.optional(),
  })
  .strict()
  .default({});

/** The kinds a provider answers: a non-empty subset of the five, all by default. */
export const feedbackKindsSchema = z
  .array(z.enum(FEEDBACK_KINDS as [FeedbackKind, ...FeedbackKind[]]))
  .min(1)
  .default([...FEEDBACK_KINDS]);
