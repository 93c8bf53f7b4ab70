import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ConfigError, composeContainer, loadConfigFile, Rng, Tokens } from '@trellis/core';
import { describe, expect, it, vi } from 'vitest';
import { extractAnswer } from '../extract/extract-answer';
import { gradeAnswer } from '../grade/grade-answer';
import plugin from '../index';
import { sharedDataFile } from '../test-support/shared-data';
import { JsonlTask } from './jsonl-task';

const dir = mkdtempSync(join(tmpdir(), 'rewards-math-jsonl-'));
function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function load(options: ConstructorParameters<typeof JsonlTask>[0]): Promise<JsonlTask> {
  const task = new JsonlTask(options);
  await task.init();
  return task;
}

describe('jsonl task', () => {
  it('reads GSM8K rows: the answer comes from ####', async () => {
    const path = file('gsm.jsonl', [
      JSON.stringify({ question: 'What is 2+3?', answer: '2+3=<<2+3=5>>5\n#### 5' }),
      JSON.stringify({ question: 'What is 1,000+234?', answer: 'It is 1,234\n#### 1,234' }),
    ]);
    const task = await load({ path, preset: 'gsm8k', promptTemplate: 'Q: {question}\nA:' });
    const [a, b] = task.list('train');
    expect(a).toMatchObject({
      id: 'gsm-1',
      question: 'What is 2+3?',
      answer: '5',
      prompt: 'Q: What is 2+3?\nA:',
      split: 'train',
    });
    expect(a?.solution).toContain('#### 5');
    expect(b?.answer).toBe('1,234');
    expect(task.size('train')).toBe(2);
    expect(task.size('test')).toBe(0);
  });

  it('reads MATH-style and AIME/AMC rows, numbers included, other fields in meta', async () => {
    const math = await load({
      path: file('math.jsonl', [
        JSON.stringify({
          problem: 'P',
          solution: 'so \\boxed{7}',
          answer: '7',
          subject: 'Algebra',
          level: 2,
          unique_id: 'test/a/1.json',
        }),
      ]),
      preset: 'math',
      split: 'test',
    });
    expect(math.list('test')[0]).toMatchObject({
      id: 'math-test/a/1.json',
      answer: '7',
      meta: { subject: 'Algebra', level: 2, line: 1 },
    });
    const amc = await load({ path: file('amc.jsonl', [JSON.stringify({ id: 3, problem: 'Q', answer: 27.0 })]), preset: 'aime' });
    expect(amc.list('train')[0]).toMatchObject({ id: 'amc-3', answer: '27' });
    expect(amc.list('train')[0]?.solution).toBeUndefined();
  });

  it('maps custom fields', async () => {
    const task = await load({
      path: file('custom.jsonl', [JSON.stringify({ q: 'Q1', a: '1', key: 'k1' })]),
      fields: { question: 'q', answer: 'a', id: 'key' },
      idPrefix: 'x',
    });
    expect(task.list('train')[0]).toMatchObject({ id: 'x-k1', question: 'Q1', answer: '1' });
  });

  it('reports malformed lines with file and line number; fails or skips as configured', async () => {
    const path = file('bad.jsonl', [
      JSON.stringify({ question: 'ok', answer: '1' }),
      '{not json',
      '',
      JSON.stringify({ question: 'no answer' }),
      JSON.stringify([1, 2]),
      JSON.stringify({ question: { x: 1 }, answer: '2' }),
    ]);
    await expect(load({ path })).rejects.toThrow(
      /4 malformed line\(s\)[\s\S]*bad\.jsonl:2: invalid JSON[\s\S]*bad\.jsonl:4: missing or non-text answer field 'answer'[\s\S]*bad\.jsonl:5: not a JSON object[\s\S]*bad\.jsonl:6: missing or non-text question/,
    );
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const task = await load({ path, onMalformed: 'skip' });
    expect(task.size('train')).toBe(1);
    expect(task.issues.map((i) => i.line)).toEqual([2, 4, 5, 6]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('bad.jsonl:2'));
    warn.mockRestore();
  });

  it('resolves relative paths against the working directory and reports unreadable files', async () => {
    const path = file('rel.jsonl', [JSON.stringify({ question: 'q', answer: '1' })]);
    const task = await load({ path: relative(process.cwd(), path) });
    expect(task.path).toBe(path);
    await expect(load({ path: join(dir, 'missing.jsonl') })).rejects.toThrow(/cannot read/);
  });

  it('splits one file by a hash when asked, deterministically and disjointly', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => JSON.stringify({ question: `q${i}`, answer: `${i}` }));
    const task = await load({ path: file('hash.jsonl', rows), split: 'hash', testFraction: 0.25 });
    const test = task.list('test');
    const train = task.list('train');
    expect(test.length + train.length).toBe(200);
    expect(test.length).toBeGreaterThan(20);
    const ids = new Set(test.map((p) => p.id));
    expect(train.some((p) => ids.has(p.id))).toBe(false);
    expect(task.sample('test', 5, Rng.fromSeed(1))).toEqual(task.sample('test', 5, Rng.fromSeed(1)));
    expect(task.list('test', 3)).toEqual(test.slice(0, 3));
    expect(() => new JsonlTask({ path: 'x' }).size('train')).toThrow(/init/);
  });

  const gsm8k = sharedDataFile('gsm8k/test.jsonl');
  const math500 = sharedDataFile('math500/test.jsonl');
  const aime = sharedDataFile('aime24/test.jsonl');
  const amc = sharedDataFile('amc23/test.jsonl');

  it.skipIf(!gsm8k || !math500 || !aime || !amc)('loads the real benchmark files with their presets', async () => {
    const g = await load({ path: gsm8k as string, preset: 'gsm8k', split: 'test' });
    expect(g.size('test')).toBe(1319);
    const m = await load({ path: math500 as string, preset: 'math', split: 'test' });
    expect(m.size('test')).toBe(500);
    for (const p of m.list('test')) {
      const ex = extractAnswer(p.solution ?? '');
      expect(ex.found && gradeAnswer(p.answer, ex.answer).correct, p.id).toBe(true);
    }
    expect((await load({ path: aime as string, preset: 'aime', split: 'test' })).size('test')).toBe(30);
    expect((await load({ path: amc as string, preset: 'aime', split: 'test' })).size('test')).toBe(40);
  });

  it('in a config, resolves a relative path against the file that sets it (through extends) and fails at config time on a missing file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rewards-math-jsonl-config-'));
    mkdirSync(join(root, 'data'));
    mkdirSync(join(root, 'runs', 'sub'), { recursive: true });
    writeFileSync(join(root, 'data', 'p.jsonl'), `${JSON.stringify({ question: 'q', answer: '1' })}\n`);
    writeFileSync(join(root, 'base.yaml'), 'task: { use: jsonl, options: { path: ./data/p.jsonl } }\n');
    writeFileSync(join(root, 'runs', 'sub', 'exp.yaml'), 'extends: ../../base.yaml\ntask: { options: { split: test } }\n');
    const compose = async (file: string, sets: string[] = []) =>
      composeContainer(await loadConfigFile(file, sets), { manifests: [plugin], loadBuiltins: false });
    const exp = await compose(join(root, 'runs', 'sub', 'exp.yaml'));
    expect(exp.config.task?.options.path).toBe(join(root, 'data', 'p.jsonl'));
    const task = await exp.container.getAsync(Tokens.TaskSource);
    expect(task.size('test')).toBe(1);
    const err = await compose(join(root, 'runs', 'sub', 'exp.yaml'), ['task.options.path=nope.jsonl']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `--set task.options.path=nope.jsonl: task.options.path: jsonl file nope.jsonl does not exist (resolved against ${process.cwd()}: ${join(process.cwd(), 'nope.jsonl')})`,
    );
  });
});
