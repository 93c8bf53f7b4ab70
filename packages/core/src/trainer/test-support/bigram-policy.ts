import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LogProbOutput, Policy, TokenBatch } from '../../policy/policy';
import type { GenerationRequest, GenerationResult, SamplingParams } from '../../records/generation';
import { Rng } from '../../rng/rng';
import type { Tokenizer } from '../../tokenizer/tokenizer';

/** Test-only char tokenizer: 0 PAD, 1 BOS, 2 EOS, then the alphabet. */
export class TinyTokenizer implements Tokenizer {
  readonly bosId = 1;
  readonly eosId = 2;
  readonly padId = 0;
  constructor(readonly alphabet: string) {}
  get vocabSize(): number {
    return this.alphabet.length + 3;
  }
  encode(text: string): number[] {
    return Array.from(text, (c) => {
      const i = this.alphabet.indexOf(c);
      if (i < 0) throw new Error(`char ${c} not in alphabet`);
      return i + 3;
    });
  }
  decode(ids: readonly number[]): string {
    return ids
      .filter((i) => i >= 3)
      .map((i) => this.alphabet[i - 3])
      .join('');
  }
  toJSON(): unknown {
    return { alphabet: this.alphabet };
  }
}

/**
 * Test-only bigram language model on TensorFlow.js: logits(next | prev) = W[prev]. Small enough to
 * exercise the trainer end to end (real gradients, sampling, snapshots, checkpoints) in milliseconds.
 */
export class BigramPolicy implements Policy {
  readonly maxContext = 64;
  private readonly w: tf.Variable;

  constructor(
    readonly tokenizer: TinyTokenizer,
    init: tf.Tensor2D | number,
    trainable = true,
  ) {
    const v = tokenizer.vocabSize;
    const value = typeof init === 'number' ? tf.tidy(() => tf.mul(tf.randomNormal([v, v], 0, 1, 'float32', init), 0.1)) : init;
    this.w = tf.variable(value as tf.Tensor2D, trainable);
    if (typeof init === 'number') value.dispose();
  }

  encodePrompt(prompt: string): number[] {
    return [this.tokenizer.bosId, ...this.tokenizer.encode(prompt)];
  }

  async generate(requests: readonly GenerationRequest[], sampling: SamplingParams): Promise<GenerationResult[]> {
    const table = this.w.arraySync() as number[][];
    const rng = Rng.fromSeed(sampling.seed ?? 0);
    const temp = sampling.greedy ? 1 : sampling.temperature;
    return requests.map((req) => {
      const promptIds = this.encodePrompt(req.prompt);
      const out: number[] = [];
      const lps: number[] = [];
      let prev = promptIds[promptIds.length - 1] as number;
      let finish: GenerationResult['finishReason'] = 'length';
      for (let t = 0; t < sampling.maxNewTokens; t++) {
        const logits = (table[prev] as number[]).map((x) => x / temp);
        const m = Math.max(...logits);
        const z = Math.log(logits.reduce((a, x) => a + Math.exp(x - m), 0)) + m;
        let next = 0;
        if (sampling.greedy) next = logits.indexOf(m);
        else {
          let u = rng.next();
          for (next = 0; next < logits.length - 1; next++) {
            u -= Math.exp((logits[next] as number) - z);
            if (u < 0) break;
          }
        }
        out.push(next);
        lps.push((logits[next] as number) - z);
        prev = next;
        if (next === this.tokenizer.eosId) {
          finish = 'eos';
          break;
        }
      }
      return {
        promptIds,
        completionIds: out,
        text: this.tokenizer.decode(out),
        logProbs: lps,
        prefillLength: 0,
        temperature: temp,
        finishReason: finish,
      };
    });
  }

  logProbs(batch: TokenBatch, options: { entropy?: boolean } = {}): LogProbOutput {
    const v = this.tokenizer.vocabSize;
    const width = Math.max(1, ...batch.completionIds.map((c) => c.length));
    const prev: number[] = [];
    const next: number[] = [];
    const mask: number[] = [];
    batch.completionIds.forEach((c, i) => {
      const p = batch.promptIds[i] as readonly number[];
      for (let t = 0; t < width; t++) {
        prev.push(t === 0 ? (p[p.length - 1] as number) : (c[t - 1] ?? 0));
        next.push(c[t] ?? 0);
        mask.push(t < c.length ? 1 : 0);
      }
    });
    const result = tf.tidy(() => {
      const b = batch.completionIds.length;
      const logits = tf.div(
        tf.matMul(tf.cast(tf.oneHot(tf.tensor1d(prev, 'int32'), v), 'float32'), this.w),
        batch.temperature ?? 1,
      );
      const logp = tf.logSoftmax(logits);
      const picked = tf.sum(tf.mul(logp, tf.cast(tf.oneHot(tf.tensor1d(next, 'int32'), v), 'float32')), 1);
      const maskT = tf.tensor2d(mask, [b, width]);
      const out: LogProbOutput = { logProbs: tf.mul(tf.reshape(picked, [b, width]), maskT) as tf.Tensor2D, mask: maskT };
      if (!options.entropy) return { ...out };
      const entropy = tf.reshape(tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)), [b, width]) as tf.Tensor2D;
      return { ...out, entropy: tf.mul(entropy, maskT) as tf.Tensor2D };
    });
    return result as unknown as LogProbOutput;
  }

  trainableVariables(): tf.Variable[] {
    return [this.w];
  }

  snapshot(): Policy {
    // tf.variable keeps its own reference to the values: the clone is ours to free.
    const copy = this.w.clone() as tf.Tensor2D;
    const frozen = new BigramPolicy(this.tokenizer, copy, false);
    copy.dispose();
    return frozen;
  }

  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'bigram.json'),
      JSON.stringify({ alphabet: this.tokenizer.alphabet, w: Array.from(this.w.dataSync()) }),
    );
  }

  async load(dir: string): Promise<void> {
    const data = JSON.parse(await readFile(join(dir, 'bigram.json'), 'utf8')) as { w: number[] };
    const t = tf.tensor2d(Float32Array.from(data.w), this.w.shape as [number, number]);
    this.w.assign(t);
    t.dispose();
  }

  dispose(): void {
    this.w.dispose();
  }
}
