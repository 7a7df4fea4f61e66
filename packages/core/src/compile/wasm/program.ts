// SPDX-License-Identifier: MIT
// The WebAssembly lowering: a plan becomes one module whose `main` runs the whole program, control
// flow included (a scan is a wasm loop; one LSTM step crosses no JS/wasm boundary). Every buffer
// lives at a fixed address of the program's arena in the shared heap memory; inputs are copied in
// (unless the arena already holds that very array: tensors are immutable and no kernel writes an
// input's region) and outputs copied out into fresh arrays. Each kernel is its own small function
// (so V8 tiers up the hot ones early); primitives without a wasm form call their eager kernel
// through a host import.
import { AllocationError } from '../../errors.js';
import { heap } from '../../runtime/heap.js';
import { pool } from '../../runtime/pool.js';
import { threadsSupported } from '../../runtime/threads.js';
import { type DType, itemSize, type TypedArray } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import type { Plan } from '../plan.js';
import type { CompiledProgram } from '../program.js';
import type { KernelSpec, Step } from '../steps.js';
import type { Value } from '../values.js';
import { type CodeWriter, type FuncRef, type Local, ModuleBuilder } from './builder.js';
import { CHUNK_VAR, callKernel, chunkLargeFused, emitChunkJob, MAX_OUTER_VARS } from './chunks.js';
import { type DotSpec, type GemmAccess, gemmScratch, gemmSpecOf, parallelMinFlops } from './dot.js';
import { HOST_MATH_FUNCTIONS } from './elementwise/index.js';
import { emitGemm, emitPrepackB } from './gemm/driver.js';
import type { GemmSpec } from './gemm/plan.js';
import { importMath, type KernelFunctions } from './kernel_functions.js';
import { Layout, loopVar, pushAddress, UnsupportedInWasm } from './layout.js';
import { emitScanLoop } from './nest.js';
import { planPrepacks } from './prepack.js';
import { emitSplitScan, scanSplits } from './row_split.js';

const ARRAY: Record<DType, new (b: ArrayBufferLike, at: number, n: number) => TypedArray> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
};

/**
 * A fresh array holding `size` elements of the arena at byte `at`. Allocating and `set` is 1.5×
 * faster than `slice()`, which copies a shared buffer's elements one by one in V8 (1 MiB:
 * 208 against 325 µs).
 */
function copyOut(
  ctor: (typeof ARRAY)[DType],
  buffer: ArrayBufferLike,
  at: number,
  size: number,
): TypedArray {
  const view = new ctor(buffer, at, size);
  const out = new ctor(new ArrayBuffer(view.byteLength), 0, size);
  out.set(view);
  return out;
}

const align = (n: number) => Math.ceil(n / 64) * 64;

/** Pushes the i32 truth value of a boolean scalar. */
function pushTruth(w: CodeWriter, pred: Value, layout: Layout, vars: Map<string, Local>): void {
  if (pred.kind === 'lit') w.i32(pred.value ? 1 : 0);
  else if (pred.kind === 'array') {
    pushAddress(w, layout.address(pred), vars);
    w.mem('i32.load8_u');
  } else throw new UnsupportedInWasm('a fused predicate');
}

/** Pushes a cond's selector as an i32: a bool scalar (0/1) or an int32 index. */
function pushSelector(w: CodeWriter, sel: Value, layout: Layout, vars: Map<string, Local>): void {
  if (sel.dtype === 'bool') pushTruth(w, sel, layout, vars);
  else if (sel.kind === 'lit') w.i32(sel.value);
  else if (sel.kind === 'array') {
    pushAddress(w, layout.address(sel), vars);
    w.mem('i32.load');
  } else throw new UnsupportedInWasm('a fused switch index');
}

export interface WasmOptions {
  /** Relaxed-SIMD instructions may be emitted (the probe passed and they are not disabled). */
  readonly relaxed: boolean;
}

/** Lowers `plan` to a WebAssembly module; throws UnsupportedInWasm for what it cannot express. */
export function emitWasm(
  plan: Plan,
  name: string,
  reason: string,
  options: WasmOptions,
): CompiledProgram {
  const fresh = plan.results.flatMap((r) => (r.kind === 'fresh' ? [r.out] : []));
  const fallbacks: Extract<KernelSpec, { kind: 'fallback' }>[] = [];
  const kernels: KernelSpec[] = [];
  const stack: (readonly Step[])[] = [plan.steps];
  while (stack.length > 0) {
    for (const s of stack.pop()!) {
      if (s.kind === 'region') {
        if (!s.spec) throw new UnsupportedInWasm('a control-flow region without a spec');
        stack.push(...s.blocks);
      } else {
        if (!s.spec) throw new UnsupportedInWasm('a kernel without a spec');
        kernels.push(s.spec);
        if (s.spec.kind === 'fallback') fallbacks.push(s.spec);
      }
    }
  }

  // Arena layout: slots, inputs, outputs, the fallback argument block.
  const offsets = new Map<string, number>();
  let bytes = 0;
  const reserve = (key: string, n: number) => {
    offsets.set(key, bytes);
    bytes += align(Math.max(n, 1));
  };
  for (const s of plan.slots) reserve(s.name, s.size * itemSize(s.dtype));
  plan.inputs.forEach((b) => {
    if (b) reserve(b.name!, b.size * itemSize(b.dtype));
  });
  for (const o of fresh) reserve(o.buf.name!, o.buf.size * itemSize(o.dtype));
  const argCount = Math.max(
    0,
    ...fallbacks.map((f) => f.inputs.filter((v) => v.kind === 'array').length + f.outs.length),
  );
  reserve('#args', argCount * 4);
  const gemmSpecs = kernels
    .filter((k): k is DotSpec => k.kind === 'dot')
    .map((k) => gemmSpecOf(k, options.relaxed));
  reserve('#scratch', Math.max(0, ...gemmSpecs.map(gemmScratch)));
  const splits = scanSplits(plan.steps);
  const rowScratchPerChunk = align(Math.max(0, ...[...splits.values()].map((s) => s.scratchBytes)));
  reserve(
    '#rowScratch',
    rowScratchPerChunk * Math.max(0, ...[...splits.values()].map((s) => s.chunks)),
  );
  const prepacks = planPrepacks(
    plan.steps,
    (scan) => {
      const split = splits.get(scan);
      if (split) return split.kernels;
      return scan.kind === 'region'
        ? scan.blocks[0].flatMap((s) => (s.kind === 'kernel' && s.spec ? [s.spec] : []))
        : [];
    },
    options.relaxed,
  );
  for (const ops of prepacks.byLoop.values()) for (const o of ops) reserve(o.key, o.bytes);
  const owner = {};
  let base: number;
  try {
    base = heap.allocOwned(owner, bytes);
  } catch (e) {
    // Beyond the 4 GiB of memory32 (or what the platform grants): JavaScript arrays instead.
    if (e instanceof AllocationError) {
      throw new UnsupportedInWasm(
        `its ${bytes} bytes of buffers do not fit in wasm memory: ${e.message}`,
      );
    }
    throw e;
  }
  const layout = new Layout();
  for (const [key, at] of offsets) layout.place(key, base + at);
  const argBlock = layout.get('#args');

  const mb = new ModuleBuilder().importMemory(heap.memoryImport());
  const fallbackImport = mb.importFunc('host', 'fallback', ['i32']);
  const hostMath = importMath(mb);
  const parallelImport = mb.importFunc('host', 'parallel', [
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
  ]);
  // (index, chunks, outer loop variables...): runs chunked job number `index` over the pool.
  const jobImport = mb.importFunc(
    'host',
    'job',
    Array.from({ length: 2 + MAX_OUTER_VARS }, () => 'i32' as const),
  );
  // GEMMs: small ones in this module; large ones also in a module of their own that every
  // thread of the pool instantiates, called through the host. Chunked jobs (scans split by
  // batch rows, large elementwise kernels) live in that module too, with their kernels.
  const threaded = new ModuleBuilder().importMemory(heap.memoryImport());
  const threadedMath = importMath(threaded, true);
  let threadedCount = 0;
  const localGemms = (builder: ModuleBuilder) => {
    const cache = new Map<string, { fn: FuncRef; tasks: number }>();
    return (spec: GemmSpec) => {
      const key = JSON.stringify(spec);
      let g = cache.get(key);
      if (!g) {
        const k = emitGemm(builder, spec);
        g = { fn: k.fn, tasks: k.tasks };
        cache.set(key, g);
      }
      return g;
    };
  };
  const packedAt = (spec: DotSpec) => {
    const operand = prepacks.byKernel.get(spec);
    return operand && layout.get(operand.key);
  };
  const listing: string[] = [];
  const describe = (line: string) => listing.push(line);
  const prepackFns = new Map<string, FuncRef>();
  /** Packs the loop-invariant weights of `scan` (at its start, in main). */
  const emitPrepacks = (w: CodeWriter, scan: Step, vars: Map<string, Local>) => {
    for (const o of prepacks.byLoop.get(scan) ?? []) {
      const key = JSON.stringify(o.gemm);
      let fn = prepackFns.get(key);
      if (!fn) {
        fn = emitPrepackB(mb, o.gemm);
        prepackFns.set(key, fn);
      }
      describe(
        `// p${o.key.slice('#packed'.length)}: B (${o.gemm.k}×${o.gemm.n}) of a product in a loop, packed once when the loop starts`,
      );
      pushAddress(w, layout.address(o.b), vars);
      w.i32(layout.get(o.key)).call(fn);
    }
  };
  const gemm: GemmAccess = {
    scratch: { base: layout.get('#scratch'), terms: [] },
    packedBAt: packedAt,
    local: localGemms(mb),
    parallel(spec: GemmSpec) {
      const flops = 2 * spec.batch * spec.m * spec.n * spec.k;
      if (flops < parallelMinFlops() || !threadsSupported()) return null;
      const k = emitGemm(threaded, spec);
      if (k.tasks < 2) return null;
      const index = threadedCount++;
      threaded.export(k.fn, `g${index}`);
      return { call: parallelImport, index, tasks: k.tasks };
    },
  };

  const mainKernels: KernelFunctions = {
    mb,
    layout,
    relaxed: options.relaxed,
    hostMath,
    gemm,
    fallback: { call: fallbackImport, specs: fallbacks, argBlock },
    describe,
  };
  // Each chunk of a split scan has its own GEMM scratch (chunks run at once).
  const chunkKernels: KernelFunctions = {
    mb: threaded,
    layout,
    relaxed: options.relaxed,
    hostMath: threadedMath,
    gemm: {
      scratch: {
        base: layout.get('#rowScratch'),
        terms: [{ v: CHUNK_VAR, bytes: rowScratchPerChunk }],
      },
      local: localGemms(threaded),
      parallel: () => null,
      packedBAt: packedAt,
    },
    describe,
  };
  let jobCount = 0;

  const main = mb.func([], [], (w) => {
    const vars = new Map<string, Local>();
    /** Calls chunked job `j<index>` of the threaded module over `chunks` chunks. */
    const callJob = (index: number, chunks: number, outer: readonly string[]) => {
      threadedCount++;
      w.i32(index).i32(chunks);
      for (let i = 0; i < MAX_OUTER_VARS; i++) {
        if (i < outer.length) w.get(loopVar(vars, outer[i]));
        else w.i32(0);
      }
      w.call(jobImport);
    };
    const emitBlock = (steps: readonly Step[]): void => {
      for (const s of steps) {
        if (s.kind === 'kernel') {
          const spec = s.spec!;
          if (spec.kind === 'breakUnless') {
            pushTruth(w, spec.pred, layout, vars);
            w.op('i32.eqz').brIf(1);
            continue;
          }
          const chunked = spec.kind === 'fused' ? chunkLargeFused(spec) : null;
          if (chunked) {
            const index = jobCount++;
            describe(
              `// j${index}: the next kernel, cut into ${chunked.chunks} chunks for the pool's threads`,
            );
            const call = callKernel(chunkKernels, chunked.kernel);
            const description = `${chunked.chunks} chunks of a large elementwise kernel`;
            emitChunkJob(chunkKernels, chunked.outer, `j${index}`, description, call);
            callJob(index, chunked.chunks, chunked.outer);
            continue;
          }
          callKernel(mainKernels, spec)(w, vars);
          continue;
        }
        const spec = s.spec!;
        if (spec.kind === 'scan') {
          if (spec.length > 0) emitPrepacks(w, s, vars);
          const split = splits.get(s);
          if (split) {
            const index = jobCount++;
            emitSplitScan(chunkKernels, spec, split, `j${index}`);
            callJob(index, split.chunks, split.outer);
            continue;
          }
          const t = w.local('i32');
          vars.set(spec.counter, t);
          let index = t;
          if (spec.reverse) {
            index = w.local('i32');
            vars.set(spec.index, index);
          }
          emitScanLoop(w, spec.length, spec.reverse, t, index, () => emitBlock(s.blocks[0]));
        } else if (spec.kind === 'while') {
          w.block(() => {
            w.loop(() => {
              emitBlock(s.blocks[0]);
              emitBlock(s.blocks[1]);
              w.br(0);
            });
          });
        } else {
          // cond/switch: an if chain on `sel <= k`, which reads a bool (false = 0) and clamps
          // an index to [0, n-1] in one go, as the JavaScript lowering does.
          const sel = w.local('i32');
          pushSelector(w, spec.pred, layout, vars);
          w.set(sel);
          const chain = (k: number): void => {
            if (k === s.blocks.length - 1) {
              emitBlock(s.blocks[k]);
              return;
            }
            w.get(sel).i32(k).op('i32.le_s');
            w.if(
              () => emitBlock(s.blocks[k]),
              () => chain(k + 1),
            );
          };
          chain(0);
        }
      }
    };
    emitBlock(plan.steps);
  });
  mb.export(main, 'main');
  const bytesOfModule = mb.build();
  // An invalid module is a bug here, not a platform limit: never hide it behind a fallback.
  if (!WebAssembly.validate(bytesOfModule)) {
    throw new Error(`wasm lowering of ${name}: the generated module does not validate`);
  }
  const module = new WebAssembly.Module(bytesOfModule);
  let threadedId = -1;
  if (threadedCount > 0) {
    const bytesOfThreaded = threaded.build();
    if (!WebAssembly.validate(bytesOfThreaded)) {
      throw new Error(`wasm lowering of ${name}: the threaded GEMM module does not validate`);
    }
    threadedId = pool().register(new WebAssembly.Module(bytesOfThreaded), owner);
  }
  const parallelHost = (
    index: number,
    tasks: number,
    a: number,
    b: number,
    c: number,
    scratch: number,
  ) => {
    pool().run(threadedId, `g${index}`, tasks, [a, b, c, scratch]);
  };

  const jobHost = (index: number, chunks: number, ...outer: number[]) => {
    pool().run(threadedId, `j${index}`, chunks, outer);
  };

  const fallbackHost = (index: number) => {
    const spec = fallbacks[index];
    const buffer = heap.memory.buffer;
    const ptrs = heap.i32;
    let p = argBlock >> 2;
    const arrays = spec.inputs.map((v) => {
      if (v.kind !== 'array') return null;
      const at = ptrs[p++];
      return copyOut(ARRAY[v.dtype], buffer, at, sizeOf(v.shape));
    });
    const results = plan.lo.fallbacks[spec.index](arrays);
    const after = heap.memory.buffer;
    spec.outs.forEach((o, j) => {
      const at = heap.i32[p + j];
      new ARRAY[o.dtype](after, at, sizeOf(o.shape)).set(results[j]);
    });
  };
  const mathImports = { ...HOST_MATH_FUNCTIONS };
  const instance = new WebAssembly.Instance(module, {
    env: { memory: heap.memory },
    host: { fallback: fallbackHost, parallel: parallelHost, job: jobHost },
    math: mathImports as WebAssembly.ModuleImports,
  });
  const run = instance.exports.main as () => void;

  const inputs = plan.inputs.map((b) =>
    b ? { at: layout.get(b.name!), size: b.size, ctor: ARRAY[b.dtype] } : null,
  );
  // The array each input region holds, so captured constants and weights passed again unchanged
  // (inference, sampling) are not copied again. Holding the last call's inputs keeps them alive
  // only as long as the program, whose arena holds a copy of them anyway.
  const resident: (TypedArray | null)[] = inputs.map(() => null);
  const results = plan.results.map((r) =>
    r.kind === 'input'
      ? { input: plan.inputs.indexOf(r.buf), at: 0, size: 0, ctor: ARRAY.float32 }
      : {
          input: -1,
          at: layout.get(r.out.buf.name!),
          size: r.out.buf.size,
          ctor: ARRAY[r.out.dtype],
        },
  );
  const program: CompiledProgram & { owner: object } = {
    owner,
    backend: 'wasm',
    reason,
    source: [
      `// WebAssembly module: ${bytesOfModule.length} bytes, ${listing.length} kernel functions; arena of ${bytes} bytes at ${base}`,
      ...listing,
    ].join('\n'),
    bufferBytes: bytes,
    run(ins: readonly TypedArray[]): TypedArray[] {
      const buffer = heap.memory.buffer;
      for (let i = 0; i < inputs.length; i++) {
        const x = inputs[i];
        if (x && resident[i] !== ins[i]) {
          new x.ctor(buffer, x.at, x.size).set(ins[i]);
          resident[i] = ins[i];
        }
      }
      run();
      const after = heap.memory.buffer;
      return results.map((r) =>
        r.input >= 0 ? ins[r.input] : copyOut(r.ctor, after, r.at, r.size),
      );
    },
  };
  return program;
}
