import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_FILE, verifyCheckpointManifest, writeCheckpointManifest } from './checkpoint-manifest';

async function checkpoint(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-manifest-'));
  mkdirSync(join(dir, 'policy'));
  writeFileSync(join(dir, 'policy', 'model.bin'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  writeFileSync(join(dir, 'trainer-state.json'), '{"step":1}\n');
  await writeCheckpointManifest(dir);
  return dir;
}

describe('checkpoint manifest', () => {
  it('lists every file with size and SHA-256, and verifies an untouched checkpoint', async () => {
    const dir = await checkpoint();
    const m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'));
    expect(m.format).toBe('trellis-checkpoint');
    expect(Object.keys(m.files)).toEqual(['policy/model.bin', 'trainer-state.json']);
    expect(m.files['policy/model.bin'].bytes).toBe(8);
    expect(m.files['policy/model.bin'].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyCheckpointManifest(dir)).toEqual({ status: 'ok' });
  });

  it('reports a missing manifest separately from a bad one', async () => {
    const dir = await checkpoint();
    rmSync(join(dir, MANIFEST_FILE));
    expect(verifyCheckpointManifest(dir)).toEqual({ status: 'missing' });
    writeFileSync(join(dir, MANIFEST_FILE), '{"format":"trellis-checkpoint","version":1,"fi');
    expect(verifyCheckpointManifest(dir)).toMatchObject({ status: 'bad', reason: expect.stringMatching(/not valid JSON/) });
  });

  it('catches a truncated file, a missing file and a same-size corruption', async () => {
    const a = await checkpoint();
    truncateSync(join(a, 'policy', 'model.bin'), 3);
    expect(verifyCheckpointManifest(a)).toEqual({ status: 'bad', reason: 'policy/model.bin is 3 bytes, the manifest says 8' });
    const b = await checkpoint();
    rmSync(join(b, 'trainer-state.json'));
    expect(verifyCheckpointManifest(b)).toEqual({ status: 'bad', reason: 'trainer-state.json is missing' });
    const c = await checkpoint();
    const nan = new Uint8Array(new Float32Array([Number.NaN, Number.NaN]).buffer);
    writeFileSync(join(c, 'policy', 'model.bin'), nan);
    expect(verifyCheckpointManifest(c)).toEqual({
      status: 'bad',
      reason: 'policy/model.bin does not match its SHA-256 checksum',
    });
  });

  it('refuses manifests that point outside the checkpoint or at non-files', async () => {
    const dir = await checkpoint();
    const entry = { bytes: 1, sha256: 'a'.repeat(64) };
    const write = (files: object) =>
      writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ format: 'trellis-checkpoint', version: 1, files }));
    write({ '../other/model.bin': entry });
    expect(verifyCheckpointManifest(dir)).toMatchObject({ reason: expect.stringMatching(/path outside the checkpoint/) });
    write({ '/etc/passwd': entry });
    expect(verifyCheckpointManifest(dir)).toMatchObject({ reason: expect.stringMatching(/path outside the checkpoint/) });
    write({ 'policy/model.bin': { bytes: -1, sha256: 'x' } });
    expect(verifyCheckpointManifest(dir)).toMatchObject({ reason: expect.stringMatching(/malformed entry/) });
    write({});
    expect(verifyCheckpointManifest(dir)).toMatchObject({ reason: expect.stringMatching(/lists no files/) });
    symlinkSync(join(dir, 'trainer-state.json'), join(dir, 'link.json'));
    write({ 'link.json': entry });
    expect(verifyCheckpointManifest(dir)).toMatchObject({ reason: 'link.json is not a plain file' });
  });

  it('refuses to write a manifest for a directory holding a symlink', async () => {
    const dir = await checkpoint();
    symlinkSync('/etc', join(dir, 'escape'));
    await expect(writeCheckpointManifest(dir)).rejects.toThrow(/only plain files and directories/);
  });
});
