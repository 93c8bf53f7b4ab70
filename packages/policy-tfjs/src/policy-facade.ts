import type * as tf from '@tensorflow/tfjs';
import type {
  GenerationRequest,
  GenerationResult,
  LogProbOutput,
  Policy,
  SamplingParams,
  TokenBatch,
  Tokenizer,
} from '@trellis/core';
import type { TfjsPolicy } from './tfjs-policy';

/**
 * Base of the catalog services (`policy: transformer`, `policy: hf`): `init()` builds a
 * {@link TfjsPolicy}, and every `Policy` method delegates to it.
 */
export abstract class PolicyFacade implements Policy {
  protected inner: TfjsPolicy | undefined;

  /** Select the backend and load or initialise the policy. */
  abstract init(): Promise<void>;

  /** The underlying policy (after `init()`). */
  get policy(): TfjsPolicy {
    if (!this.inner) throw new Error('policy used before init()');
    return this.inner;
  }

  get tokenizer(): Tokenizer {
    return this.policy.tokenizer;
  }

  get maxContext(): number {
    return this.policy.maxContext;
  }

  encodePrompt(prompt: string): number[] {
    return this.policy.encodePrompt(prompt);
  }

  load(dir: string): Promise<void> {
    return this.policy.load(dir);
  }

  generate(requests: readonly GenerationRequest[], sampling: SamplingParams): Promise<GenerationResult[]> {
    return this.policy.generate(requests, sampling);
  }

  get packsRows(): boolean {
    return this.policy.packsRows;
  }

  logProbs(batch: TokenBatch, options?: { readonly entropy?: boolean }): LogProbOutput {
    return this.policy.logProbs(batch, options);
  }

  trainableVariables(): tf.Variable[] {
    return this.policy.trainableVariables();
  }

  snapshot(): Policy {
    return this.policy.snapshot();
  }

  save(dir: string): Promise<void> {
    return this.policy.save(dir);
  }

  dispose(): void {
    this.inner?.dispose();
  }
}
