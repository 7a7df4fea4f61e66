// The wasm forms of floor/ceil/round/trunc, is_nan/is_inf/is_finite, the logical operations and
// erf, in scalar and SIMD lanes, must equal the eager kernels bit for bit (as ops.test.ts checks
// for the older primitives).
import { describe, expect, it } from 'vitest';
import { DtypeError } from '../../../errors.js';
import { erfPrim } from '../../../prims/erf.js';
import { isfinitePrim, isinfPrim, isnanPrim } from '../../../prims/float_predicates.js';
import {
  logicalAndPrim,
  logicalNotPrim,
  logicalOrPrim,
  logicalXorPrim,
} from '../../../prims/logical.js';
import { ceilPrim, floorPrim, roundPrim, truncPrim } from '../../../prims/rounding.js';
import { ConcreteTensor } from '../../../tensor/concrete.js';
import { allocate, type DType } from '../../../tensor/dtype.js';
import type { Primitive } from '../../../trace/primitive.js';
import { bind1 } from '../../../trace/trace.js';
import { ModuleBuilder } from '../builder.js';
import type { Lanes } from './context.js';
import { emitOp, vectorizable } from './ops.js';
import { compileOp } from './run_op.js';
import { sameValue, valuesOf } from './testing_values.js';

const PRIMS: Record<string, Primitive> = {
  floor: floorPrim,
  ceil: ceilPrim,
  round: roundPrim,
  trunc: truncPrim,
  is_nan: isnanPrim,
  is_inf: isinfPrim,
  is_finite: isfinitePrim,
  logical_and: logicalAndPrim,
  logical_or: logicalOrPrim,
  logical_xor: logicalXorPrim,
  logical_not: logicalNotPrim,
  erf: erfPrim,
};

/** Ties and near-ties, where the rounding modes part ways; erf's range boundaries. */
const EXTRA = [
  0.5,
  1.5,
  2.5,
  -1.5,
  -2.5,
  -0.4,
  0.49999999999999994,
  4.5,
  2 ** 52 + 1,
  2 ** 23 + 0.5,
  0.99,
  1,
  1.01,
  3.99,
  4,
  4.01,
  6.2,
  6.3,
  -0.47,
  0.46875,
];

function eager(prim: string, dtypes: DType[], inputs: number[][]): number[] {
  const n = inputs[0].length;
  const tensors = inputs.map((xs, k) => {
    const buffer = allocate(dtypes[k], n);
    buffer.set(xs);
    return new ConcreteTensor(buffer, [n]);
  });
  const out = bind1(PRIMS[prim], tensors, {}) as ConcreteTensor;
  return Array.from(out.concrete().buffer);
}

/** One column per operand: edge values and random ones (binary: every pair of edges first). */
function operands(dtypes: DType[]): number[][] {
  const cols = dtypes.map((d, k) => {
    const values = valuesOf(d, 300, 11 + k);
    return d === 'bool' ? values : [...values, ...EXTRA, ...EXTRA.map((v) => v * 1e-3)];
  });
  if (dtypes.length === 1) {
    return cols.map((c, k) => Array.from(allocate(dtypes[k], c.length).map((_, i) => c[i])));
  }
  const out: number[][] = [[], []];
  for (const a of cols[0].slice(0, 40)) {
    for (const b of cols[1].slice(0, 40)) {
      out[0].push(a);
      out[1].push(b);
    }
  }
  return out;
}

interface Case {
  prim: string;
  inDtypes: DType[];
  outDtype: DType;
}

const cases: Case[] = [];
for (const d of ['float32', 'float64'] as DType[]) {
  for (const prim of ['floor', 'ceil', 'round', 'trunc', 'erf'])
    cases.push({ prim, inDtypes: [d], outDtype: d });
  for (const prim of ['is_nan', 'is_inf', 'is_finite'])
    cases.push({ prim, inDtypes: [d], outDtype: 'bool' });
}
for (const prim of ['logical_and', 'logical_or', 'logical_xor'])
  cases.push({ prim, inDtypes: ['bool', 'bool'], outDtype: 'bool' });
cases.push({ prim: 'logical_not', inDtypes: ['bool'], outDtype: 'bool' });

describe('wasm emitters of the rounding, predicate, logical and erf primitives', () => {
  for (const c of cases) {
    for (const lanes of ['scalar', 'simd'] as Lanes[]) {
      it(`${c.prim}(${c.inDtypes.join(', ')}) → ${c.outDtype} [${lanes}] equals eager bitwise`, () => {
        expect(vectorizable(c.prim, {}, c.inDtypes, c.outDtype)).toBe(true);
        const xs = operands(c.inDtypes);
        const want = eager(c.prim, c.inDtypes, xs);
        const got = compileOp({ ...c, params: {}, lanes })(xs);
        expect(got.length).toBe(want.length);
        const bad = got.flatMap((g, i) =>
          sameValue(g, want[i])
            ? []
            : [`${xs.map((x) => x[i]).join(', ')} → ${g}, want ${want[i]}`],
        );
        expect(bad.slice(0, 5)).toEqual([]);
      });
    }
  }
});

describe('wasm emitter dtype errors', () => {
  const ctx = (lanes: Lanes) => {
    const mb = new ModuleBuilder();
    let out: Parameters<typeof emitOp>[0] | undefined;
    mb.func([], [], (w) => {
      out = { w, lanes, relaxed: false, hostMath: () => ({ index: 0, params: [], results: [] }) };
    });
    return out!;
  };
  it('names the primitive and the dtypes it cannot take', () => {
    expect(() => emitOp(ctx('scalar'), 'round', {}, ['int32'], 'int32')).toThrow(DtypeError);
    expect(() => emitOp(ctx('scalar'), 'round', {}, ['int32'], 'int32')).toThrow(
      /round\(int32\) → int32: operands must be float32 or float64/,
    );
    expect(() => emitOp(ctx('simd'), 'logical_and', {}, ['int32', 'int32'], 'bool')).toThrow(
      /logical_and\(int32, int32\) → bool: operands must be bool/,
    );
  });
});
