// SPDX-License-Identifier: MIT
// The register-blocked micro-kernel: rows×NR outputs held in 2·rows v128 accumulators while k
// runs over one packed B panel. Per k: load two v128 of the panel, broadcast each row's A value
// (`loadsplat`), multiply-add. This is XNNPACK's 4x8 `loadsplat` shape, which V8 keeps in
// registers; 6 rows or a plain unroll of k spills (WASM.md §8), two k per iteration with a
// branch between them does not (`kStepsPerIteration`).
import type { CodeWriter, FuncRef, Local, ModuleBuilder } from '../builder.js';
import type { PlainOp } from '../opcodes.js';
import { PANEL_BYTES } from './plan.js';
import { emitSteppedLoop } from './stepped_loop.js';

/** Flag bit: start from the C tile instead of zero (accumulate, or a K block after the first). */
export const LOAD_C = 1;
/** Flag bit: this tile is the last, partial column panel; only `tailCols` columns exist in C. */
export const TAIL_COLS = 2;

export interface MicroKernelShape {
  readonly dtype: 'float32' | 'float64';
  readonly rows: number;
  /** Byte distance between consecutive rows of A, and between consecutive k (columns) of A. */
  readonly aRowBytes: number;
  readonly aColBytes: number;
  readonly cRowBytes: number;
  /** Columns of C in a partial last panel (0: every panel is full). */
  readonly tailCols: number;
  readonly fma: boolean;
}

interface VectorOps {
  readonly elemBytes: number;
  readonly lanes: number;
  readonly splatLoad: 'v128.load32_splat' | 'v128.load64_splat';
  readonly load: 'f32.load' | 'f64.load';
  readonly store: 'f32.store' | 'f64.store';
  readonly extract: 'f32x4.extract_lane' | 'f64x2.extract_lane';
  readonly replace: 'f32x4.replace_lane' | 'f64x2.replace_lane';
  readonly add: PlainOp;
  readonly mul: PlainOp;
  readonly madd: PlainOp;
}

export function vectorOps(dtype: 'float32' | 'float64'): VectorOps {
  return dtype === 'float32'
    ? {
        elemBytes: 4,
        lanes: 4,
        splatLoad: 'v128.load32_splat',
        load: 'f32.load',
        store: 'f32.store',
        extract: 'f32x4.extract_lane',
        replace: 'f32x4.replace_lane',
        add: 'f32x4.add',
        mul: 'f32x4.mul',
        madd: 'f32x4.relaxed_madd',
      }
    : {
        elemBytes: 8,
        lanes: 2,
        splatLoad: 'v128.load64_splat',
        load: 'f64.load',
        store: 'f64.store',
        extract: 'f64x2.extract_lane',
        replace: 'f64x2.replace_lane',
        add: 'f64x2.add',
        mul: 'f64x2.mul',
        madd: 'f64x2.relaxed_madd',
      };
}

/** Loads or zeroes the accumulators from the C tile at `c` (only `cols` columns when partial). */
function loadTile(w: CodeWriter, ops: VectorOps, acc: Local[][], c: Local, s: MicroKernelShape) {
  const full = () => {
    acc.forEach((row, r) => {
      row.forEach((v, h) => {
        w.get(c)
          .mem('v128.load', r * s.cRowBytes + h * 16, 0)
          .set(v);
      });
    });
  };
  const partial = () => {
    acc.forEach((row, r) => {
      row.forEach((v, h) => {
        w.f32x4(0);
        for (let l = 0; l < ops.lanes; l++) {
          const col = h * ops.lanes + l;
          if (col >= s.tailCols) break;
          w.get(c).mem(ops.load, r * s.cRowBytes + col * ops.elemBytes, 0);
          w.lane(ops.replace, l);
        }
        w.set(v);
      });
    });
  };
  if (s.tailCols === 0) full();
  else w.get(flagsOf(w)).i32(TAIL_COLS).op('i32.and').if(partial, full);
}

function storeTile(w: CodeWriter, ops: VectorOps, acc: Local[][], c: Local, s: MicroKernelShape) {
  const full = () => {
    acc.forEach((row, r) => {
      row.forEach((v, h) => {
        w.get(c)
          .get(v)
          .mem('v128.store', r * s.cRowBytes + h * 16, 0);
      });
    });
  };
  const partial = () => {
    acc.forEach((row, r) => {
      row.forEach((v, h) => {
        for (let l = 0; l < ops.lanes; l++) {
          const col = h * ops.lanes + l;
          if (col >= s.tailCols) break;
          w.get(c).get(v).lane(ops.extract, l);
          w.mem(ops.store, r * s.cRowBytes + col * ops.elemBytes, 0);
        }
      });
    });
  };
  if (s.tailCols === 0) full();
  else w.get(flagsOf(w)).i32(TAIL_COLS).op('i32.and').if(partial, full);
}

// The flags parameter is the last of the five; kept in one place so the signature reads once.
const FLAGS_PARAM = 4;
function flagsOf(w: CodeWriter): Local {
  return w.params[FLAGS_PARAM];
}

/**
 * k steps (panel rows) per loop iteration: 2 with a separate multiply and add, 1 with
 * `relaxed_madd`. Measured in one process against one step per iteration, 512³ float32 ran 1.17×
 * faster on one thread and 1.16× on two, float64 1.16×; a plain unroll without the exit test
 * between the steps spilled (35.7 against 46.5 GFLOP/s). With fused multiply-adds two steps ran
 * 0.965× (one thread) and 0.973× (two) in Node 20 (`--experimental-wasm-relaxed-simd`), and
 * 0.959× in headless Chromium 150, whose V8 enables relaxed SIMD by default.
 */
const kStepsPerIteration = (fma: boolean) => (fma ? 1 : 2);

/**
 * Emits `(a, b, bEnd, c, flags) -> ()`: C[rows×NR at c] (+)= A[rows × kc at a] · panel[b, bEnd),
 * where the panel holds kc rows of NR values (32 bytes each) and kc ≥ 1. Every output sums its
 * products in k order, whatever the unroll.
 */
export function emitMicroKernel(mb: ModuleBuilder, s: MicroKernelShape): FuncRef {
  const ops = vectorOps(s.dtype);
  return mb.func(['i32', 'i32', 'i32', 'i32', 'i32'], [], (w, [a, b, bEnd, c, flags]) => {
    const acc = Array.from({ length: s.rows }, () => [w.local('v128'), w.local('v128')]);
    const b0 = w.local('v128');
    const b1 = w.local('v128');
    const av = w.local('v128');
    w.get(flags).i32(LOAD_C).op('i32.and');
    w.if(
      () => loadTile(w, ops, acc, c, s),
      () => {
        for (const row of acc) for (const v of row) w.f32x4(0).set(v);
      },
    );
    emitSteppedLoop(w, {
      cursor: { ptr: b, stride: PANEL_BYTES },
      end: bEnd,
      others: [{ ptr: a, stride: s.aColBytes }],
      unroll: kStepsPerIteration(s.fma),
      body: (step) => {
        w.get(b)
          .mem('v128.load', step * PANEL_BYTES, 0)
          .set(b0);
        w.get(b)
          .mem('v128.load', step * PANEL_BYTES + 16, 0)
          .set(b1);
        acc.forEach((row, r) => {
          w.get(a)
            .mem(ops.splatLoad, r * s.aRowBytes + step * s.aColBytes, 0)
            .set(av);
          row.forEach((v, h) => {
            if (s.fma)
              w.get(av)
                .get(h === 0 ? b0 : b1)
                .get(v)
                .op(ops.madd);
            else
              w.get(v)
                .get(av)
                .get(h === 0 ? b0 : b1)
                .op(ops.mul)
                .op(ops.add);
            w.set(v);
          });
        });
      },
    });
    storeTile(w, ops, acc, c, s);
  });
}
