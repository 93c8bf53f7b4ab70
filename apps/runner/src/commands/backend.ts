import { type ComposedExperiment, Tokens } from '@trellis/core';

/**
 * Resolve the policy (its `init()` selects and initialises the tensor backend) and report which
 * backend is active.
 */
export async function setupBackend(exp: ComposedExperiment): Promise<string> {
  if (!exp.config.policy) return 'none';
  await exp.container.getAsync(Tokens.Policy);
  const tf = await import('@tensorflow/tfjs-core');
  return tf.getBackend();
}
