import type { FeedbackKind } from '@trellis/core';

/** Default system message: the teacher's role and the one rule it must keep. */
export const DEFAULT_SYSTEM_PROMPT =
  'You are a careful math teacher who gives feedback on solutions. Never state or hint at the final answer of the problem.';

/**
 * Default user-message templates of the `openai` provider, one per kind (placeholders as in core's
 * `TEMPLATE_VARIABLES`: `{question}`, `{attempts}`, `{attempt}`, `{feedbacks}`, `{references}`,
 * `{reference_question}`, `{reference}`, `{answer}`). The critique format follows MulFeRL
 * (arXiv 2601.22900): `Issue:` then `Fix steps:` with numbered steps, no final answer.
 */
export const DEFAULT_OPENAI_TEMPLATES: Readonly<Record<FeedbackKind, string>> = {
  reflection: [
    'A student wrote the attempt(s) below. Without judging whether they are right, say which steps',
    'deserve a second look and what to check there. Do not solve the problem and do not give any final answer.',
    '',
    'Problem: {question}',
    '',
    '{attempts}',
  ].join('\n'),
  critique: [
    'The attempt(s) below are wrong. Find the root mistake and the first line where it goes wrong.',
    'Answer in exactly this format, with no final answer:',
    'Issue: <the mistake>',
    'Fix steps:',
    '1. <step>',
    '2. <step>',
    '',
    'Problem: {question}',
    '',
    '{attempts}',
  ].join('\n'),
  merge: [
    'Merge these critiques of attempts at the same problem into one critique in the same format',
    '("Issue:" then "Fix steps:" with numbered steps). Keep what they agree on; give no final answer.',
    '',
    'Problem: {question}',
    '',
    '{feedbacks}',
  ].join('\n'),
  abstraction: [
    'Here are solved problems. Write 3 to 5 short, general principles that would help solve the new',
    'problem: which operations to use, in what order, and common mistakes to avoid. Use no numbers',
    'or answers from the problems.',
    '',
    'New problem: {question}',
    '',
    '{references}',
  ].join('\n'),
  relevance: [
    'Rate how useful the solved problem is for solving the new problem, from 0 (unrelated) to 1',
    '(same kind of problem and method). Reply with the number only.',
    '',
    'New problem: {question}',
    '',
    'Solved problem: {reference_question}',
    'Solution:',
    '{reference}',
  ].join('\n'),
};
