import * as tf from '@tensorflow/tfjs';
import { Container, Tokens, buildCatalog } from '@trellis/core';
import plugin, { lambdaPoOptions, rougeLOptions } from '@trellis/algo-lambdapo';
await tf.setBackend('cpu');
const { catalog, container } = await buildCatalog([{ manifest: plugin, origin: 'smoke', location: 'x', options: {} }]);
for (const { entry } of catalog.items) {
  const child = new Container({ parent: container });
  child.bind(Tokens.ChoiceOptions).toConstantValue((entry.id === 'lambdapo' ? lambdaPoOptions : rougeLOptions).parse({}));
  child.bind(entry.service).toSelf();
  const inst = child.get(entry.service);
  if (entry.id === 'lambdapo') console.log(inst.estimate({ rewards: [1,1,0,0], groupIndex: [0,0,0,0], numGroups: 1, subGroupIndex: [0,0,0,0], lengths: [1,1,1,1], masks: [[1],[1],[1],[1]], oldSeqLogProbMean: [-0.2,-0.5,-0.3,-0.6], oldSeqLogProbSum: [-0.2,-0.5,-0.3,-0.6] }));
  else console.log(inst.score({ problem: { solution: '7*3=21\n12+21=33\n\\boxed{33}' }, rollout: { completionText: '7*3=21\n12+21=33\n\\boxed{33}' } }));
}
