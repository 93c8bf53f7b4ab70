import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, composeContainer, Rng, Tokens } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import plugin from '../index';
import { ArithmeticTask } from './arithmetic-task';
import { itemOfQuestion, readOwnAttempts } from './own-attempts';
import { splitOf } from './split-of';

const dir = mkdtempSync(join(tmpdir(), 'own-attempts-'));
function pool(name: string, rows: unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n')}\n`);
  return path;
}
/** Train-split questions of the default 10% test fraction. */
const train = ['2+9+8', '4*(25-8)', '57-(8+3)', '6*38+66', '12+7*3', '90-4*7', '3*4+5', '8+1+1'].filter(
  (q) => splitOf(q, 0.1) === 'train',
);
const wrong = (q: string) => `${q}=1\n\\boxed{1}`;

describe('own-attempt pool', () => {
  it('rebuilds the reference item of a question', () => {
    expect(itemOfQuestion('12+7*3')).toEqual({
      question: '12+7*3',
      solution: '7*3=21\n12+21=33\n\\boxed{33}',
      answer: '33',
      steps: 2,
      parentheses: false,
    });
    expect(itemOfQuestion('12+')).toBeUndefined();
  });

  it('reads `trellis eval -o` rows, keeps only the split asked for, names file and line of a bad row', () => {
    const q = train[0] as string;
    const test = ['1+1', '2+3', '5*6', '7-2', '9+9', '4*4', '8-3', '6+7', '3*9', '2*8'].find((x) => splitOf(x, 0.1) === 'test');
    const path = pool('ok.jsonl', [
      { problemId: 'x', question: q, gold: 'ignored', completions: ['a', 'b'], correct: [false, true] },
      ...(test ? [{ question: test, completions: ['c'], correct: [false] }] : []),
    ]);
    const entries = readOwnAttempts(path, 'train', 0.1);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.attempts).toEqual([
      { text: 'a', correct: false },
      { text: 'b', correct: true },
    ]);
    const bad = pool('bad.jsonl', [
      { question: q, completions: ['a'], correct: [false] },
      { question: q, completions: ['a'] },
    ]);
    expect(() => readOwnAttempts(bad, 'train', 0.1)).toThrow(/bad\.jsonl:2: needs "correct", one boolean per completion/);
    expect(() => readOwnAttempts(pool('nojson.jsonl', ['{']), 'train', 0.1)).toThrow(/nojson\.jsonl:1: not JSON/);
    expect(() => readOwnAttempts(join(dir, 'missing.jsonl'), 'train', 0.1)).toThrow(ConfigError);
    expect(() => readOwnAttempts(path, 'test', 0.1)).toThrow(/holds no test problem/);
  });

  it('attempt formats show the pool attempt unlabelled; critique formats use only failed ones', () => {
    const rows = train.map((q) => {
      const item = itemOfQuestion(q);
      return { question: q, completions: [wrong(q), item?.solution], correct: [false, true] };
    });
    const path = pool('mixed.jsonl', rows);
    const task = (format: string) => new ArithmeticTask({ pretrainFormats: { [format]: 1 }, ownAttempts: { path, share: 1 } });
    for (const e of task('attempt').supervised('train', 40, Rng.fromSeed(2))) {
      const question = e.prompt.trimEnd().split('\n').pop()?.replace('=?', '') as string;
      expect(train).toContain(question);
      const shown = /^Attempt 1:\n([\s\S]*?)\nCheck each line/.exec(e.prompt)?.[1];
      expect([wrong(question), itemOfQuestion(question)?.solution]).toContain(shown);
      expect(e.target).toBe(itemOfQuestion(question)?.solution);
      expect(e.prompt).not.toMatch(/\b(correct|incorrect|reward)\b/i);
    }
    for (const e of task('feedback-compact').supervised('train', 40, Rng.fromSeed(3))) {
      // The critique of `q=1` names its first line; a correct attempt would have none.
      expect(e.prompt).toMatch(/^<feedback>\n[\s\S]+\n<\/feedback>\n/);
      expect(e.prompt).not.toMatch(/No issue/i);
    }
    // share 0: never from the pool.
    const none = new ArithmeticTask({ pretrainFormats: { attempt: 1 }, ownAttempts: { path, share: 0 } });
    const questions = none.supervised('train', 40, Rng.fromSeed(4)).map((e) => e.prompt.trimEnd().split('\n').pop());
    expect(questions.filter((q) => train.includes(q?.replace('=?', '') ?? '')).length).toBeLessThan(3);
  });

  it('a relative path resolves against the config file; a missing one names the key', async () => {
    writeFileSync(join(dir, 'pool.jsonl'), `${JSON.stringify({ question: train[0], completions: ['a'], correct: [false] })}\n`);
    const compose = (path: string) =>
      composeContainer(
        { task: { use: 'arithmetic', options: { ownAttempts: { path } } } },
        { manifests: [plugin], loadBuiltins: false, baseDir: dir },
      );
    const { container } = await compose('./pool.jsonl');
    const task = (await container.getAsync(Tokens.TaskSource)) as ArithmeticTask;
    expect(task.options.ownAttempts?.path).toBe(join(dir, 'pool.jsonl'));
    await expect(compose('./nope.jsonl')).rejects.toThrow(
      /task\.options\.ownAttempts\.path: own-attempt pool \.\/nope\.jsonl is not a file/,
    );
  });
});
