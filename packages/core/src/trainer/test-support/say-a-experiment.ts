/**
 * The trainer tests' experiment: the bigram policy learning to start with `a`, through core's
 * clip objective with a small KL; `trainer` settings override the shared ones.
 */
export function sayAExperiment(trainer: Record<string, unknown>) {
  return {
    seed: 3,
    policy: { use: 'bigram' },
    task: { use: 'say-a' },
    rollout: { use: 'groups' },
    advantage: { use: 'mean-baseline' },
    objective: { use: 'clip', options: { kl: { coef: 0.01 } } },
    rewards: [{ use: 'starts-with-a' }],
    trainer: {
      evalProblems: 8,
      checkpointEvery: 1,
      accuracyReward: 'starts-with-a',
      sampling: { maxNewTokens: 4 },
      ...trainer,
    },
  };
}
