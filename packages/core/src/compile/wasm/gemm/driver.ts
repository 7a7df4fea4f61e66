// SPDX-License-Identifier: MIT
// The task loop around packing and the micro-kernel. A task is a run of work units; a unit is
// one (batch entry, row block, column block). For each K block in order, the unit packs its
// columns of B into its task's scratch slot and runs the micro-kernel over its rows (an Aᵀ
// operand's rows packed into a strip first, `GemmPlan.packA`). Every
// output's k-sum is produced by one unit in one fixed order (K blocks continue the sum through
// C exactly), so any split of tasks over threads gives bitwise identical C.
import type { CodeWriter, FuncRef, Local, ModuleBuilder } from '../builder.js';
import { emitMicroKernel, LOAD_C, TAIL_COLS } from './microkernel.js';
import { emitPackA, emitPackB } from './pack.js';
import {
  type GemmKernel,
  type GemmPlan,
  type GemmSpec,
  MR,
  PANEL_BYTES,
  planGemm,
} from './plan.js';

/** `dst = min(a, b)` for i32 values pushed by `a` and `b`. */
function minInto(w: CodeWriter, dst: Local, a: () => void, b: () => void): void {
  a();
  b();
  a();
  b();
  w.op('i32.lt_s').op('select').set(dst);
}

/** `x·factor` with the multiply left out when factor is 1 (a common stride). */
function scaled(w: CodeWriter, x: Local, factor: number): void {
  w.get(x);
  if (factor !== 1) w.i32(factor).op('i32.mul');
}

/** Adds the functions for one product to `mb`; returns the entry point and what it needs. */
export function emitGemm(mb: ModuleBuilder, spec: GemmSpec): GemmKernel {
  const plan = planGemm(spec);
  const flops = 2 * spec.batch * spec.m * spec.n * spec.k;
  if (plan.tasks === 0) {
    const fn = mb.func(['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], () => {});
    return { fn, tasks: 0, scratchBytes: 0, flops };
  }
  const fn = spec.k === 0 ? emitZeroFill(mb, plan) : emitProduct(mb, plan);
  const batch = spec.batch > 1 ? `${spec.batch}×` : '';
  mb.nameFunction(fn, `gemm ${spec.dtype} ${batch}${spec.m}×${spec.k}·${spec.k}×${spec.n}`);
  return { fn, tasks: plan.tasks, scratchBytes: plan.tasks * plan.slotBytes, flops };
}

/**
 * Emits `(src, dst) -> ()` packing all of B (batch 1) for products with `packedB`: K block by
 * K block, each block's panels over all n columns, where the products would pack them per unit.
 * Panel J of the K block at p0 starts at dst + p0·panels·32 + J·kc·32 (kc that block's depth).
 */
export function emitPrepackB(mb: ModuleBuilder, spec: GemmSpec): FuncRef {
  const plan = planGemm({ ...spec, packedB: false });
  const e = plan.elemBytes;
  const panels = Math.ceil(spec.n / plan.nr);
  const pack = emitPackB(mb, {
    dtype: spec.dtype,
    rowBytes: spec.b.rowStride * e,
    colBytes: spec.b.colStride * e,
  });
  const fn = mb.func(['i32', 'i32'], [], (w, [src, dst]) => {
    for (let p0 = 0; p0 < spec.k; p0 += plan.kc) {
      const kc = Math.min(plan.kc, spec.k - p0);
      w.get(src)
        .i32(p0 * spec.b.rowStride * e)
        .op('i32.add');
      w.get(dst)
        .i32(p0 * panels * PANEL_BYTES)
        .op('i32.add');
      w.i32(kc).i32(spec.n).call(pack);
    }
  });
  mb.nameFunction(
    fn,
    `gemm prepack B ${spec.k}×${spec.n} (k stride ${spec.b.rowStride}, n stride ${spec.b.colStride})`,
  );
  return fn;
}

interface UnitLocals {
  readonly aBase: Local;
  readonly bBase: Local;
  readonly cBase: Local;
  readonly j0: Local;
  readonly cols: Local;
  readonly i0: Local;
  readonly iEnd: Local;
}

/**
 * Writes the loop over tasks and their units; `body` runs per unit with the unit's batch-offset
 * pointers (A, B at column j0, C at column j0), its column range and its row range.
 */
function forEachUnit(
  w: CodeWriter,
  plan: GemmPlan,
  params: Local[],
  body: (u: UnitLocals, slot: Local) => void,
): void {
  const { spec, elemBytes: e } = plan;
  const [taskBegin, taskEnd, aPtr, bPtr, cPtr, scratch] = params;
  const t = w.local('i32');
  const u = w.local('i32');
  const uEnd = w.local('i32');
  const slot = w.local('i32');
  const rest = w.local('i32');
  const bi = w.local('i32');
  const l: UnitLocals = {
    aBase: w.local('i32'),
    bBase: w.local('i32'),
    cBase: w.local('i32'),
    j0: w.local('i32'),
    cols: w.local('i32'),
    i0: w.local('i32'),
    iEnd: w.local('i32'),
  };
  w.forLoop(
    t,
    () => w.get(taskBegin),
    () => w.get(taskEnd),
    1,
    () => {
      w.get(scratch).get(t).i32(plan.slotBytes).op('i32.mul').op('i32.add').set(slot);
      w.get(t).i32(plan.unitsPerTask).op('i32.mul').set(u);
      minInto(
        w,
        uEnd,
        () => w.get(u).i32(plan.unitsPerTask).op('i32.add'),
        () => w.i32(plan.units),
      );
      w.block(() => {
        w.loop(() => {
          w.get(u).get(uEnd).op('i32.ge_s').brIf(1);
          // u = (bi·rowBlocks + rb)·colBlocks + cb
          w.get(u).i32(plan.colBlocks).op('i32.rem_u').i32(plan.nc).op('i32.mul').set(l.j0);
          w.get(u).i32(plan.colBlocks).op('i32.div_u').set(rest);
          w.get(rest).i32(plan.rowBlocks).op('i32.rem_u').i32(plan.mc).op('i32.mul').set(l.i0);
          w.get(rest).i32(plan.rowBlocks).op('i32.div_u').set(bi);
          minInto(
            w,
            l.cols,
            () => w.i32(plan.nc),
            () => w.i32(spec.n).get(l.j0).op('i32.sub'),
          );
          minInto(
            w,
            l.iEnd,
            () => w.get(l.i0).i32(plan.mc).op('i32.add'),
            () => w.i32(spec.m),
          );
          w.get(aPtr)
            .get(bi)
            .i32(spec.a.batchStride * e)
            .op('i32.mul')
            .op('i32.add')
            .set(l.aBase);
          w.get(bPtr)
            .get(bi)
            .i32(spec.b.batchStride * e)
            .op('i32.mul')
            .op('i32.add');
          scaled(w, l.j0, spec.b.colStride * e);
          w.op('i32.add').set(l.bBase);
          w.get(cPtr)
            .get(bi)
            .i32(spec.c.batchStride * e)
            .op('i32.mul')
            .op('i32.add');
          scaled(w, l.j0, e);
          w.op('i32.add').set(l.cBase);
          body(l, slot);
          w.get(u).i32(1).op('i32.add').set(u);
          w.br(0);
        });
      });
    },
  );
}

/** k = 0: C = 0 (or unchanged when accumulating). */
function emitZeroFill(mb: ModuleBuilder, plan: GemmPlan): FuncRef {
  const { spec, elemBytes: e } = plan;
  return mb.func(['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (w, params) => {
    if (spec.accumulate) return;
    const i = w.local('i32');
    forEachUnit(w, plan, params, (l) => {
      w.forLoop(
        i,
        () => w.get(l.i0),
        () => w.get(l.iEnd),
        1,
        () => {
          w.get(l.cBase);
          scaled(w, i, spec.c.rowStride * e);
          w.op('i32.add').i32(0);
          scaled(w, l.cols, e);
          w.memoryFill();
        },
      );
    });
  });
}

function emitProduct(mb: ModuleBuilder, plan: GemmPlan): FuncRef {
  const { spec, elemBytes: e, nr } = plan;
  const tailRows = spec.m % MR;
  const tailCols = spec.n % nr;
  const shape = {
    dtype: spec.dtype,
    // A packed strip is read with row stride e and k stride MR·e.
    aRowBytes: plan.packA ? e : spec.a.rowStride * e,
    aColBytes: plan.packA ? MR * e : spec.a.colStride * e,
    cRowBytes: spec.c.rowStride * e,
    tailCols,
    fma: spec.fma,
  };
  const pack = spec.packedB
    ? null
    : emitPackB(mb, {
        dtype: spec.dtype,
        rowBytes: spec.b.rowStride * e,
        colBytes: spec.b.colStride * e,
      });
  const full = emitMicroKernel(mb, { ...shape, rows: MR });
  const tail = tailRows > 0 ? emitMicroKernel(mb, { ...shape, rows: tailRows }) : null;
  const packAFor = (rows: number) =>
    plan.packA
      ? emitPackA(mb, {
          dtype: spec.dtype,
          rows,
          rowBytes: spec.a.rowStride * e,
          colBytes: spec.a.colStride * e,
        })
      : null;
  const packFull = packAFor(MR);
  const packTail = tail ? packAFor(tailRows) : null;
  if (packFull) mb.nameFunction(packFull, `gemm pack A (k stride ${spec.a.colStride})`);
  if (packTail) mb.nameFunction(packTail, `gemm pack A, ${tailRows} rows`);
  if (pack)
    mb.nameFunction(
      pack,
      `gemm pack B (k stride ${spec.b.rowStride}, n stride ${spec.b.colStride})`,
    );
  mb.nameFunction(full, `gemm micro-kernel ${MR}×${nr}`);
  if (tail) mb.nameFunction(tail, `gemm micro-kernel ${tailRows}×${nr}`);
  return mb.func(['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (w, params) => {
    const p0 = w.local('i32');
    const kc = w.local('i32');
    const first = w.local('i32');
    const panelBytes = w.local('i32');
    const i = w.local('i32');
    const jp = w.local('i32');
    const panels = w.local('i32');
    const aRow = w.local('i32');
    const cRow = w.local('i32');
    const panel = w.local('i32');
    // One row of micro-kernel calls across the unit's panels, for rows starting at i; with
    // `packA`, the rows' strip is packed first into the scratch slot after the B panels.
    const rowOfTiles = (
      kernel: FuncRef,
      packA: FuncRef | null,
      l: UnitLocals,
      slot: Local,
      scratchSlot: Local,
    ) => {
      w.get(l.aBase);
      scaled(w, i, spec.a.rowStride * e);
      w.op('i32.add');
      scaled(w, p0, spec.a.colStride * e);
      w.op('i32.add').set(aRow);
      if (packA) {
        w.get(aRow).get(scratchSlot).i32(plan.slotBBytes).op('i32.add').tee(aRow);
        w.get(kc).call(packA);
      }
      w.get(l.cBase);
      scaled(w, i, spec.c.rowStride * e);
      w.op('i32.add').set(cRow);
      w.forLoop(
        jp,
        () => w.i32(0),
        () => w.get(panels),
        1,
        () => {
          w.get(slot).get(jp).get(panelBytes).op('i32.mul').op('i32.add').set(panel);
          w.get(aRow);
          w.get(panel);
          w.get(panel).get(panelBytes).op('i32.add');
          w.get(cRow)
            .get(jp)
            .i32(nr * e)
            .op('i32.mul')
            .op('i32.add');
          w.get(first);
          if (tailCols > 0) {
            // The last panel of the matrix is partial: j0 + jp·nr + nr > n.
            w.get(l.j0)
              .get(jp)
              .i32(nr)
              .op('i32.mul')
              .op('i32.add')
              .i32(spec.n - nr);
            w.op('i32.gt_s').i32(TAIL_COLS).op('i32.mul').op('i32.or');
          }
          w.call(kernel);
        },
      );
    };
    const bPtr = params[3];
    const packed = w.local('i32');
    forEachUnit(w, plan, params, (l, scratchSlot) => {
      const slot = spec.packedB ? packed : scratchSlot;
      w.get(l.cols)
        .i32(nr - 1)
        .op('i32.add')
        .i32(nr)
        .op('i32.div_u')
        .set(panels);
      w.forLoop(
        p0,
        () => w.i32(0),
        () => w.i32(spec.k),
        plan.kc,
        () => {
          minInto(
            w,
            kc,
            () => w.i32(plan.kc),
            () => w.i32(spec.k).get(p0).op('i32.sub'),
          );
          w.get(kc)
            .i32(nr * e)
            .op('i32.mul')
            .set(panelBytes);
          if (spec.packedB) {
            // The unit's panels in the prepacked B: bPtr + p0·panels·32 + (j0/nr)·kc·32.
            w.get(bPtr)
              .get(p0)
              .i32(Math.ceil(spec.n / nr) * PANEL_BYTES)
              .op('i32.mul')
              .op('i32.add')
              .get(l.j0)
              .i32(nr)
              .op('i32.div_u')
              .get(panelBytes)
              .op('i32.mul')
              .op('i32.add')
              .set(packed);
          } else {
            w.get(l.bBase);
            scaled(w, p0, spec.b.rowStride * e);
            w.op('i32.add').get(slot).get(kc).get(l.cols).call(pack!);
          }
          // Start from C after the first K block, or always when accumulating.
          if (spec.accumulate) w.i32(LOAD_C).set(first);
          else w.get(p0).i32(0).op('i32.gt_s').set(first);
          w.forLoop(
            i,
            () => w.get(l.i0),
            () =>
              w
                .get(l.iEnd)
                .i32(MR - 1)
                .op('i32.sub'),
            MR,
            () => rowOfTiles(full, packFull, l, slot, scratchSlot),
          );
          if (tail) {
            w.get(i).get(l.iEnd).op('i32.lt_s');
            w.if(() => rowOfTiles(tail, packTail, l, slot, scratchSlot));
          }
        },
      );
    });
  });
}
