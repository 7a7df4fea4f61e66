// SPDX-License-Identifier: MIT
import { InvalidArgumentError } from '../errors.js';
import { stack } from '../ops/shape.js';
import { reshape } from '../prims/reshape.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { allocate } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { jvp, vjp } from './api.js';

function basis(like: Tensor, j: number): Tensor {
  const b = allocate(like.dtype, like.size);
  b[j] = 1;
  return new ConcreteTensor(b, like.shape);
}

function checkArgs(op: string, args: unknown[], argnum: number): Tensor {
  const x = args[argnum];
  if (!(x instanceof Tensor)) {
    throw new InvalidArgumentError(
      `${op}: argument ${argnum} must be a Tensor (pytrees are not supported here yet).`,
    );
  }
  return x;
}

function withArg(args: unknown[], argnum: number, x: Tensor): unknown[] {
  const out = [...args];
  out[argnum] = x;
  return out;
}

/**
 * Jacobian by forward mode, one JVP per input element: shape out.shape + in.shape. Best when
 * inputs are fewer than outputs.
 */
export function jacfwd<A extends unknown[]>(
  f: (...args: A) => Tensor,
  argnum = 0,
): (...args: A) => Tensor {
  return (...args: A) => {
    const x = checkArgs('jacfwd', args, argnum);
    const g = (xi: Tensor) => f(...(withArg(args, argnum, xi) as A));
    const columns = Array.from({ length: x.size }, (_, j) => jvp(g, [x], [basis(x, j)])[1]);
    const out = columns[0] ?? g(x);
    // Columns are stacked last: [out..., n] then the input axes are restored.
    const stacked = stack(columns, out.ndim);
    return reshape(stacked, [...out.shape, ...x.shape]);
  };
}

/**
 * Jacobian by reverse mode, one VJP per output element: shape out.shape + in.shape. Best when
 * outputs are fewer than inputs (one row for a scalar loss).
 */
export function jacrev<A extends unknown[]>(
  f: (...args: A) => Tensor,
  argnum = 0,
): (...args: A) => Tensor {
  return (...args: A) => {
    const x = checkArgs('jacrev', args, argnum);
    const [out, pullback] = vjp((xi: Tensor) => f(...(withArg(args, argnum, xi) as A)), x);
    const rows = Array.from({ length: out.size }, (_, i) => pullback(basis(out, i))[0]);
    return reshape(stack(rows, 0), [...out.shape, ...x.shape]);
  };
}

/** The Hessian of a scalar function: forward-over-reverse, shape in.shape + in.shape. */
export function hessian<A extends unknown[]>(
  f: (...args: A) => Tensor,
  argnum = 0,
): (...args: A) => Tensor {
  return jacfwd(jacrev(f, argnum), argnum);
}
