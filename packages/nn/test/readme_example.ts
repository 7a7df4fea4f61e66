// The training example of README.md, verbatim from the next line on (readme.test.ts checks it).
import { random, type Tensor, valueAndGrad } from '@loom/core';
import * as nn from '@loom/nn';

const [V, E, H] = [16, 8, 32]; // vocabulary, embedding and hidden sizes
const [k1, k2, k3] = random.split(random.key(0), 3);
let params = {
  embed: nn.embedding.init(k1, { numEmbeddings: V, features: E }),
  lstm: nn.lstmCell.init(k2, { inFeatures: E, hiddenSize: H }),
  out: nn.linear.init(k3, { inFeatures: H, outFeatures: V }),
};

// inputs, targets: int32 [T, B] token ids (targets are the inputs shifted by one step).
function loss(p: typeof params, inputs: Tensor, targets: Tensor): Tensor {
  const xs = nn.embedding.apply(p.embed, inputs); // [T, B, E]
  const h0 = nn.lstmCell.initialCarry({ inFeatures: E, hiddenSize: H }, inputs.shape[1]);
  const { outputs } = nn.rnn(nn.lstmCell, p.lstm, xs, h0); // one scan; its grad is BPTT
  return nn.sparseSoftmaxCrossEntropy(nn.linear.apply(p.out, outputs), targets);
}

const opt = nn.adam(1e-2);
let optState = opt.init(params);
export function trainStep(inputs: Tensor, targets: Tensor): number {
  const [value, grads] = valueAndGrad(loss)(params, inputs, targets);
  const [updates, next] = opt.update(grads, optState, params);
  params = nn.applyUpdates(params, updates);
  optState = next;
  return value.item();
}
