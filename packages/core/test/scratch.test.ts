import { test, expect } from 'vitest';
import { tensor, exp, checkGrads, makeJaxpr, grad, matmul, slice, sum } from '@loom/core';
test('scratch', () => {
  const x = tensor(new Float64Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
  checkGrads((a: any) => exp(a), [x], { order: 2 });
  const p = makeJaxpr((a: any) => exp(a))(x);
  console.log(p.toString(), p.closed.jaxpr.outs[0].aval.toString());
  const g = grad((a: any) => sum(slice(a, [0, 0], [2, 3], [1, 2])))(x);
  console.log(g.toString());
  console.log(makeJaxpr(grad((a: any) => sum(slice(a, [0, 0], [2, 3], [1, 2]))))(x).toString());
});
