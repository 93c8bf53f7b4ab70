import * as tf from '@tensorflow/tfjs-core';
import type { PretrainConfig } from '../config/pretrain-config';
import type { Policy } from '../policy/policy';
import type { Rng } from '../rng/rng';
import type { SupervisedExample, TaskSource } from '../task/task-source';
import { LeanAdamOptimizer } from '../trainer/lean-adam';
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
  /** Examples trained on, by prompt format. */
  readonly formats: Readonly<Record<string, number>>;
  /** Examples dropped because prompt + target + EOS do not fit the context (never truncated). */
  readonly overflow: number;
}

/** Token ids of one supervised example. */
export interface EncodedExample {
  readonly promptIds: number[];
  readonly completionIds: number[];
}

/**
 * Prompt and target ids for supervised training on `target` (+ EOS), or undefined when they do
 * not fit `policy.maxContext` (the model would be trained on a prompt cut from the left).
 */
export function encodeSupervised(policy: Policy, prompt: string, target: string): EncodedExample | undefined {
  const body = policy.tokenizer.encode(prompt);
  const promptIds = policy.tokenizer.bosId === undefined ? body : [policy.tokenizer.bosId, ...body];
  const completionIds = [...policy.tokenizer.encode(target), policy.tokenizer.eosId];
  // The last target token is never fed: prompt + completion - 1 positions.
  if (promptIds.length === 0 || promptIds.length + completionIds.length - 1 > policy.maxContext) return undefined;
  return { promptIds, completionIds };
}

/** One batch of examples: the task's own `supervised` formats, else each problem's prompt and solution. */
export function pretrainBatch(task: TaskSource, n: number, rng: Rng): SupervisedExample[] {
  if (task.supervised) return task.supervised('train', n, rng);
  return task.sample('train', n, rng).map((p) => {
    if (p.solution === undefined) throw new Error(`problem ${p.id} has no reference solution to pretrain on`);
    return { problemId: p.id, format: 'plain', prompt: p.prompt, target: p.solution };
  });
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
  const optimizer = new LeanAdamOptimizer(config.learningRate, 0.9, 0.999);
  try {
    for (let step = 1; step <= config.steps; step++) {
      const lr = learningRateAt(step - 1, {
        peak: config.learningRate,
        warmupSteps: config.warmupSteps,
        totalSteps: config.steps,
        schedule: config.schedule,
      });
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const formats: Record<string, number> = {};
      let overflow = 0;
      const examples: EncodedExample[] = [];
      for (const e of pretrainBatch(task, config.batchSize, rng.split(String(step)))) {
        const encoded = encodeSupervised(policy, e.prompt, e.target);
        if (!encoded) {
          overflow++;
          continue;
        }
        examples.push(encoded);
        formats[e.format] = (formats[e.format] ?? 0) + 1;
      }
      if (examples.length === 0) {
        throw new Error(
          `pretraining step ${step}: none of the ${config.batchSize} examples fits the ${policy.maxContext}-token context; raise policy.options.model.maxContext or shorten the prompt formats`,
        );
      }
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
      await hooks.onStep?.({ step, loss, gradNorm: applied?.gradNorm ?? Number.NaN, lr, tokens, formats, overflow });
      if ((config.evalEvery > 0 && step % config.evalEvery === 0) || step === config.steps) await hooks.onEval?.(step);
    }
  } finally {
    optimizer.dispose();
  }
}
