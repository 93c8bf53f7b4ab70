import * as tf from '@tensorflow/tfjs-core';
import type { PretrainConfig } from '../config/pretrain-config';
import type { Policy } from '../policy/policy';
import type { Problem } from '../records/problem';
import type { Rng } from '../rng/rng';
import type { TaskSource } from '../task/task-source';
import { learningRateAt } from '../trainer/lr-schedule';
import { clipAndApply } from '../trainer/optimizer-step';

/** One pretraining step's numbers. */
export interface PretrainStep {
  readonly step: number;
  /** Mean negative log-likelihood per target token (nats). */
  readonly loss: number;
  readonly gradNorm: number;
  readonly lr: number;
  readonly tokens: number;
}

/** Prompt and target ids for supervised training on `problem.solution` (+ EOS), cut to fit the context. */
export function supervisedExample(policy: Policy, problem: Problem): { promptIds: number[]; completionIds: number[] } {
  if (problem.solution === undefined) throw new Error(`problem ${problem.id} has no reference solution to pretrain on`);
  const promptIds = policy.encodePrompt(problem.prompt);
  const target = [...policy.tokenizer.encode(problem.solution), policy.tokenizer.eosId];
  return { promptIds, completionIds: target.slice(0, Math.max(1, policy.maxContext - promptIds.length)) };
}

/**
 * Supervised next-token training of `policy` on the task's reference solutions (teacher forcing,
 * loss on solution tokens only). Calls `onStep` after every step and `onEval` every
 * `config.evalEvery` steps and at the end.
 */
export async function supervisedPretrain(
  policy: Policy,
  task: TaskSource,
  config: PretrainConfig,
  rng: Rng,
  hooks: { onStep?: (s: PretrainStep) => void | Promise<void>; onEval?: (step: number) => void | Promise<void> } = {},
): Promise<void> {
  const optimizer = tf.train.adam(config.learningRate);
  try {
    for (let step = 1; step <= config.steps; step++) {
      const lr = learningRateAt(step - 1, {
        peak: config.learningRate,
        warmupSteps: config.warmupSteps,
        totalSteps: config.steps,
        schedule: config.schedule,
      });
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const examples = task.sample('train', config.batchSize, rng.split(String(step))).map((p) => supervisedExample(policy, p));
      const tokens = examples.reduce((a, e) => a + e.completionIds.length, 0);
      const { value, grads } = tf.variableGrads(() => {
        const out = policy.logProbs({
          promptIds: examples.map((e) => e.promptIds),
          completionIds: examples.map((e) => e.completionIds),
        });
        return tf.div(tf.neg(tf.sum(tf.mul(out.logProbs, out.mask))), tf.maximum(tf.sum(out.mask), 1)) as tf.Scalar;
      }, policy.trainableVariables());
      const loss = value.dataSync()[0] as number;
      value.dispose();
      const applied = Number.isFinite(loss) ? clipAndApply(optimizer, grads, config.maxGradNorm) : undefined;
      if (!applied) tf.dispose(Object.values(grads));
      await hooks.onStep?.({ step, loss, gradNorm: applied?.gradNorm ?? Number.NaN, lr, tokens });
      if ((config.evalEvery > 0 && step % config.evalEvery === 0) || step === config.steps) await hooks.onEval?.(step);
    }
  } finally {
    optimizer.dispose();
  }
}
