/**
 * Length-bucketed generation and scoring (not a test): a LANPO-like step on the shipped
 * arithmetic base, half of each group behind a ~280-character principles context, timed with
 * length bucketing on and off in one run.
 *   pnpm bench:buckets        Env: BENCH_REPS (default 3)
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { makeRollout } from '../../packages/core/src/testing/fixtures';
import { scoringOrder, scoringRuns } from '../../packages/core/src/trainer/scoring-runs';
import { initBackend, loadPolicy } from '../../packages/policy-tfjs/src/index';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..', '..', '..');
const env: Record<string, string | undefined> = { ...process.env };
const REPS = Number(env.BENCH_REPS ?? 3);
const CONTEXT =
  'Principles:\n- Multiply and divide before you add or subtract, left to right.\n- Copy every operand of the current expression exactly before computing a step.\n- Check each step by recomputing it in the other direction.\n';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

async function main(): Promise<void> {
  await initBackend('wasm');
  const dir = join(repo, 'examples', 'arithmetic', 'base');
  const bucketed = await loadPolicy(dir, { seed: 1 });
  const plain = await loadPolicy(dir, { seed: 1, generationSpread: Number.POSITIVE_INFINITY, frozen: true });
  const questions = Array.from({ length: 16 }, (_, i) => `Compute ${3 + i}*(${17 + i}-${2 + (i % 5)})+${i + 4}.`);
  // 16 groups of 8, the last 4 of each group aware (context first), as LANPO's mixed groups.
  const requests = questions.flatMap((q) => Array.from({ length: 8 }, (_, k) => ({ prompt: k < 4 ? q : CONTEXT + q })));
  const sampling = { temperature: 1.2, maxNewTokens: 48, seed: 7 };
  console.log(`machine: ${process.version}, ${requests.length} requests, context ${CONTEXT.length} characters on half`);

  const timeGen = async (p: typeof bucketed) => {
    const ts: number[] = [];
    let tokens = 0;
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now();
      const out = await p.generate(requests, sampling);
      ts.push(performance.now() - t0);
      tokens = out.reduce((s, o) => s + o.completionIds.length, 0);
    }
    return { ms: median(ts), tokens };
  };
  const genPlain = await timeGen(plain);
  const genBucketed = await timeGen(bucketed);
  console.log(
    `generate 128: request-order chunks ${(genPlain.ms / 1000).toFixed(2)} s, length buckets ${(genBucketed.ms / 1000).toFixed(2)} s, ratio ${(genPlain.ms / genBucketed.ms).toFixed(2)}x`,
  );

  // Scoring with gradients, a 64-row minibatch: one padded call vs the trainer's length runs.
  const results = await bucketed.generate(requests.slice(0, 64), sampling);
  const rollouts = results.map((r) =>
    makeRollout(r.text, { promptIds: r.promptIds, completionIds: r.completionIds, temperature: 1.2 }),
  );
  const score = (spread: number) => {
    const rows = scoringOrder(
      rollouts,
      rollouts.map((_, i) => i),
    );
    const t0 = performance.now();
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        let total = tf.scalar(0);
        for (const run of scoringRuns(rollouts, rows, spread)) {
          const rs = run.rows.map((i) => rollouts[i] as (typeof rollouts)[number]);
          const lp = bucketed.logProbs({
            promptIds: rs.map((r) => r.promptIds),
            completionIds: rs.map((r) => r.completionIds),
            temperature: run.temperature,
          });
          total = tf.add(total, lp.logProbs.sum()) as tf.Scalar;
        }
        return total;
      }, bucketed.trainableVariables());
      for (const g of Object.values(grads)) g.dataSync();
    });
    return performance.now() - t0;
  };
  const one: number[] = [];
  const runs: number[] = [];
  for (let i = 0; i < REPS + 1; i++) {
    one.push(score(Number.POSITIVE_INFINITY));
    runs.push(score(1.5));
  }
  console.log(
    `forward+backward 64 rows: one padded call ${(median(one) / 1000).toFixed(2)} s, length runs ${(median(runs) / 1000).toFixed(2)} s, ratio ${(median(one) / median(runs)).toFixed(2)}x`,
  );
  console.log(`numTensors after: ${tf.memory().numTensors}`);
  bucketed.dispose();
  plain.dispose();
}

await main();
