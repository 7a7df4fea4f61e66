// Unknown option keys to jit, grad, valueAndGrad, vmap and scan are typed errors listing the
// valid keys (issue 13, item 6); before, `{ debugNans: true }` was silently ignored.
import { describe, expect, test } from 'vitest';
import {
  grad,
  InvalidArgumentError,
  jit,
  scan,
  sum,
  type Tensor,
  tensor,
  valueAndGrad,
  vmap,
} from '../src/index.js';

const x = tensor([1, 2, 3], { dtype: 'float64' });
const loss = (t: Tensor) => sum(t.mul(t));
const bad = { debugNans: true } as never;

describe('option keys are checked', () => {
  test('jit', () => {
    expect(() => jit(loss, bad)).toThrow(InvalidArgumentError);
    expect(() => jit(loss, bad)).toThrow(
      /^jit: unknown option 'debugNans'; valid options are 'staticArgnums', 'maxCacheSize', 'retraceWarningThreshold', 'backend'\.$/,
    );
  });
  test('grad and valueAndGrad', () => {
    expect(() => grad(loss, bad)).toThrow(InvalidArgumentError);
    expect(() => grad(loss, { argnum: 1 } as never)).toThrow(
      "grad: unknown option 'argnum' ('argnum': did you mean 'argnums'?); valid options are 'argnums', 'hasAux'.",
    );
    expect(() => valueAndGrad(loss, { has_aux: true } as never)).toThrow(
      "valueAndGrad: unknown option 'has_aux' ('has_aux': did you mean 'hasAux'?); valid options are 'argnums', 'hasAux'.",
    );
  });
  test('vmap', () => {
    expect(() => vmap(loss, { in_axes: 0 } as never)).toThrow(
      "vmap: unknown option 'in_axes' ('in_axes': did you mean 'inAxes'?); valid options are 'inAxes', 'outAxes', 'axisSize'.",
    );
  });
  test('scan', () => {
    const step = (c: Tensor, xt: Tensor) => [c.add(xt), null] as const;
    expect(() => scan(step, tensor(0, { dtype: 'float64' }), x, bad)).toThrow(
      "scan: unknown option 'debugNans'; valid options are 'length', 'reverse', 'unroll', 'checkpoint'.",
    );
  });
  test('valid options still work', () => {
    expect(grad(loss, { argnums: 0 })(x).toArray()).toEqual([2, 4, 6]);
    expect(vmap((t: Tensor) => t.mul(2), { inAxes: 0, outAxes: 0 })(x).toArray()).toEqual([
      2, 4, 6,
    ]);
  });
});
