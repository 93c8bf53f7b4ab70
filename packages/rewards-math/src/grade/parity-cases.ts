/**
 * Families of answers on which a grader used for RL rewards is expected to behave like
 * Math-Verify (https://github.com/huggingface/Math-Verify): relations, chained inequalities and
 * intervals, sets of solutions, roots on their real branch, `\cfrac`, thousands separators, and
 * gold answers written with their dataset's markup. Written for this project; each positive case
 * has negative controls next to it that differ in one detail.
 */
export type ParityFamily =
  | 'relation'
  | 'chain-interval'
  | 'solution-set'
  | 'root'
  | 'fraction-macro'
  | 'thousands'
  | 'gold-markup'
  | 'equation-rhs';

/** One gold/prediction pair and the expected verdict. */
export interface ParityCase {
  readonly family: ParityFamily;
  readonly gold: string;
  readonly pred: string;
  readonly expected: boolean;
}

const yes = (family: ParityFamily, gold: string, pred: string): ParityCase => ({ family, gold, pred, expected: true });
const no = (family: ParityFamily, gold: string, pred: string): ParityCase => ({ family, gold, pred, expected: false });

export const PARITY_CASES: readonly ParityCase[] = [
  // relations: spellings, flipped sides, negated and scaled forms
  yes('relation', 'y \\le 3', 'y \\leq 3'),
  yes('relation', 'y \\le 3', 'y<=3'),
  yes('relation', 'y \\le 3', '3 \\ge y'),
  yes('relation', 'y \\le 3', '-y \\geq -3'),
  yes('relation', 'y \\le 3', 'y \u2264 3'),
  yes('relation', 'y \\le 3', '2y \\le 6'),
  yes('relation', 'y \\le 3', '$y \\leqslant 3$'),
  yes('relation', 'x > -2', '-2 < x'),
  yes('relation', 'x > -2', 'x \\gt -2'),
  yes('relation', 'x > -2', '-x < 2'),
  yes('relation', 'a \\ge \\frac{1}{2}', 'a \\geqslant 0.5'),
  yes('relation', 'a \\ge \\frac{1}{2}', '\\frac12 \\le a'),
  yes('relation', 'x \\ne 4', 'x \\neq 4'),
  yes('relation', 'x \\ne 4', 'x != 4'),
  yes('relation', 'x \\ne 4', '4 \\ne x'),
  yes('relation', 'x \\ne 4', 'x \u2260 4'),
  yes('relation', 't < 7', 't \\lt 7'),
  yes('relation', 'x + y \\le 10', '10 \\ge y + x'),
  yes('relation', 'x^2 < 9', '2x^2 < 18'),
  yes('relation', 'k \\ge -1', '-k \\le 1'),
  yes('relation', 'n > 2', '2 - n < 0'),
  yes('relation', 'p \\le \\frac{3}{4}', 'p \\le 0.75'),
  yes('relation', 'x \\ge 5', 'x \u2a7e 5'),
  no('relation', 'y \\le 3', 'y < 3'),
  no('relation', 'y \\le 3', 'y \\ge 3'),
  no('relation', 'y \\le 3', '3 \\le y'),
  no('relation', 'y \\le 3', 'x \\le 3'),
  no('relation', 'y \\le 3', 'y \\le -3'),
  no('relation', 'y \\le 3', '-y \\le -3'),
  no('relation', 'y \\le 3', '3'),
  no('relation', 'y \\le 3', 'y = 3'),
  no('relation', 'y \\le 3', 'y \\le 3.001'),
  no('relation', 'x > -2', 'x > 2'),
  no('relation', 'x > -2', 'x \\ge -2'),
  no('relation', 'x > -2', '-x > 2'),
  no('relation', 'a \\ge \\frac{1}{2}', 'a \\ge 2'),
  no('relation', 'x \\ne 4', 'x = 4'),
  no('relation', 'x \\ne 4', 'x \\ne -4'),
  no('relation', 'x \\ne 4', 'x < 4'),
  no('relation', 't < 7', 't > 7'),
  no('relation', 'x + y \\le 10', 'x - y \\le 10'),
  no('relation', 'x + y \\le 10', 'x + y \\ge 10'),
  no('relation', 'x^2 < 9', 'x < 3'),
  no('relation', 'k \\ge -1', 'k \\ge 1'),
  no('relation', 'n > 2', 'n - 2 < 0'),
  no('relation', 'x \\ge 5', '5'),

  // chained inequalities and the intervals they describe (either side may be the gold)
  yes('chain-interval', 'y \\in [1, 4)', '1 \\le y < 4'),
  yes('chain-interval', '[1, 4)', '1 \\le x < 4'),
  yes('chain-interval', '[1, 4)', '4 > x \\ge 1'),
  yes('chain-interval', '(-2, 5]', '-2 < t \\le 5'),
  yes('chain-interval', '(0, \\infty)', 'x > 0'),
  yes('chain-interval', '[3, \\infty)', 'x \\ge 3'),
  yes('chain-interval', '(-\\infty, 2)', 'x < 2'),
  yes('chain-interval', '(-\\infty, -1]', '-1 \\ge x'),
  yes('chain-interval', '(-\\infty, 5]', '-x \\ge -5'),
  yes('chain-interval', '(-1, 1)', '-1 < x < 1'),
  yes('chain-interval', '1 \\le y < 4', '[1, 4)'),
  yes('chain-interval', '1 \\le y < 4', '4 > y \\ge 1'),
  yes('chain-interval', '1 \\le y < 4', '-4 < -y \\le -1'),
  yes('chain-interval', '\\left(\\frac{1}{2}, 3\\right)', '\\frac12 < x < 3'),
  yes('chain-interval', '(1, 3)', '2 < 2x < 6'),
  yes('chain-interval', '[0, 2\\pi)', '0 \\le \\theta < 2\\pi'),
  yes('chain-interval', '(-\\infty, 1) \\cup (4, \\infty)', 'x < 1 \\text{ or } x > 4'),
  yes('chain-interval', '(-\\infty, 1) \\cup (4, \\infty)', 'x > 4 or x < 1'),
  yes('chain-interval', '(-\\infty, 3) \\cup (3, \\infty)', 'x \\ne 3'),
  yes('chain-interval', 'x \\ne 3', '(-\\infty,3)\\cup(3,\\infty)'),
  yes('chain-interval', 'x \\ge 0', '[0, +\\infty)'),
  no('chain-interval', '[1, 4)', '1 < x < 4'),
  no('chain-interval', '[1, 4)', '1 \\le x \\le 4'),
  no('chain-interval', '[1, 4)', '1 \\le x < 5'),
  no('chain-interval', '(0, \\infty)', 'x \\ge 0'),
  no('chain-interval', '(0, \\infty)', 'x < 0'),
  no('chain-interval', '(-\\infty, 2)', 'x > 2'),
  no('chain-interval', '(-1, 1)', '-1 < x'),
  no('chain-interval', '1 \\le y < 4', '1 \\le x < 4'),
  no('chain-interval', '1 \\le y < 4', '[1, 4]'),
  no('chain-interval', '1 \\le y < 4', '1 \\le y'),
  no('chain-interval', '(-\\infty, 1) \\cup (4, \\infty)', '1 < x < 4'),
  no('chain-interval', '(-\\infty, 1) \\cup (4, \\infty)', 'x < 1 \\text{ or } x \\ge 4'),
  no('chain-interval', '(-\\infty, 1) \\cup (4, \\infty)', 'x < 1 \\text{ or } y > 4'),
  no('chain-interval', 'x \\ne 3', '(-\\infty, 3] \\cup [3, \\infty)'),
  no('chain-interval', '(1, 3)', '1 < 2x < 3'),
  no('chain-interval', '[0, 2\\pi)', '0 \\le \\theta \\le 2\\pi'),
  no('chain-interval', '(-\\infty, 5]', 'x \\ge -5'),
  no('chain-interval', '(-\\infty, -1]', 'x \\le 1'),
  no('chain-interval', '[3, \\infty)', 'x \\ge 3, x \\le 9'),

  // sets of solutions
  yes('solution-set', '\\{-3, 4\\}', 'x = -3 \\text{ or } x = 4'),
  yes('solution-set', '\\{-3, 4\\}', 'x=4, x=-3'),
  yes('solution-set', '-3, 4', 'x \\in \\{4, -3\\}'),
  yes('solution-set', '\\{-3, 4\\}', '-3 \\text{ and } 4'),
  yes('solution-set', '\\{2, -2\\}', 'x = \\pm 2'),
  yes('solution-set', '\\pm 2', 'x = 2, x = -2'),
  yes('solution-set', '2, -2', '\\pm 2'),
  yes('solution-set', '1, 2, 3', 'x_1 = 1, x_2 = 2, x_3 = 3'),
  yes('solution-set', '\\left\\{\\frac12, -1\\right\\}', 'x = 0.5 \\text{ or } x = -1'),
  yes('solution-set', '5', 'x = 5, x = 5'),
  yes('solution-set', '\\{1\\}', 'x = 1'),
  yes('solution-set', '1 \\pm \\sqrt{3}', 'x = 1 + \\sqrt3 \\text{ or } x = 1 - \\sqrt 3'),
  no('solution-set', '\\{-3, 4\\}', 'x = -3'),
  no('solution-set', '\\{-3, 4\\}', 'x = 3 \\text{ or } x = 4'),
  no('solution-set', '\\{-3, 4\\}', '-3 \\text{ and } -4'),
  no('solution-set', '\\{2, -2\\}', 'x = 2'),
  no('solution-set', '\\{2, -2\\}', 'x = \\pm 3'),
  no('solution-set', '1, 2, 3', '1, 2'),
  no('solution-set', '1, 2, 3', '1, 2, 3, 4'),
  no('solution-set', '5', 'x = 5, x = -5'),
  no('solution-set', '\\{1\\}', 'x = -1'),
  no('solution-set', '1 \\pm \\sqrt{3}', 'x = 1 + \\sqrt3'),
  no('solution-set', '\\pm 2', 'x = 2, y = -2'),

  // roots and powers on their real branch
  yes('root', '\\sqrt[3]{y^2}', 'y^{2/3}'),
  yes('root', '\\sqrt[3]{x}', 'x^{1/3}'),
  yes('root', 'x^{\\frac{1}{3}}', '\\sqrt[3]{x}'),
  yes('root', '\\sqrt[5]{t^3}', 't^{3/5}'),
  yes('root', 'x^{-1/3}', '\\frac{1}{\\sqrt[3]{x}}'),
  yes('root', '(-8)^{1/3}', '-2'),
  yes('root', '(-27)^{2/3}', '9'),
  yes('root', 'y^{3/2}', '\\sqrt{y^3}'),
  yes('root', '\\sqrt{x^3}', 'x\\sqrt{x}'),
  yes('root', '\\sqrt[3]{-x}', '-\\sqrt[3]{x}'),
  yes('root', 'a^{2/3}b^{1/3}', '\\sqrt[3]{a^2 b}'),
  yes('root', 'x^{1/2}', '\\sqrt{x}'),
  no('root', '\\sqrt[3]{y^2}', 'y^{3/2}'),
  no('root', '\\sqrt[3]{x}', 'x^{1/2}'),
  no('root', 'x^{1/3}', '-\\sqrt[3]{x}'),
  no('root', '(-8)^{1/3}', '2'),
  no('root', '\\sqrt[3]{y^2}', 'y^2'),
  no('root', '\\sqrt{x}', '\\sqrt[3]{x}'),
  no('root', 'x^{2/3}', 'x^{3/2}'),
  no('root', '\\sqrt[3]{-x}', '\\sqrt[3]{x}'),
  no('root', 't^{3/5}', 't^{5/3}'),
  no('root', '\\sqrt{x^2}', 'x'),
  no('root', '(-27)^{2/3}', '-9'),
  no('root', '\\frac{1}{\\sqrt[3]{x}}', 'x^{1/3}'),

  // \cfrac and friends
  yes('fraction-macro', '\\frac{2}{5}', '\\cfrac{2}{5}'),
  yes('fraction-macro', '\\frac{1}{1+\\frac{1}{2}}', '\\cfrac{1}{1+\\cfrac{1}{2}}'),
  yes('fraction-macro', '\\frac{2}{3}', '\\cfrac[l]{2}{3}'),
  yes('fraction-macro', '0.4', '\\cfrac{2}{5}'),
  yes('fraction-macro', '\\frac{2}{3}', '\\cfrac{1}{1+\\cfrac{1}{2}}'),
  no('fraction-macro', '\\frac{2}{5}', '\\cfrac{5}{2}'),
  no('fraction-macro', '\\frac{3}{4}', '\\cfrac{1}{1+\\cfrac{1}{2}}'),
  no('fraction-macro', '\\frac{1}{3}', '\\cfrac{1}{2}'),
  no('fraction-macro', '0.4', '\\cfrac{4}{5}'),
  no('fraction-macro', '\\frac{2}{3}', '\\cfrac[r]{3}{2}'),

  // thousands separators only when unambiguous; a comma and a space separate answers
  yes('thousands', '21,456', '21456'),
  yes('thousands', '1,000,000', '1000000'),
  yes('thousands', '21, 456', '456, 21'),
  yes('thousands', '21, 456', '\\{21, 456\\}'),
  yes('thousands', '12{,}500', '12500'),
  yes('thousands', '3,\\!000', '3000'),
  yes('thousands', '7, 8', '8,7'),
  no('thousands', '21, 456', '21456'),
  no('thousands', '21, 456', '21,456'),
  no('thousands', '21456', '21, 456'),
  no('thousands', '1, 000', '1000'),
  no('thousands', '100, 200', '100200'),
  no('thousands', '21,456', '21, 456'),
  no('thousands', '3, 500', '3500'),

  // gold answers with their dataset's markup go through the same reading as predictions
  yes('gold-markup', '$\\frac{1}{3}$', '\\frac13'),
  yes('gold-markup', '\\boxed{\\frac{1}{3}}', '1/3'),
  yes('gold-markup', '#### 18', '18'),
  yes('gold-markup', 'The answer is $\\frac{1}{3}$.', '\\frac{1}{3}'),
  yes('gold-markup', '\\(\\frac{2}{7}\\)', '\\frac27'),
  yes('gold-markup', '$$\\sqrt{2}$$', '\\sqrt2'),
  yes('gold-markup', '\\boxed{(2, 5)}', '(2,5)'),
  yes('gold-markup', '$x \\in [1, 4)$', '1 \\le x < 4'),
  yes('gold-markup', '\\boxed{y \\le 3}', '3 \\ge y'),
  yes('gold-markup', '\\frac{1}{3}', '\\boxed{\\frac13}'),
  no('gold-markup', '$\\frac{1}{3}$', '3'),
  no('gold-markup', '\\boxed{\\frac13}', '3'),
  no('gold-markup', '#### 18', '19'),
  no('gold-markup', 'The answer is $\\frac{1}{3}$.', '\\frac{1}{4}'),
  no('gold-markup', '$$\\sqrt{2}$$', '2'),
  no('gold-markup', '\\boxed{(2, 5)}', '5'),
  no('gold-markup', '\\frac{1}{3}', '\\boxed{3}'),
  no('gold-markup', '$x \\in [1, 4)$', '1 < x \\le 4'),

  // an equation's right side read as a structure
  yes('equation-rhs', '\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}', '\\mathbf{v} = \\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}'),
  yes('equation-rhs', '2x+1', 'f(x) = 2x + 1'),
  yes('equation-rhs', '(1, 2)', 'P = (1, 2)'),
  no('equation-rhs', '\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}', '\\mathbf{v} = \\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}'),
  no('equation-rhs', '2x+1', 'f(x) = 2x - 1'),
  no('equation-rhs', '(1, 2)', 'P = (2, 1)'),
];
