import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_CONTEXT_TEMPLATES, Tokens } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { accuracyReward } from '../commands/accuracy-reward';
import { contextTable } from '../commands/context-eval';
import { composeFromObject } from '../experiment';
import { contextList } from '../program';
import { EVAL_CONTEXTS, evaluateContexts } from './eval-contexts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const cli = here('../../dist/cli.js');
// The previous base (context 96): a prose critique does not fit as prefill, so the overflow count shows.
const base = here('../../../../examples/arithmetic/base-tiny');

describe('trellis eval --context', () => {
  it('parses a list or all, and names the allowed contexts for a bad one', () => {
    expect(contextList('none, attempt,none')).toEqual(['none', 'attempt']);
    expect(contextList('all')).toEqual([...EVAL_CONTEXTS]);
    expect(() => contextList('none,foo')).toThrow(/unknown context 'foo'; allowed: none, attempt, .*prefill-line, all/);
  });

  it('measures each context on the same problems (feedback ones on the failed), in one table (built CLI)', () => {
    if (!existsSync(cli)) throw new Error(`built CLI missing at ${cli}: run 'pnpm build' first`);
    const dir = mkdtempSync(join(tmpdir(), 'trellis-eval-contexts-'));
    const out = join(dir, 'rows.jsonl');
    const r = spawnSync(
      process.execPath,
      [cli, 'eval', base, '--limit', '12', '--context', 'none,attempt,feedback-compact,turn-feedback,prefill-line', '-o', out],
      { encoding: 'utf8', timeout: 240_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stderr.split('\n').filter((l) => /^\| [a-z-]+ \| \d/.test(l));
    expect(rows.map((l) => l.split(' | ')[0]?.slice(2))).toEqual([
      'none',
      'attempt',
      'feedback-compact',
      'turn-feedback',
      'prefill-line',
    ]);
    const plain = /^\| none \| (\d+)\/12 \|/.exec(rows[0] as string);
    expect(plain).not.toBeNull();
    const failed = 12 - Number(plain?.[1]);
    expect(rows[2]).toMatch(new RegExp(`^\\| feedback-compact \\| \\d+/${failed} of the ${failed} failed without context \\|`));
    // base-tiny's 96-token context cannot hold a prose critique as prefill: counted, not run.
    expect(rows[3]).toMatch(/prefills too long for the context \(not run, counted wrong\)/);
    // Every per-problem row carries the prompt (context included) and prefill the model saw.
    const written = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { context: string; problemId: string; completions: string[]; prompt: string; prefill?: string },
      );
    rmSync(dir, { recursive: true, force: true });
    const plainRows = written.filter((w) => w.context === 'none');
    expect(plainRows).toHaveLength(12);
    for (const w of written.filter((x) => x.context === 'attempt')) {
      const own = plainRows.find((p) => p.problemId === w.problemId)?.completions[0] ?? '';
      expect(w.prompt.startsWith(`Attempt 1:\n${own.replace(/\n$/, '')}\n`)).toBe(true);
    }
    const fb = written.filter((w) => w.context === 'feedback-compact');
    expect(fb).toHaveLength(failed);
    for (const w of fb) expect(w.prompt).toMatch(/^<feedback>\n[\s\S]*\n<\/feedback>\n/);
    for (const w of written.filter((x) => x.context === 'prefill-line')) expect(w.prefill).toMatch(/=.*\n$/);
  });

  it('keeps numTensors flat across repeated context evaluations', async () => {
    const exp = await composeFromObject({
      policy: { use: 'transformer', options: { checkpoint: base, workers: 0 } },
      task: { use: 'arithmetic' },
      rewards: [{ use: 'math-accuracy' }],
      feedback: [{ use: 'math-verifier', name: 'critique', options: { format: 'compact' } }],
    });
    const policy = await exp.container.getAsync(Tokens.Policy);
    const task = await exp.container.getAsync(Tokens.TaskSource);
    const deps = {
      policy,
      problems: task.list('test', 6),
      accuracy: await accuracyReward(exp),
      sampling: { temperature: 1, greedy: true, maxNewTokens: 40 },
      feedback: await exp.container.getAsync(Tokens.FeedbackService),
      templates: DEFAULT_CONTEXT_TEMPLATES,
    };
    const contexts = ['none', 'attempt', 'feedback', 'principles', 'turn'] as const;
    const first = await evaluateContexts(deps, contexts);
    const before = tf.memory().numTensors;
    const second = await evaluateContexts(deps, contexts);
    expect(tf.memory().numTensors).toBe(before);
    expect(second.map((r) => r.correct)).toEqual(first.map((r) => r.correct));
    expect(contextTable(first).split('\n')).toHaveLength(2 + contexts.length);
    policy.dispose();
  }, 120_000);
});
