import { inject, injectable, type MetricsRecord, type MetricsSink, Tokens, z } from '@trellis/core';

/** Options of the `multiturn-console` metrics sink. */
export const multiturnConsoleOptions = z
  .object({
    /** Print every n-th step (1 = every step). */
    every: z.number().int().min(1).default(1),
  })
  .strict();

const pct = (v: number | undefined) => (v === undefined ? '-' : `${(100 * v).toFixed(0)}%`);
const num = (v: number | undefined, digits = 3) => (v === undefined ? '-' : Number(v.toPrecision(digits)).toString());

/** One line of a step's multi-turn metrics (see the package README for the names). */
export function multiturnLine(record: MetricsRecord): string {
  const v = record.values;
  const turns = Object.keys(v)
    .map((k) => /^multiturn\/solve_rate\/turn(\d+)$/.exec(k)?.[1])
    .filter((t): t is string => t !== undefined)
    .sort((a, b) => Number(a) - Number(b))
    .map((t) => `t${t} ${pct(v[`multiturn/solve_rate/turn${t}`])}`);
  return [
    `multiturn step ${record.step}: trigger ${pct(v['multiturn/trigger_rate'])}`,
    `solved ${turns.join(' ') || '-'}`,
    `regen GRPO groups ${v['multiturn/regen_groups_trained'] ?? 0}`,
    `pairs ${v['multiturn/pairs'] ?? 0} (trained ${v['update/pairs'] ?? 0}, dropped ${v['update/dropped_pairs'] ?? 0})`,
    `Delta ${num(v['loss/fco/delta_mean'])}`,
    `FCO ${num(v['loss/fco/fco_loss'])}`,
    `feedback ${v['multiturn/feedback_calls'] ?? 0} calls, ${v['multiturn/feedback_leaks'] ?? 0} leaks, ${v['multiturn/feedback_failures'] ?? 0} failed`,
  ].join(' | ');
}

/**
 * Prints {@link multiturnLine} to stderr for step records (a line of its own, after the progress
 * display's); the numbers themselves are in `metrics.jsonl` either way.
 */
@injectable()
export class MultiturnConsoleSink implements MetricsSink {
  readonly id = 'multiturn-console';
  private readonly every: number;
  /** Where lines go (stderr; tests replace it). */
  out: (line: string) => void = (line) => {
    process.stderr.write(`${line}\n`);
  };
  constructor(@inject(Tokens.ChoiceOptions) options: z.input<typeof multiturnConsoleOptions> = {}) {
    this.every = multiturnConsoleOptions.parse(options ?? {}).every;
  }
  write(record: MetricsRecord): void {
    if (record.kind === 'step' && record.step % this.every === 0) this.out(multiturnLine(record));
  }
}
