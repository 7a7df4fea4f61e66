// SPDX-License-Identifier: MIT
// Compiles one elementwise operation into a stand-alone kernel over arrays in a wasm memory: the
// smallest loop around `emitOp`, used by the tests and throughput measurements (the lowering's
// fused loops are in ../fused.ts). Bools travel as int32 0/1 (two copies per float64 lane, so
// `i32x4.ne 0` gives the i64x2 masks a 2-lane tree uses).
import type { DType } from '../../../tensor/dtype.js';
import { type CodeWriter, type FuncRef, ModuleBuilder, type ValType } from '../builder.js';
import type { MemoryOp } from '../opcodes.js';
import {
  HOST_MATH_ARITY,
  HOST_MATH_FUNCTIONS,
  type HostMathName,
  type Lanes,
  type OpContext,
} from './context.js';
import { emitOp } from './ops.js';

export interface OpSpec {
  readonly prim: string;
  readonly params?: Record<string, unknown>;
  readonly inDtypes: DType[];
  readonly outDtype: DType;
  readonly lanes: Lanes;
}

/** Applies the op to `inputs` (one array per operand, same length) and returns the results. */
export type OpRunner = (inputs: readonly ArrayLike<number>[]) => number[];

/** 4 lanes unless the operation touches float64. */
function treeLanes(spec: OpSpec): 2 | 4 {
  return [...spec.inDtypes, spec.outDtype].includes('float64') ? 2 : 4;
}

/** Bytes one element occupies in the harness layout. */
function slotBytes(dtype: DType, lanes: number, simd: boolean): number {
  if (dtype === 'float64') return 8;
  if (dtype === 'bool' && simd && lanes === 2) return 8;
  return 4;
}

const SCALAR_LOAD: Record<DType, [MemoryOp, ValType]> = {
  float32: ['f32.load', 'f32'],
  float64: ['f64.load', 'f64'],
  int32: ['i32.load', 'i32'],
  bool: ['i32.load', 'i32'],
};
const SCALAR_STORE: Record<DType, MemoryOp> = {
  float32: 'f32.store',
  float64: 'f64.store',
  int32: 'i32.store',
  bool: 'i32.store',
};

function emitKernel(w: CodeWriter, spec: OpSpec, ptrs: number, count: number, ctx: OpContext) {
  const simd = spec.lanes === 'simd';
  const lanes = simd ? treeLanes(spec) : 1;
  const dtypes = [...spec.inDtypes, spec.outDtype];
  const i = w.local('i32');
  const address = (k: number) => {
    // ptr_k + i·slot
    w.get({ index: ptrs + k, type: 'i32' }).get(i);
    w.i32(slotBytes(dtypes[k], simd ? lanes : 1, simd))
      .op('i32.mul')
      .op('i32.add');
  };
  w.forLoop(
    i,
    () => w.i32(0),
    () => w.get({ index: count, type: 'i32' }),
    lanes,
    () => {
      const out = spec.inDtypes.length;
      address(out);
      spec.inDtypes.forEach((d, k) => {
        address(k);
        if (!simd) w.mem(SCALAR_LOAD[d][0]);
        else {
          w.mem('v128.load', 0, 0);
          if (d === 'bool') w.i32x4(0).op('i32x4.ne');
        }
      });
      emitOp(ctx, spec.prim, spec.params ?? {}, spec.inDtypes, spec.outDtype);
      if (!simd) w.mem(SCALAR_STORE[spec.outDtype]);
      else {
        if (spec.outDtype === 'bool') w.i32x4(1).op('v128.and');
        w.mem('v128.store', 0, 0);
      }
    },
  );
}

export interface OpKernel {
  /** `kernel(ptr_in0, ..., ptr_out, count)`: count a multiple of the lanes in SIMD mode. */
  readonly kernel: (...args: number[]) => void;
  readonly memory: WebAssembly.Memory;
}

/** Builds and instantiates the kernel module; `relaxed` is passed through to the emitters. */
export function compileOpKernel(spec: OpSpec, relaxed = false): OpKernel {
  const mb = new ModuleBuilder().importMemory({ initial: 1 });
  const math = new Map<HostMathName, FuncRef>();
  for (const [name, arity] of Object.entries(HOST_MATH_ARITY) as [HostMathName, number][]) {
    math.set(name, mb.importFunc('math', name, Array(arity).fill('f64'), ['f64']));
  }
  const arity = spec.inDtypes.length;
  const params: ValType[] = Array(arity + 2).fill('i32');
  const fn = mb.func(params, [], (w) => {
    const hostMath = (name: HostMathName) => math.get(name)!;
    emitKernel(w, spec, 0, arity + 1, { w, lanes: spec.lanes, relaxed, hostMath });
  });
  mb.export(fn, 'kernel');
  const memory = new WebAssembly.Memory({ initial: 1 });
  const mathImports: Record<string, (...a: number[]) => number> = { ...HOST_MATH_FUNCTIONS };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(mb.build()), {
    env: { memory },
    math: mathImports,
  });
  return { kernel: instance.exports.kernel as (...args: number[]) => void, memory };
}

/** A kernel for `spec` behind a function that copies operands in and results out. */
export function compileOp(spec: OpSpec, relaxed = false): OpRunner {
  const { kernel, memory } = compileOpKernel(spec, relaxed);
  const arity = spec.inDtypes.length;
  const simd = spec.lanes === 'simd';
  const lanes = simd ? treeLanes(spec) : 1;
  const dtypes = [...spec.inDtypes, spec.outDtype];
  return (inputs) => {
    const n = inputs[0]?.length ?? 0;
    const padded = Math.ceil(n / lanes) * lanes;
    const offsets: number[] = [];
    let end = 0;
    for (const d of dtypes) {
      offsets.push(end);
      end += Math.ceil((padded * slotBytes(d, lanes, simd)) / 16) * 16;
    }
    const pages = Math.ceil(end / 65536) - memory.buffer.byteLength / 65536;
    if (pages > 0) memory.grow(pages);
    const buffer = memory.buffer;
    const view = (k: number) => {
      const d = dtypes[k];
      const slot = slotBytes(d, lanes, simd);
      if (d === 'float32') return { arr: new Float32Array(buffer, offsets[k], padded), stride: 1 };
      if (d === 'float64') return { arr: new Float64Array(buffer, offsets[k], padded), stride: 1 };
      return { arr: new Int32Array(buffer, offsets[k], (padded * slot) / 4), stride: slot / 4 };
    };
    inputs.forEach((xs, k) => {
      const { arr, stride } = view(k);
      arr.fill(0);
      for (let j = 0; j < n; j++) {
        for (let c = 0; c < stride; c++) arr[j * stride + c] = xs[j];
      }
    });
    kernel(...offsets, simd ? padded : n);
    const { arr, stride } = view(arity);
    return Array.from({ length: n }, (_, j) => arr[j * stride]);
  };
}
