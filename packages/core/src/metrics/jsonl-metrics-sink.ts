import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inject, injectable } from 'inversify';
import { z } from 'zod';
import { Tokens } from '../tokens';
import type { MetricsRecord, MetricsSink } from './metrics-sink';

export const jsonlSinkOptions = z
  .object({
    /** File to append records to (in a config: relative to the config file that sets it). */
    path: z.string().min(1),
    /** Which record kinds to write. */
    kinds: z.array(z.enum(['step', 'eval', 'event'])).default(['step', 'eval', 'event']),
  })
  .strict();

/** Appends records as JSON lines to a file of your choice (the run directory always has its own metrics.jsonl). */
@injectable()
export class JsonlMetricsSink implements MetricsSink {
  readonly id = 'jsonl';
  private readonly path: string;

  constructor(@inject(Tokens.ChoiceOptions) private readonly options: z.output<typeof jsonlSinkOptions>) {
    this.path = resolve(options.path);
    mkdirSync(dirname(this.path), { recursive: true });
  }

  write(record: MetricsRecord): void {
    if (this.options.kinds.includes(record.kind)) appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }
}
