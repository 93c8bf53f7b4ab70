import type { AdvantageInput } from '../advantage/advantage-estimator';
import { denseIndex } from '../advantage/dense-index';
import type { Rng } from '../rng/rng';

/** Options of {@link advantageInputOf}. */
export interface AdvantageInputOptions {
  /** Rewards per row (default: random, about half 1 + noise, half noise). */
  readonly rewards?: readonly number[];
  /**
   * Sub-groups per group: row j of a group sits in sub-group `j % subGroups` of that group, as a
   * strategy that mixes kinds of context (LANPO) labels its rollouts. Default 1 (sub-group = group).
   */
  readonly subGroups?: number;
}

/**
 * A random batch whose groups have the given sizes (rows in batch order, group by group), with
 * everything an estimator could require: masks, old and reference per-token log-probs and their
 * sequence sums and means. Indices are dense in first-seen order, as the trainer builds them.
 */
export function advantageInputOf(rng: Rng, sizes: readonly number[], options: AdvantageInputOptions = {}): AdvantageInput {
  const groupIndex = sizes.flatMap((size, g) => Array.from({ length: size }, () => g));
  const n = groupIndex.length;
  const k = Math.max(1, options.subGroups ?? 1);
  const lengths = Array.from({ length: n }, () => 1 + rng.int(12));
  const masks = lengths.map((l) => Array.from({ length: l }, () => 1));
  const oldLogProbs = lengths.map((l) => Array.from({ length: l }, () => -rng.next() * 3));
  const refLogProbs = lengths.map((l) => Array.from({ length: l }, () => -rng.next() * 3));
  const sums = oldLogProbs.map((r) => r.reduce((a, b) => a + b, 0));
  const slot = sizes.flatMap((size) => Array.from({ length: size }, (_, j) => j));
  return {
    rewards: options.rewards ?? Array.from({ length: n }, () => (rng.next() < 0.5 ? 1 : 0) + rng.next() * 0.1),
    groupIndex,
    numGroups: sizes.length,
    subGroupIndex: denseIndex(groupIndex.map((g, i) => `${g}:${(slot[i] as number) % k}`)).index,
    lengths,
    masks,
    oldSeqLogProbSum: sums,
    oldSeqLogProbMean: sums.map((s, i) => s / (lengths[i] as number)),
    oldLogProbs,
    refLogProbs,
  };
}

/** Build a random batch of `groups` x `size` with everything an estimator could require. */
export function randomAdvantageInput(rng: Rng, groups: number, size: number, rewards?: number[]): AdvantageInput {
  return advantageInputOf(
    rng,
    Array.from({ length: groups }, () => size),
    rewards ? { rewards } : {},
  );
}

const pick = <T>(xs: readonly T[] | undefined, rows: readonly number[]): T[] | undefined =>
  xs ? rows.map((r) => xs[r] as T) : undefined;

/**
 * The batch made of `rows` of `input`, in that order (a permutation reorders it; a subset cuts it):
 * every per-row field follows its row; group and sub-group ids are made dense again.
 */
export function selectRows(input: AdvantageInput, rows: readonly number[]): AdvantageInput {
  const groups = denseIndex(rows.map((r) => input.groupIndex[r] as number));
  const rest = {
    oldSeqLogProbSum: pick(input.oldSeqLogProbSum, rows),
    oldSeqLogProbMean: pick(input.oldSeqLogProbMean, rows),
    oldLogProbs: pick(input.oldLogProbs, rows),
    refLogProbs: pick(input.refLogProbs, rows),
    outcomeRewards: pick(input.outcomeRewards, rows),
    klPenalty: pick(input.klPenalty, rows),
  };
  return {
    rewards: pick(input.rewards, rows) ?? [],
    groupIndex: groups.index,
    numGroups: groups.count,
    subGroupIndex: denseIndex(rows.map((r) => input.subGroupIndex[r] as number)).index,
    lengths: pick(input.lengths, rows) ?? [],
    masks: pick(input.masks, rows) ?? [],
    ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
  };
}

/** Batch indices of group `g`'s rows, in batch order. */
export const rowsOfGroup = (input: AdvantageInput, g: number): number[] =>
  input.groupIndex.flatMap((x, i) => (x === g ? [i] : []));
