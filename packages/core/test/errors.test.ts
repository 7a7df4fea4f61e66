// Bad inputs: every case asserts the error class AND that the message names what went wrong
// (operation, shapes/dtypes, paths, the offending values).
import {
  add,
  argmax,
  astype,
  broadcastTo,
  ConcretizationError,
  concatenate,
  type DType,
  DtypeError,
  dotGeneral,
  exp,
  grad,
  IndexError,
  InvalidArgumentError,
  integerPow,
  iota,
  jacfwd,
  jacrev,
  jvp,
  LoomError,
  makeJaxpr,
  matmul,
  max,
  NonScalarOutputError,
  neg,
  oneHot,
  random,
  reshape,
  ShapeError,
  scatterAdd,
  slice,
  squeeze,
  stack,
  sum,
  type Tensor,
  TracerLeakError,
  TreeStructureError,
  take,
  tensor,
  transpose,
  tree,
  valueAndGrad,
  vjp,
  where,
  zeros,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import { expectClose } from './arbitraries.js';

type ErrorClass = new (...args: never[]) => Error;

/** Runs `f`, asserting it throws an instance of `cls` whose message matches every pattern. */
function expectError(f: () => unknown, cls: ErrorClass, ...patterns: RegExp[]): Error {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected an error to be thrown').toBeInstanceOf(cls);
  expect(thrown).toBeInstanceOf(LoomError);
  const err = thrown as Error;
  expect(err.name).toBe(cls.name);
  for (const p of patterns) expect(err.message).toMatch(p);
  return err;
}

const f64 = (data: number[], shape: number[] = [data.length]) =>
  tensor(new Float64Array(data), { shape });
const i32 = (data: number[], shape: number[] = [data.length]) =>
  tensor(data, { shape, dtype: 'int32' });

describe('shape errors', () => {
  test('matmul of [3,4] by [5,6] names both shapes and the differing sizes 4 and 5', () => {
    expectError(
      () => matmul(zeros([3, 4]), zeros([5, 6])),
      ShapeError,
      /matmul/,
      /\[3,4\]/,
      /\[5,6\]/,
      /size 4/,
      /size 5/,
    );
  });

  test('matmul of a vector by a mismatched matrix names the only/second-to-last axis', () => {
    expectError(
      () => matmul(zeros([3]), zeros([4, 2])),
      ShapeError,
      /\[3\] by \[4,2\]/,
      /size 3/,
      /size 4/,
    );
  });

  test('add of [3] and [4] names both shapes and the axis sizes', () => {
    expectError(
      () => add(zeros([3]), zeros([4])),
      ShapeError,
      /add/,
      /\[3\] and \[4\]/,
      /sizes 3 and 4/,
    );
  });

  test('broadcasting in a traced function reports the same error (and the abstract shapes)', () => {
    expectError(
      () => makeJaxpr((a: Tensor, b: Tensor) => a.mul(b))(zeros([2, 3]), zeros([2, 4])),
      ShapeError,
      /mul/,
      /\[2,3\] and \[2,4\]/,
    );
  });

  test('reshape size mismatch names the source, its size, and the target', () => {
    expectError(
      () => reshape(zeros([2, 3]), [4, 2]),
      ShapeError,
      /reshape/,
      /\[2,3\]/,
      /6 elements/,
      /\[4,2\]/,
      /8 elements/,
    );
  });

  test('reshape with -1 that cannot divide names the sizes', () => {
    expectError(
      () => reshape(zeros([2, 3]), [4, -1]),
      ShapeError,
      /reshape/,
      /\[4,-1\]/,
      /6 is not divisible by 4/,
    );
  });

  test('reshape with two -1 is rejected', () => {
    expectError(() => reshape(zeros([2, 3]), [-1, -1]), ShapeError, /at most one -1/);
  });

  test('broadcastTo an incompatible shape', () => {
    expectError(
      () => broadcastTo(zeros([3]), [2, 4]),
      ShapeError,
      /broadcastTo/,
      /\[3\]/,
      /\[2,4\]/,
    );
  });

  test('transpose with a bad permutation names it and the operand', () => {
    expectError(
      () => transpose(zeros([2, 3]), [0, 0]),
      ShapeError,
      /transpose/,
      /\[0,0\] is not a permutation/,
      /f32\[2,3\]/,
    );
    expectError(() => transpose(zeros([2, 3]), [0, 1, 2]), ShapeError, /\[0,1,2\]/, /2 axes/);
  });

  test('concatenate of mismatched shapes names the axis and all operands', () => {
    expectError(
      () => concatenate([zeros([2, 3]), zeros([3, 4])], 1),
      ShapeError,
      /concatenate/,
      /axis 1/,
      /f32\[2,3\], f32\[3,4\]/,
    );
  });

  test('concatenate of different dtypes is a DtypeError', () => {
    expectError(
      () => concatenate([zeros([2]), zeros([3], 'int32')]),
      DtypeError,
      /f32\[2\], i32\[3\]/,
      /dtype/,
    );
  });

  test('slice out of bounds names the window and the operand', () => {
    expectError(
      () => slice(zeros([2, 3]), [0, 1], [2, 5]),
      ShapeError,
      /slice/,
      /\[0,1\]\.\.\[2,5\]/,
      /f32\[2,3\]/,
    );
  });

  test('slice with step 0 or the wrong number of axes', () => {
    expectError(
      () => slice(zeros([2, 3]), [0, 0], [2, 3], [1, 0]),
      ShapeError,
      /step \[1,0\]/,
      /step ≥ 1/,
    );
    expectError(() => slice(zeros([2, 3]), [0], [2]), ShapeError, /slice/, /f32\[2,3\]/);
  });

  test('squeeze of a non-1 axis names the axis, the shape and its size', () => {
    expectError(
      () => squeeze(zeros([2, 3]), 1),
      ShapeError,
      /squeeze/,
      /axis 1/,
      /\[2,3\]/,
      /size 3, not 1/,
    );
  });

  test('stack of different shapes names which tensor differs', () => {
    expectError(
      () => stack([zeros([2]), zeros([2]), zeros([3])]),
      ShapeError,
      /stack/,
      /tensor 2 has shape \[3\]/,
      /\[2\]/,
    );
  });

  test('dot_general with mismatched contracting sizes names the dimensions and sizes', () => {
    expectError(
      () =>
        dotGeneral(zeros([2, 3]), zeros([4, 2]), {
          lhsContracting: [1],
          rhsContracting: [0],
          lhsBatch: [],
          rhsBatch: [],
        }),
      ShapeError,
      /dot_general/,
      /contracting dimension 1/,
      /size 3/,
      /size 4/,
    );
  });

  test('matmul of a scalar', () => {
    expectError(
      () => matmul(zeros([]), zeros([3])),
      ShapeError,
      /at least one axis/,
      /\[\] and \[3\]/,
    );
  });

  test('ragged nested array in tensor() names the path and the lengths', () => {
    expectError(
      () => tensor([[1, 2], [3]]),
      ShapeError,
      /ragged/,
      /\[1\] has length 1/,
      /length 2 was expected/,
    );
    expectError(
      () =>
        tensor([
          [
            [1, 2],
            [3, 4],
          ],
          [[1, 2], [3]],
        ]),
      ShapeError,
      /\[1\]\[1\]/,
      /\[2,2,2\]/,
    );
  });

  test('a typed array whose length does not fit the shape', () => {
    expectError(
      () => tensor(new Float64Array(6), { shape: [4, 2] }),
      ShapeError,
      /6 elements/,
      /\[4,2\]/,
      /8 elements/,
    );
  });

  test('random.normal with a bad key shape or dtype', () => {
    expectError(
      () => random.normal(i32([1, 2, 3]), [2]),
      ShapeError,
      /PRNG key/,
      /int32\[2\]/,
      /i32\[3\]/,
    );
    expectError(() => random.uniform(tensor([1, 2]), [2]), ShapeError, /PRNG key/, /f32\[2\]/);
  });

  test('scatterAdd with updates of the wrong shape', () => {
    expectError(
      () => scatterAdd(zeros([2]), i32([0, 1, 1]), [3]),
      InvalidArgumentError,
      /scatter_add/,
      /f32\[2\]/,
      /\[3\]/,
    );
  });
});

describe('dtype errors', () => {
  test('grad w.r.t. an int32 input names the argument and the dtype', () => {
    expectError(
      () => grad((x: Tensor) => x.astype('float32').sum())(i32([1, 2])),
      DtypeError,
      /grad/,
      /argument 0/,
      /int32/,
      /\[2\]/,
    );
  });

  test('grad w.r.t. an int32 leaf of a pytree names its path', () => {
    expectError(
      () =>
        grad((p: { w: Tensor; b: Tensor }) => p.w.add(p.b).sum())({
          w: f64([1, 2]),
          b: i32([1, 2]),
        }),
      DtypeError,
      /argument 0 at \.b/,
      /int32/,
    );
  });

  test('grad of a function with an integer output', () => {
    expectError(
      () => grad((x: Tensor) => x.sum().astype('int32'))(f64([1])),
      DtypeError,
      /i32\[\]/,
      /float dtype/,
    );
  });

  test('take with float indices', () => {
    expectError(
      () => take(f64([1, 2, 3]), f64([0, 1])),
      DtypeError,
      /take/,
      /indices f64\[2\]/,
      /int32/,
    );
  });

  test('where with a non-bool predicate', () => {
    expectError(
      () => where(f64([1, 0]), f64([1, 2]), f64([3, 4])),
      DtypeError,
      /where/,
      /predicate/,
      /float64/,
      /bool/,
    );
  });

  test('oneHot with float indices', () => {
    expectError(() => oneHot(f64([0, 1]), 3), DtypeError, /oneHot/, /float64/, /int32/);
  });

  test('arithmetic on bool tensors that has no meaning (neg, add, max)', () => {
    expectError(() => neg(tensor([true, false])), DtypeError, /neg/, /bool\[2\]/);
    expectError(() => add(tensor([true]), tensor([false])), DtypeError, /add/, /bool/);
    expectError(() => max(tensor([true, false])), DtypeError, /reduce_max/, /bool\[2\]/);
  });

  test('exp of a bool is a correct promotion to float32 (not an error)', () => {
    const out = exp(tensor([true, false]));
    expect(out.dtype).toBe('float32');
    expectClose(out.data(), [Math.fround(Math.E), 1], { rtol: 0, atol: 0 });
    // and sum of bool counts (int32)
    expect(sum(tensor([true, false, true])).item()).toBe(2);
  });
});

describe('transformation errors', () => {
  test('grad of a non-scalar output names the shape and suggests a reduction', () => {
    expectError(
      () => grad((x: Tensor) => x.mul(2))(f64([1, 2, 3])),
      NonScalarOutputError,
      /grad/,
      /scalar/,
      /f64\[3\]/,
      /sum or mean/,
    );
  });

  test('grad of a size-1 non-scalar suggests a reshape', () => {
    expectError(
      () => valueAndGrad((x: Tensor) => x.mul(2))(f64([1])),
      NonScalarOutputError,
      /valueAndGrad/,
      /f64\[1\]/,
      /reshape/,
    );
  });

  test('grad of a tree-valued output', () => {
    expectError(
      () => grad((x: Tensor) => [x.sum()] as unknown as Tensor)(f64([1])),
      NonScalarOutputError,
      /not a tree/,
    );
  });

  test('a tracer used after its transformation returned (grad)', () => {
    let leaked: Tensor | undefined;
    grad((x: Tensor) => {
      leaked = x.mul(2);
      return x.sum();
    })(f64([1, 2]));
    expectError(
      () => leaked!.add(1),
      TracerLeakError,
      /add/,
      /f64\[2\]/,
      /already returned/,
      /escaped/,
    );
  });

  test('a tracer leaked from makeJaxpr, then used inside another transformation', () => {
    let leaked: Tensor | undefined;
    makeJaxpr((x: Tensor) => {
      leaked = x.exp();
      return x;
    })(f64([1, 2]));
    expectError(
      () => grad((x: Tensor) => x.mul(leaked!).sum())(f64([1, 2])),
      TracerLeakError,
      /mul/,
      /makeJaxpr/,
    );
  });

  test('item() on a tracer is a ConcretizationError naming the call and the abstract value', () => {
    expectError(
      () =>
        grad((x: Tensor) => {
          if (x.sum().item() > 0) return x.sum();
          return x.sum().neg();
        })(f64([1, 2])),
      ConcretizationError,
      /item\(\)/,
      /abstract f64\[\]/,
      /where\/cond/,
    );
  });

  test('toArray() on a tracer under makeJaxpr', () => {
    expectError(
      () =>
        makeJaxpr((x: Tensor) => {
          x.toArray();
          return x;
        })(f64([1, 2])),
      ConcretizationError,
      /toArray\(\)/,
      /f64\[2\]/,
      /makeJaxpr/,
    );
  });

  test('unknown argnums names argnums and the argument count', () => {
    expectError(
      () => grad((x: Tensor) => x.sum(), { argnums: 2 })(f64([1])),
      InvalidArgumentError,
      /argnums=2/,
      /1 positional argument/,
    );
    expectError(
      () => grad((x: Tensor, _y: Tensor) => x.sum(), { argnums: [0, 3] })(f64([1]), f64([1])),
      InvalidArgumentError,
      /argnums=\[0,3\]/,
      /argument 3/,
      /2 positional arguments/,
    );
  });

  test('repeated argnums', () => {
    expectError(
      () => grad((x: Tensor) => x.sum(), { argnums: [0, 0] })(f64([1])),
      InvalidArgumentError,
      /repeats/,
    );
  });

  test('hasAux with a function that does not return [out, aux]', () => {
    expectError(
      () =>
        grad((x: Tensor) => x.sum() as unknown as readonly [Tensor, unknown], { hasAux: true })(
          f64([1]),
        ),
      InvalidArgumentError,
      /hasAux/,
      /\[output, aux\]/,
    );
  });

  test('differentiating a non-tensor leaf names its path', () => {
    expectError(
      () => grad((p: { a: number; w: Tensor }) => p.w.sum())({ a: 1, w: f64([1]) }),
      TreeStructureError,
      /argument 0 at \.a/,
      /number/,
    );
  });

  test('jvp with a tangent shape mismatch names both types', () => {
    expectError(
      () => jvp((x: Tensor) => x, [f64([1, 2, 3])], [f64([1, 2])]),
      InvalidArgumentError,
      /jvp/,
      /tangent 0 is f64\[2\]/,
      /primal is f64\[3\]/,
    );
  });

  test('jvp with a tangent dtype mismatch', () => {
    expectError(
      () => jvp((x: Tensor) => x, [f64([1, 2])], [tensor([1, 2])]),
      InvalidArgumentError,
      /f32\[2\]/,
      /f64\[2\]/,
    );
  });

  test('jvp with a different number of tangent leaves', () => {
    expectError(
      () => jvp((x: Tensor[]) => x[0], [[f64([1]), f64([1])]], [[f64([1])]]),
      InvalidArgumentError,
      /1 leaves/,
      /2/,
      /same structure/,
    );
  });

  test('jvp with tangents of the same leaf count but a different tree structure', () => {
    // Primals {a} with tangents {b}: JAX rejects this ("must have the same tree structure").
    // BUG (transforms/api.ts): jvp only compares leaf counts, so this silently pairs b's tangent
    // with a. Proposed fix in the report: compare the tree structures and throw
    // TreeStructureError with tree.equalityErrors(primals, tangents).
    expectError(
      () =>
        jvp(
          (x: { a: Tensor }) => x.a,
          [{ a: f64([1]) }],
          [{ b: f64([1]) } as unknown as { a: Tensor }],
        ),
      TreeStructureError,
      /jvp/,
      /structure/,
      /\ba\b/,
      /\bb\b/,
    );
  });

  test('vjp with a cotangent shape mismatch names both types', () => {
    const [, pullback] = vjp((x: Tensor) => x.mul(2), f64([1, 2, 3]));
    expectError(
      () => pullback(f64([1, 2])),
      InvalidArgumentError,
      /vjp/,
      /cotangent 0 has type f64\[2\]/,
      /f64\[3\]/,
    );
  });

  test('vjp with a cotangent tree structure mismatch', () => {
    const [, pullback] = vjp((x: Tensor) => [x, x], f64([1, 2, 3]));
    expectError(
      () => pullback([f64([1, 2, 3])]),
      InvalidArgumentError,
      /structure/,
      /\[\*\]/,
      /\[\*,\*\]/,
    );
  });

  test('mismatched tree structures in tree.map name the path and the keys', () => {
    expectError(
      () =>
        tree.map(
          (a: Tensor, b: Tensor) => a.add(b),
          { a: f64([1]), b: f64([1]) },
          { a: f64([1]), c: f64([1]) },
        ),
      TreeStructureError,
      /tree\.map/,
      /tree #2/,
      /only in the first: \[b\]/,
      /only in the second: \[c\]/,
    );
    expectError(
      () =>
        tree.map(
          (a: Tensor, b: Tensor) => a.add(b),
          { x: [f64([1]), [f64([1])]] },
          { x: [f64([1]), [f64([1]), f64([2])]] },
        ),
      TreeStructureError,
      /at \.x\[1\]: array of length 1 vs 2/,
    );
  });

  test('jacfwd of a tree with a non-tensor leaf names the leaf', () => {
    expectError(
      () => jacfwd((p: { a: Tensor; n: number }) => p.a)({ a: f64([1]), n: 3 }),
      TreeStructureError,
      /jacfwd/,
      /argument 0 at \.n is number/,
    );
  });

  test('jacrev with an argnum beyond the arguments', () => {
    expectError(
      () => jacrev((x: Tensor) => x, 2 as 0)(f64([1])),
      InvalidArgumentError,
      /jacrev/,
      /argnums=2 refers to argument 2, but the function was called with 1 positional argument/,
    );
  });
});

describe('invalid arguments', () => {
  test('take out of range names the index, its position and the axis size', () => {
    expectError(
      () => take(f64([1, 2, 3]), [1, 5]),
      IndexError, // a subclass of InvalidArgumentError
      /take/,
      /index 5/,
      /position 1/,
      /size 3/,
    );
  });

  test('unknown dtype in tensor(), astype() and zeros()', () => {
    expectError(
      () => tensor([1], { dtype: 'float16' as DType }),
      InvalidArgumentError,
      /tensor/,
      /unknown dtype "float16"/,
    );
    expectError(() => astype(f64([1]), 'int8' as DType), InvalidArgumentError, /astype/, /"int8"/);
    expectError(() => zeros([1], 'complex64' as DType), InvalidArgumentError, /"complex64"/);
  });

  test('axis out of range in reductions and argmax names the axis and the shape', () => {
    expectError(
      () => sum(zeros([2, 3]), 3),
      InvalidArgumentError,
      /sum/,
      /axis 3/,
      /\[2,3\]/,
      /-2\.\.1/,
    );
    expectError(() => argmax(zeros([2, 3]), -3), InvalidArgumentError, /argmax/, /axis -3/);
    expectError(() => sum(zeros([2, 3]), [1, -1]), InvalidArgumentError, /repeated axis/);
  });

  test('integerPow with a non-integer exponent', () => {
    expectError(() => integerPow(f64([1]), 1.5), InvalidArgumentError, /integerPow/, /1\.5/, /pow/);
  });

  test('operands that are not tensors or numbers', () => {
    expectError(
      () => add(f64([1]), [1] as unknown as Tensor),
      InvalidArgumentError,
      /add/,
      /second operand/,
      /JS array/,
    );
    expectError(
      () => add('x' as unknown as Tensor, 1),
      InvalidArgumentError,
      /first operand is string/,
    );
  });

  test('random.split with n = 0 and random.key with a fractional seed', () => {
    expectError(
      () => random.split(random.key(0), 0),
      InvalidArgumentError,
      /split/,
      /positive integer/,
      /0/,
    );
    expectError(() => random.key(1.5), InvalidArgumentError, /seed/, /1\.5/);
  });

  test('iota of an empty shape, concatenate of nothing', () => {
    expectError(() => iota([]), InvalidArgumentError, /iota/, /at least one axis/);
    expectError(() => concatenate([]), InvalidArgumentError, /at least one tensor/);
  });

  test('makeJaxpr of a non-tensor argument', () => {
    expectError(
      () => makeJaxpr((x: number) => tensor([x]))(3),
      InvalidArgumentError,
      /makeJaxpr/,
      /leaf 0 is number/,
    );
  });

  test('item() of a multi-element tensor names the shape', () => {
    expect(() => f64([1, 2]).item()).toThrow(/item\(\).*\[2\].*exactly one/);
  });
});
