// SPDX-License-Identifier: MIT
// The set-up demo: fit a tiny tanh model by gradient descent, then show what grad traced.
import {
  grad,
  makeJaxpr,
  matmul,
  mean,
  random,
  square,
  sub,
  type Tensor,
  tanh,
  tree,
} from './index.js';

type Params = { w: Tensor; b: Tensor };

const predict = (p: Params, x: Tensor) => tanh(matmul(x, p.w).add(p.b));
const loss = (p: Params, x: Tensor, y: Tensor) => mean(square(sub(predict(p, x), y)));

const [kx, kw, kn] = random.split(random.key(0), 3);
const x = random.normal(kx, [64, 3]);
const trueW = random.normal(kw, [3, 1]).mul(0.5);
// Observations carry N(0, 0.05²) noise, so the loss settles near 0.0025 rather than at 0.
const y = tanh(matmul(x, trueW).add(0.1)).add(random.normal(kn, [64, 1]).mul(0.05));

let params: Params = {
  w: random.normal(random.key(1), [3, 1]).mul(0.1),
  b: random.normal(random.key(2), [1]).mul(0.1),
};
const step = grad(loss);
console.log('Loom demo: fitting y = tanh(x·W + b) with grad and plain gradient descent');
for (let i = 0; i <= 100; i++) {
  if (i % 20 === 0)
    console.log(
      `  step ${String(i).padStart(3)}  loss ${loss(params, x, y).item().toExponential(3)}`,
    );
  const g = step(params, x, y);
  params = tree.map((p, d) => p.sub(d.mul(0.5)), params, g);
}
console.log(
  `learned W ${params.w.reshape([3]).toString()}\ntrue    W ${trueW.reshape([3]).toString()}`,
);
console.log('\nThe IR of grad(loss), as traced:');
console.log(makeJaxpr(step)(params, x, y).toString());
