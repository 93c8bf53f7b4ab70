import type { GenerationRequest, GenerationResult, Policy, SamplingParams } from '@trellis/core';
import { CharTokenizer, createPolicy, initBackend, type TfjsPolicy } from '@trellis/policy-tfjs';

/**
 * Tests only: a tiny, freshly initialised, seeded char-level transformer over printable ASCII
 * and newline (context 256), on the wasm backend.
 */
export async function tinyServePolicy(seed = 7): Promise<TfjsPolicy> {
  await initBackend('wasm');
  return createPolicy({ dModel: 32, nLayers: 1, nHeads: 2, dFF: 64, maxContext: 256 }, new CharTokenizer(), { seed, workers: 0 });
}

/** Tests only: a policy whose `generate` waits until `open()` (to hold requests in flight). */
export interface GatedPolicy extends Policy {
  /** Let every waiting and future `generate` call run. */
  open(): void;
  /** Resolves once a `generate` call is waiting at the gate. */
  readonly reached: Promise<void>;
}

/** Tests only: wrap `policy` so that its `generate` calls wait for `open()`. */
export function gatedPolicy(policy: Policy): GatedPolicy {
  let open!: () => void;
  let reach!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  const reached = new Promise<void>((r) => {
    reach = r;
  });
  return Object.assign(Object.create(policy) as Policy, {
    open,
    reached,
    async generate(requests: readonly GenerationRequest[], sampling: SamplingParams): Promise<GenerationResult[]> {
      reach();
      await gate;
      return policy.generate(requests, sampling);
    },
  });
}
