import { fileURLToPath } from 'node:url';
import { createTrainer } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { composeFromFile } from './experiment';

const quickstart = fileURLToPath(new URL('../../../examples/arithmetic/grpo.yaml', import.meta.url));
const base = fileURLToPath(new URL('../../../examples/arithmetic/base', import.meta.url));

describe('every advantage preset trains end to end from the quickstart config', () => {
  for (const preset of ['grpo', 'dr-grpo', 'dapo', 'rloo', 'reinforce-pp', 'reinforce-pp-baseline', 'gspo', 'lambdapo']) {
    it(preset, async () => {
      const exp = await composeFromFile(quickstart, [
        `advantage.use=${preset}`,
        `policy.options.checkpoint=${base}`,
        'policy.options.workers=0',
        'policy.options.backend=wasm',
        'trainer.steps=1',
        'trainer.problemsPerStep=2',
        'trainer.groupSize=4',
        'trainer.evalProblems=4',
      ]);
      const summary = await (await createTrainer(exp.container)).train();
      expect(summary.steps).toBe(1);
      expect(summary.finalAccuracy).toBeTypeOf('number');
    });
  }
});
