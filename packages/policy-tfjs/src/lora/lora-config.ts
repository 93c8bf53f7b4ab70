import { z } from '@trellis/core';

/** Projection names a LoRA adapter may target (Llama-family module suffixes). */
export const LORA_TARGET_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;

/** One allowed target module suffix. */
export type LoraTargetModule = (typeof LORA_TARGET_MODULES)[number];

const targetModule = z.enum(LORA_TARGET_MODULES, {
  error: (issue) => `unknown LoRA target module '${String(issue.input)}'; allowed: ${LORA_TARGET_MODULES.join(', ')}`,
});

/**
 * LoRA options. Every projection whose weight is named `*.<target>.weight` for a target in
 * `targetModules` gets a low-rank update `y = x W + scale * (x A) B` with `A [in, rank]`,
 * `B [rank, out]` and `scale = alpha / rank` (or `alpha / sqrt(rank)` with `useRslora`).
 */
export const LoraConfig = z
  .object({
    /** Rank r of the update (columns of A, rows of B). */
    rank: z.number().int().positive().default(8),
    /** Scaling numerator: the update is multiplied by `alpha / rank` (`alpha / sqrt(rank)` with `useRslora`). */
    alpha: z.number().positive().default(16),
    /** Rank-stabilised scaling (`alpha / sqrt(rank)`), PEFT's `use_rslora`. */
    useRslora: z.boolean().default(false),
    /** Dropout probability on the adapter's input while training (inverted scaling); 0 disables it. */
    dropout: z.number().min(0).lt(1).default(0),
    /** Module suffixes to adapt (`q_proj` matches `model.layers.<i>.self_attn.q_proj.weight`). */
    targetModules: z.array(targetModule).min(1).default(['q_proj', 'v_proj']),
    /** When saving, write merged full weights (`W + scale A B`) instead of an adapter. */
    merge: z.boolean().default(false),
  })
  .strict();

/** A resolved LoRA config (defaults applied). */
export type LoraConfig = z.output<typeof LoraConfig>;

/** LoRA options as written in config (defaults not yet applied). */
export type LoraConfigInput = z.input<typeof LoraConfig>;

/** The factor applied to `x A B`: `alpha / rank`, or `alpha / sqrt(rank)` with `useRslora`. */
export function loraScale(config: Pick<LoraConfig, 'rank' | 'alpha' | 'useRslora'>): number {
  return config.useRslora ? config.alpha / Math.sqrt(config.rank) : config.alpha / config.rank;
}
