/** Which split of a task a problem belongs to. `train` feeds RL/pretraining; `test` is held out. */
export type Split = 'train' | 'test';

/**
 * One task instance. `prompt` is the exact text given to the policy (the task source applies its
 * template); `answer` is the gold final answer, never shown to the policy or to feedback providers
 * unless a request explicitly allows it.
 */
export interface Problem {
  /** Stable id, unique within the task source (e.g. `arith-train-00042`, `gsm8k-test-17`). */
  readonly id: string;
  /** Text given to the policy, template applied. */
  readonly prompt: string;
  /** The bare question, without template (for feedback providers and logs). */
  readonly question: string;
  /** Gold final answer as a string (LaTeX allowed). */
  readonly answer: string;
  /** Reference solution, when the source has one (used by pretraining and dense rewards). */
  readonly solution?: string;
  readonly split: Split;
  /** Free-form metadata from the source (difficulty, subject, level, ...). Not interpreted by core. */
  readonly meta?: Readonly<Record<string, unknown>>;
}
