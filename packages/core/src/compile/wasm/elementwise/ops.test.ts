// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { DtypeError, InvalidArgumentError } from '../../../errors.js';
import { absPrim } from '../../../prims/abs.js';
import { addPrim } from '../../../prims/add.js';
import { eqPrim, gePrim, gtPrim, lePrim, ltPrim, nePrim } from '../../../prims/comparisons.js';
import { convertElementTypePrim } from '../../../prims/convert_element_type.js';
import { cosPrim } from '../../../prims/cos.js';
import { divPrim } from '../../../prims/div.js';
import { expPrim } from '../../../prims/exp.js';
import { maxPrim, minPrim } from '../../../prims/extrema.js';
import { integerPowPrim } from '../../../prims/integer_pow.js';
import { logPrim } from '../../../prims/log.js';
import { log1pPrim } from '../../../prims/log1p.js';
import { logisticPrim } from '../../../prims/logistic.js';
import { mulPrim } from '../../../prims/mul.js';
import { negPrim } from '../../../prims/neg.js';
import { powPrim } from '../../../prims/pow.js';
import { rsqrtPrim } from '../../../prims/rsqrt.js';
import { selectPrim } from '../../../prims/select.js';
import { signPrim } from '../../../prims/sign.js';
import { sinPrim } from '../../../prims/sin.js';
import { sqrtPrim } from '../../../prims/sqrt.js';
import { subPrim } from '../../../prims/sub.js';
import { tanhPrim } from '../../../prims/tanh.js';
import { ConcreteTensor } from '../../../tensor/concrete.js';
import { allocate, type DType } from '../../../tensor/dtype.js';
import type { Params, Primitive } from '../../../trace/primitive.js';
import { bind1 } from '../../../trace/trace.js';
import { ModuleBuilder } from '../builder.js';
import type { Lanes } from './context.js';
import { emitOp, vectorizable } from './ops.js';
import { compileOp } from './run_op.js';
import { sameValue, ulpDistance, valuesOf } from './testing_values.js';

const PRIMS: Record<string, Primitive> = {
  abs: absPrim,
  add: addPrim,
  sub: subPrim,
  mul: mulPrim,
  div: divPrim,
  neg: negPrim,
  sign: signPrim,
  max: maxPrim,
  min: minPrim,
  integer_pow: integerPowPrim as Primitive,
  pow: powPrim,
  sqrt: sqrtPrim,
  rsqrt: rsqrtPrim,
  exp: expPrim,
  log: logPrim,
  log1p: log1pPrim,
  logistic: logisticPrim,
  tanh: tanhPrim,
  sin: sinPrim,
  cos: cosPrim,
  eq: eqPrim,
  ne: nePrim,
  lt: ltPrim,
  le: lePrim,
  gt: gtPrim,
  ge: gePrim,
  select: selectPrim,
  convert_element_type: convertElementTypePrim as Primitive,
};

/** The eager kernel's results (the reference the wasm code must reproduce). */
function eager(prim: string, params: Params, dtypes: DType[], inputs: number[][]): number[] {
  const n = inputs[0].length;
  const tensors = inputs.map((xs, k) => {
    const buffer = allocate(dtypes[k], n);
    buffer.set(xs);
    return new ConcreteTensor(buffer, [n]);
  });
  const out = bind1(PRIMS[prim], tensors, params) as ConcreteTensor;
  return Array.from(out.concrete().buffer);
}

/** Operand columns: every pair of edge values, then random pairs (as stored in the dtype). */
function operands(dtypes: DType[]): number[][] {
  const cols = dtypes.map((d, k) => valuesOf(d, 200, 7 + k));
  if (dtypes.length === 1) return cols;
  const edges = cols.map((c) => c.slice(0, 40));
  const out: number[][] = dtypes.map(() => []);
  // Cross the first two operands' edges; a third operand cycles.
  for (const a of edges[0]) {
    for (let j = 0; j < edges[1].length; j++) {
      out[0].push(a);
      out[1].push(edges[1][j]);
      if (out[2]) out[2].push(edges[2][j % edges[2].length]);
    }
  }
  for (let j = 0; j < cols[0].length; j++) {
    for (let k = 0; k < dtypes.length; k++) out[k].push(cols[k][j % cols[k].length]);
  }
  // Round into the operand dtypes (bool operands are 0/1 already).
  return out.map((xs, k) => Array.from(allocate(dtypes[k], xs.length).map((_, i) => xs[i])));
}

const TRANSCENDENTAL = new Set(['exp', 'log', 'log1p', 'logistic', 'tanh', 'sin', 'cos']);
const FLOATS: DType[] = ['float32', 'float64'];
const NUMERIC: DType[] = ['float32', 'float64', 'int32'];
const ALL: DType[] = ['float32', 'float64', 'int32', 'bool'];

interface Case {
  prim: string;
  params?: Params;
  inDtypes: DType[];
  outDtype: DType;
}

const cases: Case[] = [];
for (const d of NUMERIC) {
  for (const prim of ['abs', 'neg', 'sign']) cases.push({ prim, inDtypes: [d], outDtype: d });
  for (const prim of ['add', 'sub', 'mul', 'div', 'max', 'min']) {
    cases.push({ prim, inDtypes: [d, d], outDtype: d });
  }
  const powers = d === 'int32' ? [0, 1, 2, 3, 5, 8] : [-4, -3, -2, -1, 0, 1, 2, 3, 7];
  for (const y of powers)
    cases.push({ prim: 'integer_pow', params: { y }, inDtypes: [d], outDtype: d });
}
for (const d of FLOATS) {
  for (const prim of ['sqrt', 'rsqrt', ...TRANSCENDENTAL])
    cases.push({ prim, inDtypes: [d], outDtype: d });
  cases.push({ prim: 'pow', inDtypes: [d, d], outDtype: d });
}
for (const d of ALL) {
  for (const prim of ['eq', 'ne', 'lt', 'le', 'gt', 'ge'])
    cases.push({ prim, inDtypes: [d, d], outDtype: 'bool' });
  cases.push({ prim: 'select', inDtypes: ['bool', d, d], outDtype: d });
  for (const to of ALL) {
    cases.push({
      prim: 'convert_element_type',
      params: { dtype: to },
      inDtypes: [d],
      outDtype: to,
    });
  }
}

const label = (c: Case) =>
  `${c.prim}${c.params ? JSON.stringify(c.params) : ''}(${c.inDtypes.join(', ')}) → ${c.outDtype}`;

describe('wasm elementwise emitters match the eager kernels', () => {
  for (const c of cases) {
    for (const lanes of ['scalar', 'simd'] as Lanes[]) {
      const params = c.params ?? {};
      if (lanes === 'simd' && !vectorizable(c.prim, params, c.inDtypes, c.outDtype)) continue;
      it(`${label(c)} [${lanes}]`, () => {
        const xs = operands(c.inDtypes);
        const want = eager(c.prim, params, c.inDtypes, xs);
        const got = compileOp({ ...c, params, lanes })(xs);
        const ulps = c.outDtype === 'float32' && TRANSCENDENTAL.has(c.prim);
        const bad = got.flatMap((g, i) => {
          const ok = ulps ? ulpDistance(g, want[i]) <= 2 : sameValue(g, want[i]);
          return ok ? [] : [`${xs.map((x) => x[i]).join(', ')} → ${g}, want ${want[i]}`];
        });
        expect(bad.slice(0, 5)).toEqual([]);
      });
    }
  }
});

describe('wasm elementwise vectorizable', () => {
  it('rejects what changes the lane count and unknown primitives, accepts the rest', () => {
    expect(vectorizable('add', {}, ['float32', 'float32'], 'float32')).toBe(true);
    expect(vectorizable('lt', {}, ['float64', 'float64'], 'bool')).toBe(true);
    expect(vectorizable('select', {}, ['bool', 'float64', 'float64'], 'float64')).toBe(true);
    expect(vectorizable('convert_element_type', { dtype: 'float64' }, ['float32'], 'float64')).toBe(
      false,
    );
    expect(vectorizable('convert_element_type', { dtype: 'int32' }, ['float64'], 'int32')).toBe(
      false,
    );
    expect(vectorizable('convert_element_type', { dtype: 'float64' }, ['bool'], 'float64')).toBe(
      true,
    );
    expect(vectorizable('cumsum', {}, ['float32'], 'float32')).toBe(false);
  });
});

describe('wasm elementwise errors', () => {
  const ctx = () => {
    const mb = new ModuleBuilder();
    let ctxOut: Parameters<typeof emitOp>[0] | undefined;
    mb.func([], [], (w) => {
      ctxOut = {
        w,
        lanes: 'simd',
        relaxed: false,
        hostMath: () => ({ index: 0, params: [], results: [] }),
      };
    });
    return ctxOut!;
  };
  it('names an unknown primitive and lists the known ones', () => {
    expect(() => emitOp(ctx(), 'cumsum', {}, ['float32'], 'float32')).toThrow(InvalidArgumentError);
    expect(() => emitOp(ctx(), 'cumsum', {}, ['float32'], 'float32')).toThrow(
      /no emitter for primitive "cumsum"; known: abs, add/,
    );
  });
  it('rejects a SIMD conversion between float64 and float32 with the dtypes in the message', () => {
    expect(() =>
      emitOp(ctx(), 'convert_element_type', { dtype: 'float64' }, ['float32'], 'float64'),
    ).toThrow(DtypeError);
    expect(() =>
      emitOp(ctx(), 'convert_element_type', { dtype: 'float64' }, ['float32'], 'float64'),
    ).toThrow(/convert_element_type\(float32\) → float64 has no SIMD form/);
  });
  it('rejects a transcendental on int32', () => {
    expect(() => emitOp(ctx(), 'exp', {}, ['int32'], 'int32')).toThrow(
      /exp\(int32\) → int32: operands must be float32 or float64/,
    );
  });
});
