import { z } from '@trellis/core';

/** Options of relevant abstraction (`rollout.options.abstraction`). */
export const abstractionOptions = z
  .object({
    /** Pre-filter: at most this many global-store trajectories, most similar first, are judged for relevance. */
    candidates: z.number().int().min(1).default(4),
    /** Pre-filter: minimum `questionSimilarity` (character-trigram Jaccard, digits as `#`) of a candidate. */
    minSimilarity: z.number().min(0).max(1).default(0),
    /** Ask a `relevance` request per candidate and keep those scoring `relevanceThreshold` or more; false keeps every candidate (ablation). */
    relevanceFilter: z.boolean().default(true),
    /** Relevance score (0..1) a candidate needs to be kept; 0.9 as reported for LANPO. */
    relevanceThreshold: z.number().min(0).max(1).default(0.9),
    /** At most this many kept trajectories go into the `abstraction` request (most similar first). */
    maxReferences: z.number().int().min(1).default(3),
    /** Principles of a problem are reused for this many steps before they are asked for again (0: never cached). */
    cacheSteps: z.number().int().min(0).default(16),
    /** Most problems whose principles are cached (least recently written evicted first). */
    cacheSize: z.number().int().min(1).default(1024),
    /** Feedback provider (its config `name`) for `relevance` and `abstraction`; default: the first configured one that answers the kind. */
    provider: z.string().min(1).optional(),
  })
  .strict();

export type AbstractionOptions = z.output<typeof abstractionOptions>;
