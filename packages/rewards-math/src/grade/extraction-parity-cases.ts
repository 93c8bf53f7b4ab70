import type { ExtractOptions } from '../extract/extract-answer';

/** Which extraction layer a case exercises. */
export type ExtractionFamily = 'boxes' | 'final-answer' | 'math-span' | 'number-fallback' | 'matrix-prose';

/**
 * A completion as a model might write it, its gold answer, and whether extract-then-grade (as
 * the `math-accuracy` reward does) should accept it. Written for this project.
 */
export interface ExtractionCase {
  readonly family: ExtractionFamily;
  readonly gold: string;
  readonly completion: string;
  readonly expected: boolean;
  readonly options?: ExtractOptions;
}

const yes = (family: ExtractionFamily, gold: string, completion: string, options?: ExtractOptions): ExtractionCase =>
  options ? { family, gold, completion, expected: true, options } : { family, gold, completion, expected: true };
const no = (family: ExtractionFamily, gold: string, completion: string, options?: ExtractOptions): ExtractionCase =>
  options ? { family, gold, completion, expected: false, options } : { family, gold, completion, expected: false };

const MATRIX = 'The product is \\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}.';

export const EXTRACTION_CASES: readonly ExtractionCase[] = [
  // several boxes in the final sentence
  yes('boxes', '\\{-3, 4\\}', '\\boxed{-3} and \\boxed{4}'),
  yes('boxes', '-3, 4', 'The solutions are $x = \\boxed{-3}$ and $x = \\boxed{4}$.'),
  yes('boxes', '4, 10', 'The boat moves at \\(\\boxed{10}\\) km/h and the current at \\(\\boxed{4}\\) km/h.'),
  yes('boxes', '(2, 5)', 'So $x = \\boxed{2}$, $y = \\boxed{5}$', { multipleBoxes: 'tuple' }),
  yes('boxes', '\\frac{639}{40}', 'That is $\\boxed{15\\frac{39}{40}}$, or $\\boxed{\\frac{639}{40}}$ inches.'),
  yes('boxes', '5', 'First guess \\boxed{3}.\nAfter checking, the answer is \\boxed{5}.'),
  yes('boxes', '7', 'We get \\boxed{7} and, again, \\boxed{7}.'),
  yes('boxes', '4', '\\boxed{-3} and \\boxed{4}', { multipleBoxes: 'last' }),
  no('boxes', '4', '\\boxed{-3} and \\boxed{4}'),
  no('boxes', '(4, -3)', '\\boxed{-3} and \\boxed{4}'),
  no('boxes', '\\{3, \\frac{1}{2}\\}', 'so \\boxed{3} then \\boxed{\\frac{1}{2}}.'),
  no('boxes', '3', 'First guess \\boxed{3}.\nAfter checking, the answer is \\boxed{5}.'),
  no('boxes', '15', 'That is $\\boxed{15\\frac{39}{40}}$, or $\\boxed{\\frac{639}{40}}$ inches.'),
  no('boxes', '(5, 2)', 'So $x = \\boxed{2}$, $y = \\boxed{5}$', { multipleBoxes: 'tuple' }),
  no('boxes', '\\{2, 5\\}', 'So $x = \\boxed{2}$ gives $y = \\boxed{5}$'),

  // "final answer is" sentences, searched inside for their math
  yes('final-answer', '12', 'Final Answer: The final answer is $12$. I hope it is correct.'),
  yes('final-answer', '\\frac{3}{4}', '**Answer:** $\\frac{3}{4}$'),
  yes('final-answer', '5', 'The answer is 5 because 2 + 3 = 5.'),
  yes('final-answer', '\\frac{\\sqrt{3}}{2}', 'Thus the answer is: \\(\\frac{\\sqrt{3}}{2}\\)'),
  yes('final-answer', '1 \\le x < 4', 'The final answer is $x \\in [1, 4)$.'),
  yes('final-answer', '2.5', 'So the answer is therefore 2.5.'),
  yes('final-answer', '42', 'The final answer is $42$ since both checks agree.'),
  no('final-answer', '1', 'Final Answer: The final answer is $12$. I hope it is correct.'),
  no('final-answer', '2', 'The answer is 5 because 2 + 3 = 5.'),
  no('final-answer', '\\frac{\\sqrt{2}}{2}', 'Thus the answer is: \\(\\frac{\\sqrt{3}}{2}\\)'),
  no('final-answer', '1 < x \\le 4', 'The final answer is $x \\in [1, 4)$.'),
  no('final-answer', '3', 'So the answer is therefore 2.5.'),
  no('final-answer', '\\text{correct}', 'Final Answer: The final answer is $12$. I hope it is correct.'),

  // the last math span in prose
  yes('math-span', '(2, 5)', 'So the point is $(2, 5)$.'),
  yes('math-span', '7', 'Thus \\(x = 7\\).'),
  yes('math-span', '\\frac{1}{2}', 'We obtain \\[\\frac{1}{2}\\]'),
  yes('math-span', '8', 'Adding them, $5 + 3 = 8$.'),
  yes('math-span', '6', 'The area is $2 \\cdot 3 = 6$, as required'),
  yes('math-span', '[-3, \\infty)', 'Hence $y \\geq -3$.'),
  yes('math-span', '\\sqrt{2}', 'It costs $5 and the ratio is $\\sqrt{2}$.'),
  yes('math-span', '9', 'We have $x = 2$, and so $$2^2 + 5 = 9.$$'),
  no('math-span', '5', 'So the point is $(2, 5)$.'),
  no('math-span', '-7', 'Thus \\(x = 7\\).'),
  no('math-span', '5', 'Adding them, $5 + 3 = 8$.'),
  no('math-span', '(-3, \\infty)', 'Hence $y \\geq -3$.'),
  no('math-span', '5', 'It costs $5 and the ratio is $\\sqrt{2}$.'),
  no('math-span', '2', 'We have $x = 2$, and so $$2^2 + 5 = 9.$$'),
  no('math-span', '9', 'The plane is $x + y - 9 = 0$.'),

  // numbers standing on their own
  yes('number-fallback', '7', 'Option AB4C is wrong; the count is 7.'),
  yes('number-fallback', '15', 'It costs $5 and $10 more, 15 in total.'),
  yes('number-fallback', '12', 'The rope is 12cm long'),
  yes('number-fallback', '30', 'Room B12 holds 30 students'),
  no('number-fallback', '4', 'Option AB4C'),
  no('number-fallback', '4', 'Option AB4C is wrong; the count is 7.'),
  no('number-fallback', '12', 'Room B12 holds 30 students'),
  no('number-fallback', '4', 'the value is x2 + 3y4'),
  no('number-fallback', '5', 'It costs $5 and $10 more, 15 in total.'),

  // matrices written in prose
  yes('matrix-prose', '\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}', MATRIX),
  yes('matrix-prose', '\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}', MATRIX),
  yes(
    'matrix-prose',
    '\\begin{pmatrix} 0 \\\\ -1 \\end{pmatrix}',
    'First $a = 2$. The vector is \\begin{pmatrix} 0 \\\\ -1 \\end{pmatrix}',
  ),
  no('matrix-prose', '\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}', MATRIX),
  no('matrix-prose', '4', MATRIX),
  no('matrix-prose', '2', 'First $a = 2$. The vector is \\begin{pmatrix} 0 \\\\ -1 \\end{pmatrix}'),
];
