import { type CatalogEntry, CORE_API_VERSION, catalogModule, definePlugin } from '@trellis/core';
import pkg from '../package.json' with { type: 'json' };
import { arithmeticOptions, resolveArithmeticOptions } from './arithmetic/arithmetic-options';
import { ArithmeticTask } from './arithmetic/arithmetic-task';
import { MathAnswerLeakGuard } from './feedback/math-answer-leak-guard';
import { MathVerifierFeedback, mathVerifierOptions } from './feedback/math-verifier-feedback';
import { jsonlOptions, resolveJsonlOptions } from './jsonl/jsonl-options';
import { JsonlTask } from './jsonl/jsonl-task';
import { FormatReward, formatOptions } from './rewards/format-reward';
import { MathAccuracyReward, mathAccuracyOptions } from './rewards/math-accuracy-reward';

export { ARITHMETIC_ALPHABET } from './arithmetic/arithmetic-alphabet';
export type { ArithmeticOptions } from './arithmetic/arithmetic-options';
export { arithmeticOptions, resolveArithmeticOptions } from './arithmetic/arithmetic-options';
export { ArithmeticTask } from './arithmetic/arithmetic-task';
export type { CorruptedSolution, CorruptionKind } from './arithmetic/corrupt-solution';
export { corruptArithmeticSolution } from './arithmetic/corrupt-solution';
export type { ArithOp, ExprToken, ReductionStep } from './arithmetic/expression';
export { evaluateTokens, evaluationSteps, formatTokens, parseArithmetic } from './arithmetic/expression';
export type { ArithmeticItem } from './arithmetic/generate-arithmetic';
export { drawArithmetic } from './arithmetic/generate-arithmetic';
export { splitOf } from './arithmetic/split-of';
export { explicitAnswer } from './extract/explicit-answer';
export type { AnswerSource, ExtractedAnswer, ExtractOptions, MultipleBoxes } from './extract/extract-answer';
export { countBoxed, extractAnswer } from './extract/extract-answer';
export { abstractPrinciples } from './feedback/abstraction';
export type { TextSpan } from './feedback/answer-spans';
export { answerSpans } from './feedback/answer-spans';
export type { SolutionCheck, SolutionError, SolutionErrorKind } from './feedback/check-solution';
export { checkSolution } from './feedback/check-solution';
export { PRINTABLE_ASCII, tokenizerAlphabet } from './feedback/feedback-alphabet';
export type { SolutionStep } from './feedback/find-steps';
export { findSteps } from './feedback/find-steps';
export type { GuardResult } from './feedback/leak-guard';
export { containsGold, guardLeak, REDACTION } from './feedback/leak-guard';
export { MathAnswerLeakGuard } from './feedback/math-answer-leak-guard';
export type { MathVerifierOptions } from './feedback/math-verifier-feedback';
export { MathVerifierFeedback, mathVerifierOptions, REFLECTION_DECLINED } from './feedback/math-verifier-feedback';
export type { NumberWordSpan } from './feedback/number-words';
export { numberWordSpans } from './feedback/number-words';
export type { ProblemKind, ProblemStructure } from './feedback/problem-structure';
export { CUE_WORDS, problemStructure } from './feedback/problem-structure';
export type { RelevanceParts, RelevanceResult } from './feedback/relevance';
export { describeRelevance, relevance } from './feedback/relevance';
export type { GradeMethod, GradeOptions, GradeResult } from './grade/grade-answer';
export { DEFAULT_GRADE_TIMEOUT_MS, DEFAULT_MAX_ANSWER_LENGTH, DEFAULT_REL_TOL, gradeAnswer } from './grade/grade-answer';
export type { MathjsExpression } from './grade/latex-to-mathjs';
export { latexToMathjs } from './grade/latex-to-mathjs';
export type { RelationOp } from './grade/parse-relation';
export type { AnswerStructure } from './grade/parse-structure';
export { parseStructure } from './grade/parse-structure';
export type { CorruptedWorkedSolution } from './gsm8k/corrupt-worked-solution';
export { corruptWorkedSolution } from './gsm8k/corrupt-worked-solution';
export type { FieldMap, JsonlOptions } from './jsonl/jsonl-options';
export { JSONL_PRESETS, jsonlOptions, resolveJsonlOptions } from './jsonl/jsonl-options';
export { JsonlTask } from './jsonl/jsonl-task';
export type { JsonlIssue, ParseJsonlSettings } from './jsonl/parse-jsonl-problems';
export { parseJsonlProblems } from './jsonl/parse-jsonl-problems';
export { compactAnswer, normalizeAnswer } from './normalize/normalize-answer';
export { Rational } from './rational/rational';
export type { FormatOptions } from './rewards/format-reward';
export { FormatReward, formatOptions } from './rewards/format-reward';
export type { MathAccuracyOptions } from './rewards/math-accuracy-reward';
export { MathAccuracyReward, mathAccuracyOptions } from './rewards/math-accuracy-reward';

/** Preset of the math tasks: feedback runs behind the math-aware leak guard. */
export const MATH_TASK_PRESET = { leakGuards: [{ use: 'math-answer' }] } as const;

/** Every catalog entry of this plugin. */
export const rewardsMathCatalog: readonly CatalogEntry[] = [
  {
    slot: 'reward',
    id: 'math-accuracy',
    description:
      '1 when the extracted final answer is equivalent to the gold answer (string, numeric, symbolic, structural), else 0.',
    optionsSchema: mathAccuracyOptions,
    service: MathAccuracyReward,
  },
  {
    slot: 'reward',
    id: 'format',
    description: 'Format checks: number of \\boxed{} answers, box at the end, required <tag> blocks.',
    optionsSchema: formatOptions,
    service: FormatReward,
  },
  {
    slot: 'task',
    id: 'arithmetic',
    description: 'Seeded multi-step arithmetic (12+7*3=?) with one-operation-per-line solutions; disjoint train/test.',
    optionsSchema: arithmeticOptions,
    service: ArithmeticTask,
    resolveOptions: resolveArithmeticOptions,
    preset: MATH_TASK_PRESET,
  },
  {
    slot: 'task',
    id: 'jsonl',
    description: 'Problems from a JSONL file with a field mapping (presets gsm8k, math, aime, custom).',
    optionsSchema: jsonlOptions,
    service: JsonlTask,
    resolveOptions: resolveJsonlOptions,
    preset: MATH_TASK_PRESET,
  },
  {
    slot: 'feedback',
    id: 'math-verifier',
    description:
      'Rule-based feedback: exact step checking for critiques (prose or compact hints) and merges, structural relevance, digit-free abstractions.',
    optionsSchema: mathVerifierOptions,
    service: MathVerifierFeedback,
  },
  {
    slot: 'guard',
    id: 'math-answer',
    description:
      'Leak guard that finds the gold answer in any equivalent form (30, 30.0, \\boxed{30}, 60/2, thirty, 25% = 0.25).',
    service: MathAnswerLeakGuard,
  },
];

/** Plugin manifest of @trellis/rewards-math. Registers nothing until `createModule` is called. */
export default definePlugin({
  id: 'rewards-math',
  packageName: pkg.name,
  version: pkg.version,
  description: pkg.description,
  coreApi: CORE_API_VERSION,
  provides: {
    reward: ['math-accuracy', 'format'],
    task: ['arithmetic', 'jsonl'],
    feedback: ['math-verifier'],
    guard: ['math-answer'],
  },
  createModule: () => catalogModule(rewardsMathCatalog),
});
export { ARITHMETIC_FORMATS, type ArithmeticFormat } from './arithmetic/arithmetic-format-names';
export { drawFormat, formatExample, shapeOf } from './arithmetic/arithmetic-formats';
