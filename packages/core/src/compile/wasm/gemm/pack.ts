// SPDX-License-Identifier: MIT
// Packing B: a kc×cols block of B (any strides) becomes panels of NR columns, each stored k-major
// (NR contiguous values per k, 32 bytes), so the micro-kernel streams its panel linearly. A
// partial last panel is zero-padded: its extra columns add zeros and are never stored to C.
// Packing A (only when its k-stride is not 1): a tile's rows become one k-major strip.
import type { CodeWriter, FuncRef, Local, ModuleBuilder } from '../builder.js';
import { vectorOps } from './microkernel.js';
import { MR, PANEL_BYTES } from './plan.js';
import { emitSteppedLoop } from './stepped_loop.js';

/**
 * Copies `count` values from `from` (`fromBytes` apart) to `to` (contiguous): v128 loads when
 * the source is contiguous too (Aᵀ's tile rows, B's row-major columns), else one by one.
 */
function copyRun(
  w: CodeWriter,
  dtype: 'float32' | 'float64',
  to: Local,
  from: Local,
  count: number,
  fromBytes: number,
): void {
  const ops = vectorOps(dtype);
  const e = ops.elemBytes;
  if (fromBytes === e && (count * e) % 16 === 0) {
    for (let h = 0; h < count * e; h += 16) {
      w.get(to).get(from).mem('v128.load', h, 0).mem('v128.store', h, 0);
    }
    return;
  }
  for (let c = 0; c < count; c++) {
    w.get(to)
      .get(from)
      .mem(ops.load, c * fromBytes, 0)
      .mem(ops.store, c * e, 0);
  }
}

export interface PackShape {
  readonly dtype: 'float32' | 'float64';
  /** Byte distance between consecutive k (rows of B) and consecutive columns of B. */
  readonly rowBytes: number;
  readonly colBytes: number;
}

/**
 * Emits `(src, dst, kc, cols) -> ()`: packs B[0..kc)[0..cols) at `src` into panels at `dst`;
 * panel j/NR starts at dst + (j/NR)·kc·32.
 */
export function emitPackB(mb: ModuleBuilder, s: PackShape): FuncRef {
  const ops = vectorOps(s.dtype);
  const e = ops.elemBytes;
  const nr = PANEL_BYTES / e;
  return mb.func(['i32', 'i32', 'i32', 'i32'], [], (w, [src, dst, kc, cols]) => {
    const j = w.local('i32');
    const from = w.local('i32');
    const to = w.local('i32');
    const end = w.local('i32');
    const jj = w.local('i32');
    const colFrom = w.local('i32');
    const colTo = w.local('i32');
    const panelBytes = w.local('i32');
    w.get(kc).i32(PANEL_BYTES).op('i32.mul').set(panelBytes);
    w.get(dst).set(to);
    w.forLoop(
      j,
      () => w.i32(0),
      () => w.get(cols),
      nr,
      () => {
        // from = src + j·colBytes; end = to + kc·32
        w.get(src).get(j).i32(s.colBytes).op('i32.mul').op('i32.add').set(from);
        w.get(to).get(panelBytes).op('i32.add').set(end);
        w.get(j).i32(nr).op('i32.add').get(cols).op('i32.le_s');
        w.if(
          () => {
            // A full panel: one pass over k, NR loads at constant offsets.
            emitSteppedLoop(w, {
              cursor: { ptr: to, stride: PANEL_BYTES },
              end,
              others: [{ ptr: from, stride: s.rowBytes }],
              unroll: 1,
              body: () => copyRun(w, s.dtype, to, from, nr, s.colBytes),
            });
          },
          () => {
            // The partial last panel: zeros, then each existing column down k.
            w.get(to).i32(0).get(panelBytes).memoryFill();
            w.forLoop(
              jj,
              () => w.i32(0),
              () => w.get(cols).get(j).op('i32.sub'),
              1,
              () => {
                w.get(from).get(jj).i32(s.colBytes).op('i32.mul').op('i32.add').set(colFrom);
                w.get(to).get(jj).i32(e).op('i32.mul').op('i32.add').set(colTo);
                emitSteppedLoop(w, {
                  cursor: { ptr: colTo, stride: PANEL_BYTES },
                  end,
                  others: [{ ptr: colFrom, stride: s.rowBytes }],
                  unroll: 1,
                  body: () => w.get(colTo).get(colFrom).mem(ops.load, 0, 0).mem(ops.store, 0, 0),
                });
              },
            );
            w.get(end).set(to);
          },
        );
      },
    );
  });
}

export interface PackAShape {
  readonly dtype: 'float32' | 'float64';
  /** Rows of the tile (MR, or fewer for the last rows of the matrix). */
  readonly rows: number;
  /** Byte distance between consecutive rows of A and between consecutive k. */
  readonly rowBytes: number;
  readonly colBytes: number;
}

/**
 * Emits `(src, dst, kc) -> ()`: copies A[0..rows)[0..kc) at `src` to `dst` k-major, MR values
 * (MR·elemBytes bytes) per k whatever `rows` is, so the micro-kernel reads it with row stride
 * elemBytes and k stride MR·elemBytes. kc ≥ 1.
 */
export function emitPackA(mb: ModuleBuilder, s: PackAShape): FuncRef {
  const stripBytes = MR * vectorOps(s.dtype).elemBytes;
  return mb.func(['i32', 'i32', 'i32'], [], (w, [src, dst, kc]) => {
    const end = w.local('i32');
    w.get(dst).get(kc).i32(stripBytes).op('i32.mul').op('i32.add').set(end);
    emitSteppedLoop(w, {
      cursor: { ptr: dst, stride: stripBytes },
      end,
      others: [{ ptr: src, stride: s.colBytes }],
      // Two or four steps measured 0.998× and 1.005×: a strided gather, not bound by the loop.
      unroll: 1,
      body: () => copyRun(w, s.dtype, dst, src, s.rows, s.rowBytes),
    });
  });
}
