import type { Reference } from '@trellis/core';
import { type ArithOp, evaluationSteps } from '../arithmetic/expression';
import { checkSolution, type SolutionError } from './check-solution';
import { findSteps } from './find-steps';
import { problemStructure } from './problem-structure';

const NOUN: Readonly<Record<ArithOp, string>> = {
  '+': 'addition',
  '-': 'subtraction',
  '*': 'multiplication',
  '/': 'division',
};
const OPS: readonly ArithOp[] = ['+', '-', '*', '/'];

/** `a`, `a and b`, `a, b and c`. */
function list(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Keys sorted by count (descending), ties in first-seen order. */
function byCount(counts: Map<string, number>): string[] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** A digit-free name of an error pattern. */
function errorPattern(e: SolutionError): string {
  switch (e.kind) {
    case 'arithmetic': {
      if (!e.expected) return 'an impossible division';
      const ops = [...new Set(e.step?.lhs.flatMap((t) => (t.kind === 'op' ? [t.op] : [])) ?? [])];
      return ops.length === 1
        ? `a wrong result in a ${NOUN[ops[0] as ArithOp]} line`
        : 'a wrong result in a line with several operations';
    }
    case 'order':
      return e.nextOperation === 'parentheses'
        ? 'working outside parentheses before inside them'
        : e.nextOperation === 'multiplication'
          ? 'adding or subtracting before multiplying or dividing'
          : 'not working from left to right';
    case 'operands':
      return 'using a number that is not in the expression at that point';
    case 'unfinished':
      return 'stopping before the expression is fully reduced';
    case 'no-answer':
      return 'leaving out the final answer';
    case 'final-answer':
      return 'a final answer that differs from the last result';
  }
}

/**
 * Principles distilled from other problems' trajectories (kind `abstraction`), without any
 * number from them (the text has no digit at all): the operations the trajectories used (most
 * used first), the order of work (for arithmetic expressions the rules their structure needed:
 * parentheses first, multiplication and division before addition and subtraction, left to
 * right; for word problems the most common order in which the operations first appear, each
 * line read in evaluation order, two orders when tied), whether
 * they wrote a single operation per line, the error patterns `checkSolution` finds in them, and
 * how they gave the final answer. Empty without references or when nothing was found.
 */
export function abstractPrinciples(references: readonly Reference[]): string {
  const opCounts = new Map<string, number>();
  const orders = new Map<string, number>();
  const errors = new Map<string, number>();
  const rules = new Set<string>();
  let steps = 0;
  let singleOp = true;
  let boxed = false;
  let hashes = false;
  for (const ref of references) {
    const structure = problemStructure(ref.question);
    const expression = structure.kind === 'expression';
    const found = findSteps(ref.text);
    const firstSeen: ArithOp[] = [];
    for (const s of found) {
      const written = s.lhs.filter((t) => t.kind === 'op').length;
      if (written !== 1) singleOp = false;
      const ops = (evaluationSteps(s.lhs) ?? []).map((r) => r.op);
      for (const op of ops) {
        bump(opCounts, op);
        if (!firstSeen.includes(op)) firstSeen.push(op);
      }
    }
    steps += found.length;
    if (expression) {
      const ops = new Set(structure.ops);
      if (structure.parentheses) rules.add('parentheses');
      if ((ops.has('*') || ops.has('/')) && (ops.has('+') || ops.has('-'))) rules.add('precedence');
      if (structure.ops.filter((op) => op === '+' || op === '-').length >= 2) rules.add('left-to-right');
    } else if (firstSeen.length >= 2) bump(orders, firstSeen.join(' '));
    const error = checkSolution(ref.text, expression ? ref.question : undefined).error;
    if (error) bump(errors, errorPattern(error));
    boxed ||= /\\boxed\s*\{/.test(ref.text);
    hashes ||= /####/.test(ref.text);
  }
  const lines: string[] = [];
  const used = [...opCounts.keys()].sort(
    (a, b) => (opCounts.get(b) ?? 0) - (opCounts.get(a) ?? 0) || OPS.indexOf(a as ArithOp) - OPS.indexOf(b as ArithOp),
  );
  if (used.length) lines.push(`- Operations used: ${list(used.map((op) => NOUN[op as ArithOp]))}.`);
  const order: string[] = [];
  if (rules.has('parentheses')) order.push('work inside parentheses first');
  if (rules.has('precedence')) order.push('multiply and divide before adding and subtracting');
  if (rules.has('left-to-right')) order.push('add and subtract from left to right');
  const top = Math.max(0, ...orders.values());
  const common = byCount(orders)
    .filter((k) => orders.get(k) === top)
    .slice(0, 2)
    .map((k) => {
      const [first, ...rest] = k.split(' ').map((op) => NOUN[op as ArithOp]);
      return `first ${first}, then ${rest.join(', then ')}`;
    });
  if (common.length) order.push(common.join('; or '));
  if (order.length) lines.push(`- Order of work: ${order.join('; ')}.`);
  if (steps > 0) {
    lines.push(
      singleOp
        ? '- Write a single operation per line and carry each result into the next line.'
        : '- Write each computation on its own line and carry each result forward.',
    );
  }
  const seen = byCount(errors);
  if (seen.length) lines.push(`- Errors to avoid: ${seen.join('; ')}.`);
  if (boxed) lines.push('- End with the final result alone in \\boxed{}.');
  else if (hashes) lines.push('- End with the final answer after ####.');
  return lines.length ? `Principles from related solutions:\n${lines.join('\n')}` : '';
}
