// SPDX-License-Identifier: MIT
import { wasmDotGeneral } from '../compile/wasm/gemm/dot_general.js';
import { DtypeError, ShapeError } from '../errors.js';
import * as layout from '../kernels/layout.js';
import { matmul } from '../kernels/matmul.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { allocate, type TypedArray } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive, UndefPrimal } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { add } from './add.js';
import { shiftAxis } from './batching.js';
import { addTangents } from './elementwise.js';
import { transpose } from './transpose.js';

/**
 * JAX's dot_general dimension numbers. The output axes are: batch axes, then the left operand's
 * free axes, then the right operand's free axes (each in their original order).
 */
export interface DotGeneralParams {
  readonly [key: string]: unknown;
  readonly lhsContracting: readonly number[];
  readonly rhsContracting: readonly number[];
  readonly lhsBatch: readonly number[];
  readonly rhsBatch: readonly number[];
}

const remaining = (rank: number, ...used: (readonly number[])[]) =>
  Array.from({ length: rank }, (_, i) => i).filter((i) => !used.some((u) => u.includes(i)));

const argsort = (xs: readonly number[]) =>
  xs
    .map((x, i) => [x, i] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, i]) => i);

function rangesLike(...lists: (readonly number[])[]): number[][] {
  let start = 0;
  return lists.map((l) => {
    const r = l.map((_, i) => start + i);
    start += l.length;
    return r;
  });
}

function validate(lhs: ShapedArray, rhs: ShapedArray, p: DotGeneralParams): void {
  const describe = () =>
    `dot_general of ${lhs} and ${rhs} (contracting [${p.lhsContracting}]×[${p.rhsContracting}], ` +
    `batch [${p.lhsBatch}]×[${p.rhsBatch}])`;
  if (lhs.dtype !== rhs.dtype) {
    throw new DtypeError(`${describe()}: operand dtypes differ; convert one with astype.`);
  }
  if (lhs.dtype === 'bool') throw new DtypeError(`${describe()}: bool operands are not supported.`);
  const pairs: [string, readonly number[], readonly number[]][] = [
    ['contracting', p.lhsContracting, p.rhsContracting],
    ['batch', p.lhsBatch, p.rhsBatch],
  ];
  for (const [what, l, r] of pairs) {
    if (l.length !== r.length)
      throw new ShapeError(`${describe()}: ${what} lists differ in length.`);
    for (const [side, axes, rank] of [
      ['left', l, lhs.ndim],
      ['right', r, rhs.ndim],
    ] as const) {
      if (new Set(axes).size !== axes.length) {
        throw new ShapeError(`${describe()}: ${what} axes of the ${side} operand repeat an axis.`);
      }
      const bad = axes.find((a) => !Number.isInteger(a) || a < 0 || a >= rank);
      if (bad !== undefined) {
        throw new ShapeError(
          `${describe()}: ${what} axis ${bad} of the ${side} operand is out of range; valid axes are 0..${rank - 1}.`,
        );
      }
    }
    l.forEach((a, i) => {
      const b = r[i];
      if (lhs.shape[a] !== rhs.shape[b]) {
        throw new ShapeError(
          `${describe()}: ${what} dimension ${a} of the left operand (size ${lhs.shape[a]}) differs ` +
            `from dimension ${b} of the right operand (size ${rhs.shape[b]}).`,
        );
      }
    });
  }
}

function permuted(x: ConcreteTensor, perm: number[]): TypedArray {
  return perm.every((p, i) => p === i)
    ? x.buffer
    : layout.transpose(x.buffer, x.shape, perm, x.dtype);
}

export const dotGeneralPrim: Primitive<DotGeneralParams> = definePrimitive<DotGeneralParams>({
  name: 'dot_general',
  abstractEval([lhs, rhs], p) {
    validate(lhs, rhs, p);
    const lhsFree = remaining(lhs.ndim, p.lhsContracting, p.lhsBatch);
    const rhsFree = remaining(rhs.ndim, p.rhsContracting, p.rhsBatch);
    const shape = [
      ...p.lhsBatch.map((a) => lhs.shape[a]),
      ...lhsFree.map((a) => lhs.shape[a]),
      ...rhsFree.map((a) => rhs.shape[a]),
    ];
    return [new ShapedArray(shape, lhs.dtype)];
  },
  impl([lhs, rhs], p, [out]) {
    // Lay both operands out as [batch, free, contract] · [batch, contract, free] and multiply.
    const lhsFree = remaining(lhs.ndim, p.lhsContracting, p.lhsBatch);
    const rhsFree = remaining(rhs.ndim, p.rhsContracting, p.rhsBatch);
    const buffer = allocate(out.dtype, out.size);
    // Large floating products run on the generated WebAssembly GEMM (strided, no copies).
    const permute = (x: { buffer: TypedArray; shape: readonly number[] }, perm: number[]) =>
      layout.transpose(x.buffer, x.shape, perm, out.dtype);
    if (wasmDotGeneral(lhs, rhs, p, out.dtype, buffer, lhsFree, rhsFree, permute)) {
      return [new ConcreteTensor(buffer, out.shape)];
    }
    const a = permuted(lhs, [...p.lhsBatch, ...lhsFree, ...p.lhsContracting]);
    const b = permuted(rhs, [...p.rhsBatch, ...p.rhsContracting, ...rhsFree]);
    const batch = sizeOf(p.lhsBatch.map((i) => lhs.shape[i]));
    const m = sizeOf(lhsFree.map((i) => lhs.shape[i]));
    const k = sizeOf(p.lhsContracting.map((i) => lhs.shape[i]));
    const n = sizeOf(rhsFree.map((i) => rhs.shape[i]));
    matmul(a, b, buffer, batch, m, k, n);
    return [new ConcreteTensor(buffer, out.shape)];
  },
  jvp([x, y], [tx, ty], p) {
    const out = bind1(dotGeneralPrim, [x, y], p);
    const dx = tx && bind1(dotGeneralPrim, [tx, y], p);
    const dy = ty && bind1(dotGeneralPrim, [x, ty], p);
    return [[out], [addTangents(dx, dy, add)]];
  },
  transpose([ct], [x, y], p) {
    if (!ct) return [null, null];
    return [
      x instanceof UndefPrimal ? transposeLhs(ct, x.aval, y as Tensor, p, false) : null,
      y instanceof UndefPrimal
        ? transposeLhs(
            ct,
            y.aval,
            x as Tensor,
            {
              lhsContracting: p.rhsContracting,
              rhsContracting: p.lhsContracting,
              lhsBatch: p.rhsBatch,
              rhsBatch: p.lhsBatch,
            },
            true,
          )
        : null,
    ];
  },
  batch(_size, [x, y], [dx, dy], p) {
    return batchDotGeneral(x, y, dx, dy, p);
  },
});

/**
 * Batching rule: with both operands batched the batch axis becomes a dot_general batch dimension
 * (output axis 0); with one batched, it is just another free axis of that operand, so a shared
 * weight stays one contraction over the whole batch (no per-example products, no copies).
 */
function batchDotGeneral(
  x: Tensor,
  y: Tensor,
  dx: number | null,
  dy: number | null,
  p: DotGeneralParams,
): [Tensor[], (number | null)[]] {
  const shifted = (axes: readonly number[], d: number | null) =>
    d === null ? [...axes] : axes.map((a) => shiftAxis(a, d));
  const q: DotGeneralParams = {
    lhsContracting: shifted(p.lhsContracting, dx),
    rhsContracting: shifted(p.rhsContracting, dy),
    lhsBatch: shifted(p.lhsBatch, dx),
    rhsBatch: shifted(p.rhsBatch, dy),
  };
  if (dx !== null && dy !== null) {
    const both: DotGeneralParams = {
      ...q,
      lhsBatch: [dx, ...q.lhsBatch],
      rhsBatch: [dy, ...q.rhsBatch],
    };
    return [[bind1(dotGeneralPrim, [x, y], both)], [0]];
  }
  const out = bind1(dotGeneralPrim, [x, y], q);
  const nBatch = q.lhsBatch.length;
  if (dx !== null) {
    const free = remaining(x.ndim, q.lhsContracting, q.lhsBatch);
    return [[out], [nBatch + free.indexOf(dx)]];
  }
  const lhsFree = remaining(x.ndim, q.lhsContracting, q.lhsBatch).length;
  const free = remaining(y.ndim, q.rhsContracting, q.rhsBatch);
  return [[out], [nBatch + lhsFree + free.indexOf(dy!)]];
}

// The cotangent of the left operand: contract the output cotangent with the other operand over
// the other operand's free axes, then put the axes back in the left operand's order.
function transposeLhs(
  g: Tensor,
  x: ShapedArray,
  y: Tensor,
  p: DotGeneralParams,
  swapAns: boolean,
): Tensor {
  const xKept = remaining(x.ndim, p.lhsContracting, p.lhsBatch);
  const yKept = remaining(y.ndim, p.rhsContracting, p.rhsBatch);
  const [ansBatch, ansY] = swapAns
    ? rangesLike(p.lhsBatch, yKept, xKept)
    : (([b, , yk]) => [b, yk])(rangesLike(p.lhsBatch, xKept, yKept));
  const dims: DotGeneralParams = {
    lhsContracting: ansY,
    rhsContracting: yKept,
    lhsBatch: ansBatch,
    rhsBatch: p.rhsBatch,
  };
  const order = argsort(p.rhsContracting);
  const xContractSortedByY = order.map((i) => p.lhsContracting[i]);
  const outAxes = argsort([...p.lhsBatch, ...xKept, ...xContractSortedByY]);
  return transpose(bind1(dotGeneralPrim, [g, y], dims), outAxes);
}

/** General tensor contraction with JAX's dimension numbers. */
export function dotGeneral(x: Tensor, y: Tensor, dims: DotGeneralParams): Tensor {
  return bind1(dotGeneralPrim, [x, y], {
    lhsContracting: [...dims.lhsContracting],
    rhsContracting: [...dims.rhsContracting],
    lhsBatch: [...dims.lhsBatch],
    rhsBatch: [...dims.rhsBatch],
  });
}
