import { Rng } from '@trellis/core';

/**
 * The `GenerationRequest.seed` of choice `index` of a request with `seed` (`index` is the
 * OpenAI choice index: prompt index x n + choice). Every choice samples its own stream, so a
 * seeded request gives the same text however the server batches it; the same seed, prompt and
 * sampling with `policy.generate([{ prompt, seed: choiceSeed(seed, i) }], sampling)` give it too.
 */
export function choiceSeed(seed: number, index: number): number {
  return Rng.fromSeed(seed).split('trellis-serve-choice').split(String(index)).nextUint32();
}
