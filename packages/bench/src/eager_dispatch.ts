// SPDX-License-Identifier: MIT
// Eager dispatch cost: how much a Loom op costs over the bare loop it runs.
import { add, matmul, tensor } from '@loom/core';
import { measure, type Row } from './harness.js';

function randomArray(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

export function eagerDispatch(): Row[] {
  const rows: Row[] = [];
  // Tiny op: [16] float32 add. The hand-written version allocates its result like Loom must.
  const a16 = randomArray(16, 1);
  const b16 = randomArray(16, 2);
  const ta = tensor(a16);
  const tb = tensor(b16);
  const handAdd = measure(() => {
    const out = new Float32Array(16);
    for (let i = 0; i < 16; i++) out[i] = a16[i] + b16[i];
  });
  const loomAdd = measure(() => add(ta, tb));
  rows.push({ workload: 'add f32[16]', system: 'hand-written', microseconds: handAdd, ratio: 1 });
  rows.push({
    workload: 'add f32[16]',
    system: 'Loom eager',
    microseconds: loomAdd,
    ratio: loomAdd / handAdd,
  });

  // [128,128] matmul: the same i-k-j loop, written directly.
  const n = 128;
  const am = randomArray(n * n, 3);
  const bm = randomArray(n * n, 4);
  const tam = tensor(am, { shape: [n, n] });
  const tbm = tensor(bm, { shape: [n, n] });
  const handMatmul = measure(
    () => {
      const out = new Float32Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < n; k++) {
          const av = am[i * n + k];
          for (let j = 0; j < n; j++) out[i * n + j] += av * bm[k * n + j];
        }
      }
    },
    { warmup: 20 },
  );
  const loomMatmul = measure(() => matmul(tam, tbm), { warmup: 20 });
  rows.push({
    workload: 'matmul f32[128,128]',
    system: 'hand-written',
    microseconds: handMatmul,
    ratio: 1,
  });
  rows.push({
    workload: 'matmul f32[128,128]',
    system: 'Loom eager',
    microseconds: loomMatmul,
    ratio: loomMatmul / handMatmul,
  });
  return rows;
}
