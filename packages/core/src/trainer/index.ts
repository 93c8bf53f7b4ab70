export type { ResumeCandidate, SkippedCheckpoint } from './checkpoint-scan';
export { CHECKPOINT_NAME, CheckpointScan, UnusableCheckpointsError } from './checkpoint-scan';
export { BatchCollector, rolloutSampling } from './collect-batch';
export type { CreateTrainerOptions } from './create-trainer';
export { createTrainer } from './create-trainer';
export type { EvaluateOptions, EvaluationSummary, ProblemEvaluation } from './evaluate';
export { evaluatePolicy } from './evaluate';
export { LEAN_ADAM_JS_THRESHOLD, LeanAdamOptimizer } from './lean-adam';
export { learningRateAt } from './lr-schedule';
export { MetricAccumulator } from './metric-accumulator';
export {
  encodeOptimizerState,
  loadOptimizerState,
  loadOptimizerStateFile,
  OPTIMIZER_FILE,
  restoreOptimizerState,
  saveOptimizerState,
} from './optimizer-state';
export { clipAndApply } from './optimizer-step';
export { majorityCorrect, passAtK } from './pass-at-k';
export type { PolicyUpdateDeps, UpdateResult } from './policy-update';
export { needsReference, PolicyUpdate } from './policy-update';
export type { RewardFailures } from './reward-scorer';
export { RewardScorer } from './reward-scorer';
export { advantageRows, buildAdvantageInput, maxCompletionLength, paddedTensor, scoreLogProbs } from './rollout-tensors';
export type { LogOffsets } from './run-directory';
export { RunDirectory } from './run-directory';
export type { RunLockInfo } from './run-lock';
export { LOCK_FILE, RunLock, RunLockedError } from './run-lock';
export type { TrainerParts, TrainOptions, TrainSummary } from './trainer';
export { NonFiniteLossError, Trainer } from './trainer';
export type { TrainerState } from './trainer-checkpoint';
export { latestCheckpoint, restoreCheckpoint, writeCheckpoint } from './trainer-checkpoint';
export { parseTrainerState, trainerStateSchema } from './trainer-state-schema';
export { TimeoutError, withTimeout } from './with-timeout';
