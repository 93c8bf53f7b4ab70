import { type ContextTemplates, contextPrompt, type Problem } from '@trellis/core';

/** A solving prompt with its injected context. */
export interface AwarePrompt {
  /** The full prompt given to the policy (context, then the problem's own prompt). */
  readonly prompt: string;
  /** The injected context alone (the prompt minus the problem's prompt). */
  readonly context: string;
}

function split(problem: Problem, prompt: string): AwarePrompt {
  return { prompt, context: prompt.slice(0, prompt.length - problem.prompt.length) };
}

/**
 * Reward-agnostic reflection: the problem's own earlier attempts, shown as written with no reward,
 * verdict or gold answer, then the review instruction, then the problem (core `contextPrompt`,
 * the layout the context-reading base was pretrained on).
 */
export function reflectionPrompt(problem: Problem, attempts: readonly string[], templates: ContextTemplates): AwarePrompt {
  return split(problem, contextPrompt(problem.prompt, { attempts }, templates));
}

/** Relevant abstraction: principles distilled from other problems, then the problem. */
export function abstractionPrompt(problem: Problem, principles: string, templates: ContextTemplates): AwarePrompt {
  return split(problem, contextPrompt(problem.prompt, { principles }, templates));
}
