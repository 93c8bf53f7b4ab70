import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/trellis-error';
import { RunDirectory } from './run-directory';
import { RunLockedError } from './run-lock';

const tmp = () => mkdtempSync(join(tmpdir(), 'trellis-rundir-'));

describe('RunDirectory', () => {
  it('creates a new directory with config.yaml and checkpoints/', async () => {
    const dir = join(tmp(), 'run');
    const run = await RunDirectory.create(dir, 'seed: 1\n');
    expect(run.dir).toBe(dir);
    expect(readFileSync(join(dir, 'config.yaml'), 'utf8')).toBe('seed: 1\n');
    expect(run.configText()).toBe('seed: 1\n');
    expect(run.checkpointsDir).toBe(join(dir, 'checkpoints'));
    run.releaseLock();
    const opened = RunDirectory.open(dir);
    expect(opened.dir).toBe(dir);
    opened.releaseLock();
  });

  it('refuses an existing non-empty directory and suggests --resume', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    const err = await RunDirectory.create(dir, 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(`--resume ${dir}`);
    expect((err as Error).message).toMatch(/already exists and is not empty/);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('refuses a path that is an existing file', async () => {
    const file = join(tmp(), 'file');
    writeFileSync(file, '');
    await expect(RunDirectory.create(file, 'x')).rejects.toBeInstanceOf(ConfigError);
  });

  it('accepts an existing empty directory', async () => {
    const dir = tmp();
    const run = await RunDirectory.create(dir, 'a: 1\n');
    expect(run.configText()).toBe('a: 1\n');
  });

  it('appends and reads back metrics lines', async () => {
    const run = await RunDirectory.create(join(tmp(), 'run'), '');
    expect(run.readMetrics()).toEqual([]);
    run.appendMetrics({ kind: 'step', step: 1, values: { loss: 0.5 } });
    run.appendMetrics({ kind: 'event', step: 1, message: 'hello' });
    expect(run.readMetrics()).toEqual([
      { kind: 'step', step: 1, values: { loss: 0.5 } },
      { kind: 'event', step: 1, message: 'hello' },
    ]);
  });

  it('reports log offsets in bytes and truncates lines written after them', async () => {
    const run = await RunDirectory.create(join(tmp(), 'run'), '');
    expect(run.offsets()).toEqual({ metrics: 0, samples: 0 });
    run.appendMetrics({ step: 1, note: 'héllo' });
    run.appendSamples([
      { step: 1, text: 'a' },
      { step: 1, text: 'b' },
    ]);
    run.appendSamples([]);
    const at = run.offsets();
    expect(at.metrics).toBe(Buffer.byteLength(`${JSON.stringify({ step: 1, note: 'héllo' })}\n`));
    expect(at.samples).toBe(readFileSync(run.samplesPath).byteLength);

    run.appendMetrics({ step: 2 });
    run.appendMetrics({ step: 3 });
    run.appendSamples([{ step: 2, text: 'c' }]);
    run.truncate(at);

    expect(run.offsets()).toEqual(at);
    expect(run.readMetrics()).toEqual([{ step: 1, note: 'héllo' }]);
    expect(readFileSync(run.samplesPath, 'utf8')).toBe('{"step":1,"text":"a"}\n{"step":1,"text":"b"}\n');

    run.appendMetrics({ step: 2, resumed: true });
    expect(run.readMetrics()).toEqual([
      { step: 1, note: 'héllo' },
      { step: 2, resumed: true },
    ]);
  });

  it('truncate never grows or creates files', async () => {
    const run = await RunDirectory.create(join(tmp(), 'run'), '');
    run.appendMetrics({ step: 1 });
    const size = run.offsets().metrics;
    run.truncate({ metrics: size + 100, samples: 50 });
    expect(run.offsets()).toEqual({ metrics: size, samples: 0 });
  });

  it('open refuses a directory without config.yaml with a ConfigError', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'checkpoints'));
    expect(() => RunDirectory.open(dir)).toThrow(ConfigError);
    expect(() => RunDirectory.open(join(dir, 'missing'))).toThrow(/is not a run directory/);
  });

  it('writes summary.json', async () => {
    const run = await RunDirectory.create(join(tmp(), 'run'), '');
    await run.writeSummary({ steps: 3 });
    expect(JSON.parse(readFileSync(join(run.dir, 'summary.json'), 'utf8'))).toEqual({ steps: 3 });
  });

  it('holds run.lock from create/open until released; a second opener gets RunLockedError (exit code 2)', async () => {
    const dir = join(tmp(), 'run');
    const run = await RunDirectory.create(dir, 'a: 1\n');
    expect(run.locked).toBe(true);
    expect(existsSync(run.lockPath)).toBe(true);
    const err = (() => {
      try {
        RunDirectory.open(dir);
      } catch (e) {
        return e as RunLockedError;
      }
    })();
    expect(err).toBeInstanceOf(RunLockedError);
    expect(err?.exitCode).toBe(2);
    expect(RunDirectory.open(dir, { lock: false }).locked).toBe(false);
    run.releaseLock();
    expect(existsSync(run.lockPath)).toBe(false);
    run.acquireLock();
    expect(run.locked).toBe(true);
    run.releaseLock();
  });

  it('create takes over what a creation killed before config.yaml left (stale lock, empty checkpoints/)', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'checkpoints'));
    writeFileSync(
      join(dir, 'run.lock'),
      JSON.stringify({ pid: 2 ** 22 + 17, hostname: (await import('node:os')).hostname(), token: 'x' }),
    );
    writeFileSync(join(dir, '.config.yaml.tmp-1-abcd'), 'partial');
    const run = await RunDirectory.create(dir, 'a: 1\n');
    expect(readdirSync(dir).sort()).toEqual(['checkpoints', 'config.yaml', 'run.lock']);
    expect(run.takeNotices()).toEqual([expect.stringMatching(/took over the stale lock/)]);
    run.releaseLock();
    const other = tmp();
    mkdirSync(join(other, 'checkpoints', 'step-000001'), { recursive: true });
    await expect(RunDirectory.create(other, 'a: 1\n')).rejects.toThrow(/already exists and is not empty/);
    expect(existsSync(join(other, 'run.lock'))).toBe(false);
  });

  it('removes temporaries left by interrupted writes only while holding the lock', async () => {
    const dir = join(tmp(), 'run');
    const run = await RunDirectory.create(dir, '');
    mkdirSync(join(run.checkpointsDir, '.tmp-step-000002-99', 'policy'), { recursive: true });
    mkdirSync(join(run.checkpointsDir, 'step-000001'));
    writeFileSync(join(run.checkpointsDir, '.latest.tmp-99-abcd'), '');
    writeFileSync(join(dir, '.summary.json.tmp-99-abcd'), '');
    writeFileSync(join(dir, 'notes.txt'), '');
    expect(RunDirectory.open(dir, { lock: false }).removeStaleTemporaries()).toEqual([]);
    expect(run.removeStaleTemporaries().sort()).toEqual([
      '.summary.json.tmp-99-abcd',
      'checkpoints/.latest.tmp-99-abcd',
      'checkpoints/.tmp-step-000002-99',
    ]);
    expect(readdirSync(run.checkpointsDir)).toEqual(['step-000001']);
    expect(readdirSync(dir).sort()).toEqual(['checkpoints', 'config.yaml', 'notes.txt', 'run.lock']);
    run.releaseLock();
  });
});
