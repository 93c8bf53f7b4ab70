import type { FeedbackKind } from '../records/feedback';

/**
 * Default prompt templates of the `policy` feedback provider, one per kind (placeholders in
 * `render-template.ts`). Each ends where the policy's answer begins; the generated text is the
 * feedback. None asks for or shows a final answer.
 */
export const DEFAULT_POLICY_TEMPLATES: Readonly<Record<FeedbackKind, string>> = {
  reflection: [
    'Read your earlier attempt at this problem again. Say which steps to check and what to do',
    'differently. Do not give a final answer.',
    'Problem: {question}',
    '{attempts}',
    'Review:',
  ].join('\n'),
  critique: [
    'Find the first mistake in the attempt below. Write "Issue:" and the mistake, then "Fix steps:"',
    'and numbered steps. Do not give the final answer.',
    'Problem: {question}',
    '{attempts}',
    'Critique:',
  ].join('\n'),
  merge: [
    'Combine these critiques of attempts at one problem into one critique: "Issue:" then "Fix steps:"',
    'with numbered steps. Do not give the final answer.',
    'Problem: {question}',
    '{feedbacks}',
    'Combined critique:',
  ].join('\n'),
  abstraction: [
    'From these solved problems, write short general principles that help with the new problem:',
    'which operations to use, in what order, and mistakes to avoid. Write no numbers.',
    'New problem: {question}',
    '{references}',
    'Principles:',
  ].join('\n'),
  relevance: [
    'How useful is the solved problem below for solving the new problem? Answer with one number',
    'from 0 (unrelated) to 1 (same kind of problem).',
    'New problem: {question}',
    'Solved problem: {reference_question}',
    'Solution:',
    '{reference}',
    'Relevance:',
  ].join('\n'),
};
