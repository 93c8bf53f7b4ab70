import * as tf from '@tensorflow/tfjs-core';

/** The AdamOptimizer fields this subclass reads (private in tfjs's typings). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
}

/** Variables with more elements than this are updated in JS, in place of ~10 tensor temporaries. */
export const LEAN_ADAM_JS_THRESHOLD = 1 << 20;

const f = Math.fround;

/**
 * tfjs's Adam with the same update, state and checkpoint format (`getWeights`, the `accBeta`
 * products), but memory-lean: tfjs runs every variable's update inside one `tidy`, so about ten
 * temporaries per parameter stay alive until the last variable is done (13x the model's size at
 * the peak; a 135M-parameter model could not take a step in the 4 GB wasm heap). Here each
 * variable is updated in its own scope, and a large one (more than `jsThreshold` elements) in JS
 * on its values, rounding every operation to float32 as the tensor ops do (the same numbers).
 */
export class LeanAdamOptimizer extends tf.AdamOptimizer {
  constructor(
    learningRate: number,
    beta1: number,
    beta2: number,
    epsilon?: number,
    private readonly jsThreshold = LEAN_ADAM_JS_THRESHOLD,
  ) {
    super(learningRate, beta1, beta2, epsilon);
  }

  override applyGradients(variableGradients: Parameters<tf.Optimizer['applyGradients']>[0]): void {
    const self = this as unknown as AdamInternals;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const registered = tf.engine().registeredVariables;
    const acc1 = (self.accBeta1.dataSync() as Float32Array)[0] as number;
    const acc2 = (self.accBeta2.dataSync() as Float32Array)[0] as number;
    const oneMinusAcc1 = f(1 - acc1);
    const oneMinusAcc2 = f(1 - acc2);
    names.forEach((name, i) => {
      const value = registered[name] as tf.Variable;
      const slot = (list: AdamInternals['accumulatedFirstMoment'], suffix: string) => {
        if (!list[i])
          list[i] = { originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        return (list[i] as { variable: tf.Variable }).variable;
      };
      const m = slot(self.accumulatedFirstMoment, 'm');
      const v = slot(self.accumulatedSecondMoment, 'v');
      const gradient = Array.isArray(variableGradients)
        ? variableGradients[i]?.tensor
        : (variableGradients as Record<string, tf.Tensor>)[name];
      if (gradient == null) return;
      if (value.size > this.jsThreshold) this.updateInJs(value, m, v, gradient, oneMinusAcc1, oneMinusAcc2);
      else {
        tf.tidy(() => {
          const newM = tf.add(tf.mul(m, self.beta1), tf.mul(gradient, 1 - self.beta1));
          const newV = tf.add(tf.mul(v, self.beta2), tf.mul(tf.square(gradient), 1 - self.beta2));
          const mHat = tf.div(newM, oneMinusAcc1);
          const vHat = tf.div(newV, oneMinusAcc2);
          m.assign(newM);
          v.assign(newV);
          value.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), self.epsilon)), -self.learningRate), value));
        });
      }
    });
    tf.tidy(() => {
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    this.incrementIterations();
  }

  /** The same arithmetic on the values, every operation rounded to float32. */
  private updateInJs(value: tf.Variable, m: tf.Variable, v: tf.Variable, gradient: tf.Tensor, c1: number, c2: number): void {
    const self = this as unknown as AdamInternals;
    const b1 = f(self.beta1);
    const b2 = f(self.beta2);
    const ob1 = f(1 - self.beta1);
    const ob2 = f(1 - self.beta2);
    const eps = f(self.epsilon);
    const lr = f(-self.learningRate);
    const g = gradient.dataSync() as Float32Array;
    const mv = (m.dataSync() as Float32Array).slice();
    const vv = (v.dataSync() as Float32Array).slice();
    const w = (value.dataSync() as Float32Array).slice();
    for (let k = 0; k < w.length; k++) {
      const gk = g[k] as number;
      const nm = f(f((mv[k] as number) * b1) + f(gk * ob1));
      const nv = f(f((vv[k] as number) * b2) + f(f(gk * gk) * ob2));
      mv[k] = nm;
      vv[k] = nv;
      const mh = f(nm / c1);
      const vh = f(nv / c2);
      w[k] = f(f(f(mh / f(f(Math.sqrt(vh)) + eps)) * lr) + (w[k] as number));
    }
    const put = (target: tf.Variable, data: Float32Array) => {
      const t = tf.tensor(data, target.shape, 'float32');
      target.assign(t);
      t.dispose();
    };
    put(m, mv);
    put(v, vv);
    put(value, w);
  }
}
