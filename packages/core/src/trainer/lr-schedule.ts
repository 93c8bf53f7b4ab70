/**
 * Learning rate at a step (0-based): linear warm-up from 0 to `peak` over `warmupSteps`, then
 * constant, or cosine decay to 0 at `totalSteps`.
 */
export function learningRateAt(
  step: number,
  options: { peak: number; warmupSteps: number; totalSteps: number; schedule: 'constant' | 'cosine' },
): number {
  const { peak, warmupSteps, totalSteps, schedule } = options;
  if (warmupSteps > 0 && step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
  if (schedule === 'constant') return peak;
  const span = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - warmupSteps) / span));
  return 0.5 * peak * (1 + Math.cos(Math.PI * progress));
}
