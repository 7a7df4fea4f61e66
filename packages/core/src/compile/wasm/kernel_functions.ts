// SPDX-License-Identifier: MIT
// Kernel steps as wasm functions: one small function per kernel of the plan, taking the loop
// variables its addresses use as i32 parameters. The program's module and the module its pool
// threads run (GEMMs and scans split by batch rows) both emit kernels through here.

import { leavesOf, postOrder } from '../expr.js';
import type { KernelSpec } from '../steps.js';
import type { ArrayValue, Value } from '../values.js';
import type { FuncRef, ModuleBuilder, ValType } from './builder.js';
import { emitDot, type GemmAccess } from './dot.js';
import { emitDynamicCopy } from './dynamic_copy.js';
import type { HostMathName } from './elementwise/index.js';
import { HOST_MATH_ARITY, HOST_MATH_FUNCTIONS } from './elementwise/index.js';
import { emitFused, type KernelContext } from './fused.js';
import { emitGather, emitScatterAdd } from './gather.js';
import { emitIota } from './iota.js';
import { emitCopy, emitFallbackCall, emitFill, emitReduce } from './kernels.js';
import { type Layout, termVars, UnsupportedInWasm } from './layout.js';

/** Every array a kernel reads or writes (for its address terms). */
export function specArrays(spec: KernelSpec): ArrayValue[] {
  switch (spec.kind) {
    case 'fused':
      return [spec.out, ...leavesOf(spec.root)];
    case 'copy':
      return [spec.src, spec.dst];
    case 'dynamicCopy':
      return [
        spec.src,
        spec.dst,
        ...spec.starts.filter((v): v is ArrayValue => v.kind === 'array'),
      ];
    case 'fill':
      return [spec.dst];
    case 'gather':
      return [spec.operand, spec.indices, spec.out];
    case 'scatterAdd':
      return [spec.updates, spec.indices, spec.out];
    case 'iota':
      return [spec.out];
    case 'reduce':
      return [...leavesOf(spec.x), spec.out];
    case 'dot':
      return [spec.lhs, spec.rhs, spec.out, ...(spec.accumulate ? [spec.accumulate] : [])];
    case 'fallback':
      return [...spec.inputs.filter((v): v is ArrayValue => v.kind === 'array'), ...spec.outs];
    case 'breakUnless':
      return spec.pred.kind === 'array' ? [spec.pred] : [];
  }
}

/** The operations of an expression, inputs first, for listings. */
function operations(root: Value): string {
  return postOrder(root)
    .flatMap((v) =>
      v.kind !== 'expr'
        ? []
        : v.op.prim === 'dot_terms'
          ? [
              `dot_terms(${v.inputs.length / 2} terms, strides ${v.inputs
                .slice(0, 2)
                .map((x) => (x.kind === 'array' ? `[${x.strides.join(',')}]` : '?'))
                .join(' ')})`,
            ]
          : [v.op.prim],
    )
    .join(' ');
}

function describeKernel(spec: KernelSpec, index: number): string {
  const shape = (a: { dtype: string; shape: readonly number[] }) =>
    `${a.dtype}[${a.shape.join(',')}]`;
  const head = `// f${index}: ${spec.kind}`;
  switch (spec.kind) {
    case 'fused':
      return `${head} ${shape(spec.out)} = ${operations(spec.root) || 'read'}`;
    case 'copy':
      return `${head} ${shape(spec.src)} -> ${shape(spec.dst)}`;
    case 'dynamicCopy':
      return `${head} ${shape(spec.src)} -> ${shape(spec.dst)}, window of the ${spec.shifted} at run-time starts`;
    case 'fill':
      return `${head} ${shape(spec.dst)} = ${spec.value}`;
    case 'gather':
      return `${head} ${shape(spec.operand)} axis ${spec.axis} by ${shape(spec.indices)} -> ${shape(spec.out)}`;
    case 'scatterAdd':
      return `${head} ${shape(spec.updates)} by ${shape(spec.indices)} into ${shape(spec.out)} axis ${spec.axis}`;
    case 'iota':
      return `${head} ${shape(spec.out)} along ${spec.dimension}`;
    case 'reduce': {
      const of = spec.x.kind === 'expr' ? ` of ${operations(spec.x)}` : '';
      return `${head} ${spec.op} ${shape(spec.x)} over [${spec.axes.join(',')}]${of}`;
    }
    case 'dot':
      return `${head} ${shape(spec.lhs)} x ${shape(spec.rhs)} ${spec.accumulate ? '+=' : '->'} ${shape(spec.out)}`;
    case 'fallback':
      return `${head} ${spec.name} (eager kernel via the host) -> ${spec.outs.map(shape).join(', ')}`;
    case 'breakUnless':
      return head;
  }
}

/**
 * Imports the float64 host functions kernels may call (`math.<name>`); call before any func.
 * With `mathOnly` (modules pool threads run: workers can import only `Math`), just those that
 * are `Math` functions; asking for another then throws.
 */
export function importMath(mb: ModuleBuilder, mathOnly = false): (name: HostMathName) => FuncRef {
  const math = new Map<HostMathName, FuncRef>();
  for (const [fn, arity] of Object.entries(HOST_MATH_ARITY) as [HostMathName, number][]) {
    if (mathOnly && !isMathFunction(fn)) continue;
    const params: ValType[] = Array.from({ length: arity }, () => 'f64');
    math.set(fn, mb.importFunc('math', fn, params, ['f64']));
  }
  return (name) => {
    const fn = math.get(name);
    if (!fn) throw new UnsupportedInWasm(`host function ${name} in a module threads run`);
    return fn;
  };
}

/** Whether the host function `name` is `Math[name]` (so pool workers can import it too). */
export function isMathFunction(name: HostMathName): boolean {
  return (
    (HOST_MATH_FUNCTIONS[name] as unknown) === (Math as unknown as Record<string, unknown>)[name]
  );
}

/** Where fallback kernels (eager kernels called through the host) pass their arguments. */
export interface FallbackAccess {
  readonly call: FuncRef;
  readonly specs: readonly Extract<KernelSpec, { kind: 'fallback' }>[];
  readonly argBlock: number;
}

export interface KernelFunctions {
  readonly mb: ModuleBuilder;
  readonly layout: Layout;
  readonly relaxed: boolean;
  readonly hostMath: (name: HostMathName) => FuncRef;
  readonly gemm: GemmAccess;
  /** Absent in modules that threads run: those may not call back into JavaScript. */
  readonly fallback?: FallbackAccess;
  /** Receives each kernel's one-line description (the program's listing). */
  readonly describe: (line: string) => void;
}

/** Emits `spec` as a function of `mb`; returns it and the loop variables it takes, in order. */
export function kernelFunction(
  kf: KernelFunctions,
  spec: KernelSpec,
): { fn: FuncRef; vars: string[] } {
  const { mb, layout } = kf;
  const vars = termVars(specArrays(spec).map((a) => layout.address(a)));
  const description = describeKernel(spec, mb.nextFunctionIndex);
  kf.describe(description);
  const ops = { relaxed: kf.relaxed, hostMath: kf.hostMath };
  const fn = mb.func(
    vars.map(() => 'i32'),
    [],
    (w, params) => {
      const k: KernelContext = {
        w,
        layout,
        vars: new Map(vars.map((v, i) => [v, params[i]])),
        ops,
      };
      switch (spec.kind) {
        case 'fused':
          emitFused(k, spec.root, spec.out);
          return;
        case 'copy':
          emitCopy(k, spec.src, spec.dst);
          return;
        case 'dynamicCopy':
          emitDynamicCopy(k, spec);
          return;
        case 'fill':
          emitFill(k, spec.value, spec.dst);
          return;
        case 'gather':
          emitGather(k, spec);
          return;
        case 'scatterAdd':
          emitScatterAdd(k, spec);
          return;
        case 'iota':
          emitIota(k, spec);
          return;
        case 'reduce':
          emitReduce(k, spec.op, spec.x, spec.axes, spec.out);
          return;
        case 'dot':
          emitDot(k, spec, kf.gemm, kf.relaxed);
          return;
        case 'fallback': {
          const fb = kf.fallback;
          if (!fb) throw new UnsupportedInWasm('a fallback kernel in a module threads run');
          emitFallbackCall(k, fb.call, fb.specs.indexOf(spec), fb.argBlock, spec.inputs, spec.outs);
          return;
        }
        case 'breakUnless':
          throw new UnsupportedInWasm('breakUnless outside a while loop');
      }
    },
  );
  mb.nameFunction(fn, description.replace(/^\/\/ /, ''));
  return { fn, vars };
}
