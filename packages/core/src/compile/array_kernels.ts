// SPDX-License-Identifier: MIT
// Kernels that write one array: a fused expression computed in one loop nest, a strided copy,
// a fill. The JavaScript source comes from `emit`; the spec serves the WebAssembly lowering.
import { sizeOf, stridesOf } from '../tensor/shape.js';
import { emitNodes, leavesOf, postOrder } from './expr.js';
import { type Access, collapseLoops, emitLoopNest } from './loops.js';
import { type Kernel, kernel } from './steps.js';
import {
  type ArrayValue,
  type Buf,
  broadcastStrides,
  isContiguous,
  literal,
  location,
  offsetPlus,
  renderOffset,
  sameOffset,
  type Value,
} from './values.js';

/** Innermost loops up to this long are unrolled in small fused kernels. */
const UNROLL_INNER = 16;

/** One loop nest computing a tree of fused elementwise expressions into `out`. */
export function fusedKernel(root: Value, out: ArrayValue): Kernel {
  const order = postOrder(root);
  const leaves = leavesOf(root);
  const shape = out.shape;
  const standard = stridesOf(shape);
  const leafStrides = leaves.map((l) => broadcastStrides(l, shape));
  const identity = new Set<Buf>();
  const spoiled = new Set<Buf>();
  leaves.forEach((l, i) => {
    const same =
      sizeOf(l.shape) === sizeOf(shape) &&
      l.off.c === 0 &&
      l.off.terms.length === 0 &&
      leafStrides[i].every((s, d) => shape[d] === 1 || s === standard[d]);
    (same ? identity : spoiled).add(l.buf);
  });
  for (const b of spoiled) identity.delete(b);
  return kernel(
    leaves,
    [out.buf],
    (w) => {
      const locs = [out, ...leaves].map(location);
      const { sizes, strides } = collapseLoops(shape, [out.strides, ...leafStrides]);
      // A short innermost loop of a small kernel is unrolled into lanes: reads that move only
      // along it (a row of dz in dU += h ⊗ dz) then stay fixed in the loops around and are
      // hoisted out of them.
      const exprs = order.filter((v) => v.kind === 'expr').length;
      const inner = sizes[sizes.length - 1];
      const lanes =
        sizes.length >= 2 && inner <= UNROLL_INNER && exprs <= 4 && leaves.length <= 4 ? inner : 1;
      const loopSizes = lanes > 1 ? sizes.slice(0, -1) : sizes;
      const accesses: Access[] = [];
      for (let j = 0; j < lanes; j++) {
        for (let a = 0; a < locs.length; a++) {
          const st = strides[a];
          accesses.push({
            name: locs[a].name,
            off: lanes > 1 ? offsetPlus(locs[a].off, j * st[st.length - 1]) : locs[a].off,
            strides: lanes > 1 ? st.slice(0, -1) : st,
          });
        }
      }
      const at = (j: number, a: number) => j * locs.length + a;
      const readNames = new Map<string, string>();
      const laneNames = Array.from({ length: lanes }, () => new Map<Value, string>());
      const read = (j: number, i: number, index: string[]) => {
        const acc = accesses[at(j, i + 1)];
        const key = `${i}|${acc.off.c}`;
        let n = readNames.get(key);
        if (n === undefined) {
          n = w.fresh('a');
          w.line(`const ${n} = ${acc.name}[${index[at(j, i + 1)]}];`);
          readNames.set(key, n);
        }
        laneNames[j].set(leaves[i], n);
      };
      emitLoopNest(
        w,
        loopSizes,
        accesses,
        (index) => {
          for (let j = 0; j < lanes; j++) {
            const names = laneNames[j];
            leaves.forEach((l, i) => {
              if (!names.has(l)) read(j, i, index);
            });
            emitNodes(w, order, names);
            w.line(`${accesses[at(j, 0)].name}[${index[at(j, 0)]}] = ${names.get(root)};`);
          }
        },
        // Reads that do not move in the inner loops (a broadcast bias, a matmul row) are hoisted.
        (level, index, invariantFrom) => {
          for (let j = 0; j < lanes; j++) {
            leaves.forEach((l, i) => {
              if (invariantFrom[at(j, i + 1)] === level && !laneNames[j].has(l)) read(j, i, index);
            });
          }
        },
      );
    },
    identity,
    { kind: 'fused', root, out },
  );
}

/** Copies `src` (any strides) into `dst` element by element. */
export function copyKernel(src: ArrayValue, dst: ArrayValue): Kernel {
  const identity = new Set<Buf>();
  if (sameOffset(src.off, dst.off) && src.strides.every((s, d) => s === dst.strides[d])) {
    identity.add(src.buf);
  }
  return kernel(
    [src],
    [dst.buf],
    (w) => {
      const [d, s] = [location(dst), location(src)];
      emitLoopNest(
        w,
        dst.shape,
        [
          { name: d.name, off: d.off, strides: dst.strides },
          { name: s.name, off: s.off, strides: src.strides },
        ],
        ([di, si]) => w.line(`${d.name}[${di}] = ${s.name}[${si}];`),
      );
    },
    identity,
    { kind: 'copy', src, dst },
  );
}

/** A kernel writing `src` into a region of an existing buffer (defined elsewhere). */
export function copyInto(src: Value, dst: ArrayValue): Kernel {
  const k =
    src.kind === 'array'
      ? copyKernel(src, dst)
      : src.kind === 'lit' && isContiguous(dst)
        ? fillKernel(src.value, dst)
        : fusedKernel(src, dst);
  return { ...k, writes: [], updates: [dst.buf] };
}

/** Sets a contiguous region to one value (TypedArray.fill is a memset, not a JS loop). */
function fillKernel(value: number, dst: ArrayValue): Kernel {
  return kernel(
    [],
    [dst.buf],
    (w) => {
      const d = location(dst);
      const start = renderOffset(d.off);
      const n = sizeOf(dst.shape);
      w.line(
        `${d.name}.fill(${literal(value)}, ${start}, ${start === '0' ? n : `${start} + ${n}`});`,
      );
    },
    new Set(),
    { kind: 'fill', value, dst },
  );
}
