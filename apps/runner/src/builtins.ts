import type { PluginLoader } from '@trellis/core';

/**
 * Built-in plugins by alias. Every alias is loaded for every command; a config may name further
 * plugins by npm package name or path. Loading a manifest registers nothing.
 */
export const BUILTIN_PLUGINS: Readonly<Record<string, PluginLoader>> = {
  core: async () => ({ default: (await import('@trellis/core')).corePlugin }),
  'policy-tfjs': () => import('@trellis/policy-tfjs'),
  'rewards-math': () => import('@trellis/rewards-math'),
  'algo-grpo': () => import('@trellis/algo-grpo'),
  'algo-lambdapo': () => import('@trellis/algo-lambdapo'),
  'algo-lanpo': () => import('@trellis/algo-lanpo'),
  'algo-multiturn': () => import('@trellis/algo-multiturn'),
  'feedback-openai': () => import('@trellis/feedback-openai'),
};
