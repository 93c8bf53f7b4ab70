import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const cli = here('../dist/cli.js');
const config = here('../../../examples/gsm8k/tiny-qwen3.yaml');
const gsm8k = here('../../../../shared/data/gsm8k/train.jsonl');
const hasData = existsSync(gsm8k);
if (!hasData)
  console.warn(`[runner] skipping the GSM8K pipeline test: ${gsm8k} not found (real data lives in <repo>/../shared/data)`);

function runCli(args: string[]) {
  if (!existsSync(cli)) throw new Error(`built CLI missing at ${cli}: run 'pnpm build' first`);
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 280_000 });
}

describe.skipIf(!hasData)('trellis run examples/gsm8k/tiny-qwen3.yaml (built CLI)', () => {
  it('runs 2 RL steps of a Qwen3-shaped model with the real Qwen3 tokenizer and chat template on GSM8K', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'trellis-gsm8k-')), 'run');
    const r = runCli(['run', config, '--out', dir, '--set', 'policy.options.backend=wasm']);
    expect(r.status, r.stderr).toBe(0);
    const steps = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { kind: string; step: number; values: Record<string, number> })
      .filter((l) => l.kind === 'step');
    expect(steps.map((s) => s.step)).toEqual([1, 2]);
    for (const s of steps) expect(Number.isFinite(s.values['actor/loss'])).toBe(true);
    // Prompts went through Qwen3's chat template (user turn, assistant header, empty think block).
    const samples = readFileSync(join(dir, 'samples.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(samples.length).toBeGreaterThan(0);
    const first = JSON.parse(samples[0] as string) as Record<string, unknown>;
    expect(JSON.stringify(first)).toContain('boxed');
    // The checkpoint is a Hugging Face directory transformers can read.
    const latest = readFileSync(join(dir, 'checkpoints', 'latest'), 'utf8').trim();
    const ckpt = join(dir, 'checkpoints', latest, 'policy');
    const files = readdirSync(ckpt);
    expect(files).toEqual(
      expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']),
    );
    const hfConfig = JSON.parse(readFileSync(join(ckpt, 'config.json'), 'utf8'));
    expect(hfConfig.model_type).toBe('qwen3');
    expect(hfConfig.vocab_size).toBe(151936);
    // `trellis eval` takes the run (its latest HF checkpoint) with the same config's task and template.
    const e = runCli(['eval', dir, '--config', config, '--limit', '2', '--split', 'test', '--backend', 'wasm']);
    expect(e.status, e.stderr).toBe(0);
    expect(`${e.stdout}${e.stderr}`).toMatch(/pass@1 \d+\.\d% .*\| 2 problems/);
  });
});
