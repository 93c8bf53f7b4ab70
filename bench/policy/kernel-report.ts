import * as tf from '@tensorflow/tfjs';

/**
 * Profile one call of `fn` and print its kernels grouped by name, slowest first (top 14). With
 * `BENCH_BY_SHAPE=1` in the environment, grouped by name and input shapes instead (top 30).
 */
export async function kernelReport(name: string, fn: () => Promise<unknown> | unknown, prefix = ''): Promise<void> {
  const env = process.env;
  const byShape = env.BENCH_BY_SHAPE === '1';
  const info = await tf.profile(async () => {
    await fn();
  });
  const by = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    const key = byShape ? `${k.name} ${JSON.stringify(k.inputShapes)}` : k.name;
    const e = by.get(key) ?? { ms: 0, n: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.n++;
    by.set(key, e);
  }
  const total = [...by.values()].reduce((a, b) => a + b.ms, 0);
  console.log(`\n${name}: ${prefix}${info.kernels.length} kernels, ${total.toFixed(1)} ms in kernels`);
  for (const [k, e] of [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, byShape ? 30 : 14)) {
    console.log(`  ${k.padEnd(22)} ${e.ms.toFixed(1).padStart(8)} ms  x${e.n}`);
  }
}
