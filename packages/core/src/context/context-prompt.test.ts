import { describe, expect, it } from 'vitest';
import { contextPrompt, contextTemplatesSchema, DEFAULT_CONTEXT_TEMPLATES, feedbackBlock, turnPrompt } from './context-prompt';

describe('contextPrompt: one context layout for pretraining, eval and the feedback algorithms', () => {
  it('without context is the prompt itself', () => {
    expect(contextPrompt('3+4=?\n', {})).toBe('3+4=?\n');
  });

  it('puts principles, numbered attempts with the review line, then the feedback block before the prompt', () => {
    const text = contextPrompt('3+4=?\n', {
      principles: '- Add.\n',
      attempts: ['3+4=8\n\\boxed{8}', '3+4=7\n\\boxed{7}'],
      feedback: 'First line: 3+4=7.',
    });
    expect(text).toBe(
      '- Add.\n' +
        'Attempt 1:\n3+4=8\n\\boxed{8}\n' +
        'Attempt 2:\n3+4=7\n\\boxed{7}\n' +
        'Check each line of the attempt, keep what is right, then solve.\n' +
        '<feedback>\nFirst line: 3+4=7.\n</feedback>\n' +
        '3+4=?\n',
    );
  });

  it('takes overridden templates', () => {
    const t = contextTemplatesSchema.parse({ attempt: '[{n}] {attempt}\n', review: '' });
    expect(contextPrompt('Q\n', { attempts: ['a', 'b'] }, t)).toBe('[1] a\n[2] b\nQ\n');
    expect(() => contextTemplatesSchema.parse({ attempt: 'no placeholder' })).toThrow(/attempt/);
  });

  it('an empty feedback block has no blank line; a turn prompt prefills only a regeneration turn', () => {
    expect(feedbackBlock('')).toBe('<feedback>\n</feedback>\n');
    expect(turnPrompt('Q\n', undefined)).toEqual({ prompt: `Q\n${DEFAULT_CONTEXT_TEMPLATES.turn}`, prefill: '' });
    expect(turnPrompt('Q\n', 'Fix line 2.')).toEqual({
      prompt: `Q\n${DEFAULT_CONTEXT_TEMPLATES.turn}`,
      prefill: '<feedback>\nFix line 2.\n</feedback>\n',
    });
  });

  it('uses only printable ASCII and newline in its default layout', () => {
    for (const t of Object.values(DEFAULT_CONTEXT_TEMPLATES)) expect(t).toMatch(/^[\n\x20-\x7e]*$/);
  });
});
