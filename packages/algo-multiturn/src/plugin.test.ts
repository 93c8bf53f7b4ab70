import type { Feedback, FeedbackProvider, FeedbackRequest } from '@trellis/core';
import { describeLossTermConformance, describeRolloutStrategyConformance, type ScriptedReplyInput } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import multiturnPlugin, { multiturnCatalog } from './index';

/** Critiques name the attempts' last words; merges join. */
const critic: FeedbackProvider = {
  id: 'critic',
  kinds: ['critique', 'merge'],
  async provide(request: FeedbackRequest): Promise<Feedback> {
    if (request.kind === 'merge') return { kind: 'merge', text: (request.feedbacks ?? []).join('; ') };
    return { kind: 'critique', text: `Issue: recheck ${request.attempts?.length} attempts` };
  },
};

describe('algo-multiturn plugin', () => {
  it('declares exactly what it binds', () => {
    const declared = Object.entries(multiturnPlugin.provides).flatMap(([slot, ids]) => (ids ?? []).map((id) => `${slot}:${id}`));
    expect(multiturnCatalog.map((e) => `${e.slot}:${e.id}`).sort()).toEqual(declared.sort());
  });
});

// Problem p0 is always wrong (dropped), p1 right only with feedback (pairs), p2 half right in the
// first turn (GRPO), p3 half right with feedback (GRPO on the regenerated group).
describeRolloutStrategyConformance('multiturn', {
  plugin: multiturnPlugin,
  use: 'multiturn',
  feedback: [{ name: 'critic', provider: critic }],
  reply: ({ request, index }: ScriptedReplyInput, problems) => {
    const p = problems.find((x) => request.prompt.startsWith(x.prompt));
    const regen = request.prefill !== undefined;
    const right = p?.id === 'p1' ? regen : p?.id === 'p2' ? index % 2 === 0 : p?.id === 'p3' ? regen && index % 2 === 0 : false;
    return right ? ` ${p?.answer}` : ' 0';
  },
});

describeLossTermConformance('fco', {
  plugin: multiturnPlugin,
  use: 'fco',
  options: { tau: 0.5, weight: 1 },
  pairwise: true,
  pairKind: 'fco',
});

describe('multiturn-console metrics sink', () => {
  it('prints one line per step record with the multi-turn metrics', async () => {
    const { MultiturnConsoleSink } = await import('./multiturn-console-sink');
    const sink = new MultiturnConsoleSink({ every: 2 });
    const out: string[] = [];
    sink.out = (line) => out.push(line);
    const values = {
      'multiturn/trigger_rate': 0.5,
      'multiturn/solve_rate/turn0': 0.25,
      'multiturn/solve_rate/turn1': 0.5,
      'multiturn/pairs': 4,
      'update/pairs': 4,
      'loss/fco/delta_mean': 0.0123,
      'multiturn/feedback_calls': 9,
    };
    sink.write({ kind: 'step', step: 1, time: 0, values });
    sink.write({ kind: 'eval', step: 2, time: 0, values });
    sink.write({ kind: 'step', step: 2, time: 0, values });
    expect(out).toEqual([
      'multiturn step 2: trigger 50% | solved t0 25% t1 50% | regen GRPO groups 0 | pairs 4 (trained 4, dropped 0) | Delta 0.0123 | FCO - | feedback 9 calls, 0 leaks, 0 failed',
    ]);
  });
});
