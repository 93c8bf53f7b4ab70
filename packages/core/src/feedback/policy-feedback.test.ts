import { describe, expect, it } from 'vitest';
import { feedbackRequest } from '../records/feedback';
import { describeFeedbackConformance } from '../testing/feedback-conformance';
import { makeProblem } from '../testing/fixtures';
import { ScriptedPolicy } from '../trainer/test-support/scripted-policy';
import { FeedbackService } from './feedback-service';
import { PolicyFeedback, policyFeedbackOptions } from './policy-feedback';

const problem = makeProblem({ id: 'p1', question: 'What is 12+7*3?', answer: '33' });
const reference = { question: 'What is 2+3*4?', text: '3*4=12\n2+12=14\n\\boxed{14}' };

/** Replies like a cooperative model: a score for relevance prompts, a short critique otherwise. */
const cooperative = (prompt: string) => (prompt.endsWith('Relevance:') ? ' 0.8' : ' Issue: check the multiplication first. ');

const make = (policy = new ScriptedPolicy(cooperative), options: Record<string, unknown> = {}) =>
  new PolicyFeedback(policyFeedbackOptions.parse(options), policy);

describe('PolicyFeedback prompts (golden)', () => {
  const p = make();
  it('reflection shows the attempts and asks for a review, with no verdict', () => {
    const r = feedbackRequest(problem, 'reflection', { attempts: [{ text: '12+7=19\n19*3=57\n\\boxed{57}' }] });
    expect(p.prompt(r)).toBe(
      [
        'Read your earlier attempt at this problem again. Say which steps to check and what to do',
        'differently. Do not give a final answer.',
        'Problem: What is 12+7*3?',
        'Attempt 1:',
        '12+7=19',
        '19*3=57',
        '\\boxed{57}',
        'Review:',
      ].join('\n'),
    );
  });

  it('critique numbers the latest maxAttempts attempts', () => {
    const r = feedbackRequest(problem, 'critique', { attempts: [{ text: 'old' }, { text: 'a' }, { text: 'b' }] });
    expect(p.prompt(r)).toBe(
      [
        'Find the first mistake in the attempt below. Write "Issue:" and the mistake, then "Fix steps:"',
        'and numbered steps. Do not give the final answer.',
        'Problem: What is 12+7*3?',
        'Attempt 1:\na',
        '',
        'Attempt 2:\nb',
        'Critique:',
      ].join('\n'),
    );
  });

  it('merge, abstraction and relevance lay out feedbacks and references', () => {
    expect(p.prompt(feedbackRequest(problem, 'merge', { feedbacks: ['Issue: x', 'Issue: y'] }))).toBe(
      [
        'Combine these critiques of attempts at one problem into one critique: "Issue:" then "Fix steps:"',
        'with numbered steps. Do not give the final answer.',
        'Problem: What is 12+7*3?',
        'Feedback 1:\nIssue: x',
        '',
        'Feedback 2:\nIssue: y',
        'Combined critique:',
      ].join('\n'),
    );
    expect(p.prompt(feedbackRequest(problem, 'abstraction', { references: [reference] }))).toBe(
      [
        'From these solved problems, write short general principles that help with the new problem:',
        'which operations to use, in what order, and mistakes to avoid. Write no numbers.',
        'New problem: What is 12+7*3?',
        'Problem: What is 2+3*4?',
        'Solution:',
        '3*4=12\n2+12=14\n\\boxed{14}',
        'Principles:',
      ].join('\n'),
    );
    expect(p.prompt(feedbackRequest(problem, 'relevance', { references: [reference] }))).toBe(
      [
        'How useful is the solved problem below for solving the new problem? Answer with one number',
        'from 0 (unrelated) to 1 (same kind of problem).',
        'New problem: What is 12+7*3?',
        'Solved problem: What is 2+3*4?',
        'Solution:',
        '3*4=12\n2+12=14\n\\boxed{14}',
        'Relevance:',
      ].join('\n'),
    );
  });

  it('takes overriding templates and refuses unknown placeholders when options are validated', () => {
    const custom = make(undefined, { templates: { critique: 'Q={question} A={attempt} {{literal}}' } });
    expect(custom.prompt(feedbackRequest(problem, 'critique', { attempts: [{ text: '57' }] }))).toBe(
      'Q=What is 12+7*3? A=57 {literal}',
    );
    const bad = policyFeedbackOptions.safeParse({ templates: { merge: 'Combine {feedback}' } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/unknown placeholder \{feedback\}; allowed: \{question\}/);
  });
});

const serviceOf = (provider: PolicyFeedback) =>
  new FeedbackService([
    {
      name: 'policy',
      provider,
      timeoutMs: 1000,
      retries: 2,
      backoffMs: 0,
      maxBackoffMs: 0,
      concurrency: 2,
      cacheSize: 0,
      onLeak: 'redact',
    },
  ]);

describe('PolicyFeedback answers', () => {
  it('returns the trimmed generation, greedy by default, and reads relevance scores', async () => {
    const policy = new ScriptedPolicy(cooperative);
    const p = make(policy);
    expect(await p.provide(feedbackRequest(problem, 'critique', { attempts: [{ text: '57' }] }))).toEqual({
      kind: 'critique',
      text: 'Issue: check the multiplication first.',
    });
    expect(policy.calls[0]?.sampling).toMatchObject({ greedy: true, maxNewTokens: 128 });
    expect(await p.provide(feedbackRequest(problem, 'relevance', { references: [reference] }))).toEqual({
      kind: 'relevance',
      text: '0.8',
      score: 0.8,
    });
  });

  it('reports an unreadable relevance reply as a counted parse failure, never as 0', async () => {
    const p = make(new ScriptedPolicy(() => 'quite relevant'));
    const s = serviceOf(p);
    const out = await s.request(feedbackRequest(problem, 'relevance', { references: [reference] }));
    expect(out).toMatchObject({ ok: false, reason: 'parse', attempts: 1 });
    expect(s.totalCounts()).toMatchObject({ failures: 1, 'failures/parse': 1 });
  });

  it('fails with reason context when the prompt and answer do not fit the policy, instead of truncating', async () => {
    const policy = new ScriptedPolicy(cooperative, 96);
    const s = serviceOf(make(policy));
    const out = await s.request(feedbackRequest(problem, 'critique', { attempts: [{ text: '57' }] }));
    expect(out).toMatchObject({ ok: false, reason: 'context', attempts: 1 });
    if (!out.ok)
      expect(out.message).toMatch(/critique prompt of \d+ tokens \+ maxNewTokens 128 exceeds the policy's context of 96 tokens/);
    expect(policy.calls).toHaveLength(0);
  });

  it('batches concurrent requests into one generate call', async () => {
    const policy = new ScriptedPolicy(cooperative);
    const p = make(policy);
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => p.provide(feedbackRequest(problem, 'critique', { attempts: [{ text: `${i}` }] }))),
    );
    expect(policy.calls).toHaveLength(1);
    expect(policy.calls[0]?.requests).toHaveLength(5);
  });

  it('answers only the kinds it is given and needs exactly one reference for relevance', async () => {
    const p = make(undefined, { kinds: ['critique'] });
    expect(p.kinds).toEqual(['critique']);
    await expect(p.provide(feedbackRequest(problem, 'merge', { feedbacks: [] }))).rejects.toThrow(/kind 'merge' is not enabled/);
    await expect(make().provide(feedbackRequest(problem, 'relevance', { references: [] }))).rejects.toThrow(
      /exactly one reference/,
    );
  });
});

describeFeedbackConformance('policy (scripted model)', {
  create: () => make(),
  cases: [
    { problem, attempts: ['12+7=19\n19*3=57\n\\boxed{57}'] },
    {
      problem: makeProblem({ id: 'p2', question: 'Tom has 24 apples and buys 6 more. How many now?', answer: '30' }),
      attempts: ['24+6=31'],
    },
  ],
});
