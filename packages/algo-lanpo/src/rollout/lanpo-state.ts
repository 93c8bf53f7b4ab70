import { z } from '@trellis/core';
import { abstractionCacheSchema } from '../abstraction/relevant-abstraction';
import { scheduleStateSchema } from './problem-schedule';

/** The `lanpo` strategy's checkpointed state (`trainer-state.json` `strategy`). */
export const lanpoStateSchema = z
  .object({
    version: z.literal(1),
    /** The experience pool (`ExperiencePool.toJSON`, validated by `poolStateSchema`). */
    pool: z.unknown(),
    abstractionCache: abstractionCacheSchema,
    schedule: scheduleStateSchema,
  })
  .strict();

export type LanpoState = z.output<typeof lanpoStateSchema>;
