import { contextTemplatesSchema, DEFAULT_CONTEXT_TEMPLATES } from '@trellis/core';
import { makeProblem } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { abstractionPrompt, reflectionPrompt } from './feedback-aware-prompt';

const problem = makeProblem({ id: 'a', question: '12+7*3', prompt: '12+7*3=?\n', answer: '33' });

describe('feedback-aware prompts', () => {
  it('reflection: the attempts as written, numbered, then the review instruction, then the problem (exact text)', () => {
    const out = reflectionPrompt(
      problem,
      ['7*3=21\n12+21=34\n\\boxed{34}\n', '12+7=19\n19*3=57\n\\boxed{57}'],
      DEFAULT_CONTEXT_TEMPLATES,
    );
    expect(out.prompt).toBe(
      'Attempt 1:\n7*3=21\n12+21=34\n\\boxed{34}\n' +
        'Attempt 2:\n12+7=19\n19*3=57\n\\boxed{57}\n' +
        'Check each line of the attempt, keep what is right, then solve.\n' +
        '12+7*3=?\n',
    );
    expect(out.context + problem.prompt).toBe(out.prompt);
    expect(out.context).not.toMatch(/correct|wrong|reward|33/i);
  });

  it('abstraction: the principles block, then the problem (exact text)', () => {
    const out = abstractionPrompt(problem, 'Principles:\n- multiply before adding\n', DEFAULT_CONTEXT_TEMPLATES);
    expect(out.prompt).toBe('Principles:\n- multiply before adding\n12+7*3=?\n');
    expect(out.context).toBe('Principles:\n- multiply before adding\n');
  });

  it('uses overridden templates', () => {
    const templates = contextTemplatesSchema.parse({ attempt: '[{n}] {attempt}\n', review: 'Review, then solve.\n' });
    expect(reflectionPrompt(problem, ['x'], templates).prompt).toBe('[1] x\nReview, then solve.\n12+7*3=?\n');
  });
});
